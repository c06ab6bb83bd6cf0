// One call to the gateway: the microphone, the peer connection, WHIP-style signalling
// (POST the offer, DELETE the Location to hang up) and the `events` data channel.
// Emits: 'state' (detail: connection state), 'event' (detail: a gateway ClientEvent),
// 'failure' (detail: a message for the user), 'local-stream' and 'remote-stream' (detail: MediaStream).

const ICE_GATHER_TIMEOUT_MS = 2000;
const HANGUP_GRACE_MS = 2000;

/** @typedef {'idle'|'connecting'|'connected'|'disconnected'|'closed'|'failed'} CallState */

export class Call extends EventTarget {
  /** @type {CallState} */
  state = 'idle';
  muted = false;
  /** @type {RTCPeerConnection | undefined} */
  #pc;
  /** @type {RTCDataChannel | undefined} */
  #channel;
  /** @type {MediaStream | undefined} */
  #local;
  /** @type {RTCRtpSender | undefined} */
  #sender;
  /** @type {string | undefined} */
  #location;
  /** The call's key from the 201: only it may end the call with DELETE. @type {string | undefined} */
  #callKey;
  /** Sent as `Authorization: Bearer` with the offer when the gateway needs one. @type {string | undefined} */
  #token;
  /** The gateway opens the session once the peer connects; the call is 'connected' once it said session.ready. */
  #sessionReady = false;
  #ended = false;

  /** @param {{ token?: string }} [options] token: a device or session token for the offer */
  constructor({ token } = {}) {
    super();
    this.#token = token;
  }

  /** Asks for the microphone, offers, and applies the gateway's answer. */
  async connect(deviceId) {
    try {
      await this.#connect(deviceId);
    } catch (err) {
      this.#fail(`The call could not start: ${err?.message ?? err}`);
    }
  }

  async #connect(deviceId) {
    this.#ended = false;
    this.#sessionReady = false;
    this.#setState('connecting');
    try {
      this.#local = await navigator.mediaDevices.getUserMedia({ audio: audioConstraints(deviceId) });
    } catch (err) {
      return this.#fail(microphoneProblem(err));
    }
    if (this.#ended) return this.#teardown();
    const track = this.#local.getAudioTracks()[0];
    track.enabled = !this.muted;
    this.#emit('local-stream', this.#local);

    const pc = new RTCPeerConnection();
    this.#pc = pc;
    this.#sender = pc.addTrack(track, this.#local);
    pc.ontrack = (event) => this.#emit('remote-stream', event.streams[0] ?? new MediaStream([event.track]));
    pc.onconnectionstatechange = () => this.#onConnectionState(pc.connectionState);
    this.#openChannel(pc.createDataChannel('events'));

    await pc.setLocalDescription(await pc.createOffer());
    await iceGathered(pc);
    if (this.#ended) return;

    let response;
    try {
      response = await fetch('/v1/webrtc', {
        method: 'POST',
        headers: { 'content-type': 'application/sdp', ...bearer(this.#token) },
        body: pc.localDescription.sdp,
      });
    } catch {
      return this.#fail('Cannot reach the gateway. Check your network connection and try again.');
    }
    if (response.status === 401) {
      const hint = this.#token ? 'the link\'s token was refused or has expired; get a fresh link' : 'open this page from the link your service gives you';
      return this.#fail(`The gateway needs an access token (HTTP 401): ${hint}. ${await errorText(response)}`);
    }
    if (response.status !== 201) {
      return this.#fail(`The gateway refused the call (HTTP ${response.status}): ${await errorText(response)}`);
    }
    this.#location = response.headers.get('location') ?? undefined;
    this.#callKey = response.headers.get('vg-call-key') ?? undefined;
    const answer = await response.text();
    if (this.#ended) return this.#deleteSession();
    await pc.setRemoteDescription({ type: 'answer', sdp: answer });
  }

  /** Ends the call on purpose: tells the gateway (DELETE) and frees the microphone. */
  hangUp() {
    if (this.#ended) return;
    this.#ended = true;
    for (const track of this.#local?.getTracks() ?? []) track.stop();
    // The peer stays up until the DELETE is answered, so the gateway learns why the call ended
    // from the DELETE rather than from the connection dropping first.
    const deleted = this.#deleteSession();
    const timeout = new Promise((resolve) => setTimeout(resolve, HANGUP_GRACE_MS));
    const pc = this.#pc;
    Promise.race([deleted, timeout]).then(() => {
      if (this.#pc === pc) this.#teardown();
    });
    this.#detach();
    this.#setState('closed');
  }

  /** Sends one control message (ClientControl) if the channel is open; returns whether it went. */
  send(message) {
    if (this.#channel?.readyState !== 'open') return false;
    this.#channel.send(JSON.stringify(message));
    return true;
  }

  setMuted(muted) {
    this.muted = muted;
    const track = this.#sender?.track ?? this.#local?.getAudioTracks()[0];
    if (track) track.enabled = !muted;
  }

  /** Changes the microphone mid-call without a new session (RTCRtpSender.replaceTrack). */
  async switchDevice(deviceId) {
    if (!this.#sender || !this.#local) return;
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: audioConstraints(deviceId) });
    } catch (err) {
      throw new Error(microphoneProblem(err));
    }
    const track = stream.getAudioTracks()[0];
    track.enabled = !this.muted;
    await this.#sender.replaceTrack(track);
    for (const old of this.#local.getTracks()) old.stop();
    this.#local = stream;
    this.#emit('local-stream', stream);
  }

  /** The label of the microphone in use, if any. */
  get deviceLabel() {
    return this.#sender?.track?.label ?? '';
  }

  #openChannel(channel) {
    this.#channel = channel;
    channel.onmessage = (message) => {
      let event;
      try {
        event = JSON.parse(message.data);
      } catch {
        return;
      }
      if (event.type === 'session.ended') {
        // The gateway ended it: nothing to DELETE, and the channel closing is no failure.
        this.#ended = true;
        this.#location = this.#callKey = undefined;
      }
      if (event.type === 'session.ready') {
        this.#sessionReady = true;
        if (this.#pc?.connectionState === 'connected') this.#setState('connected');
      }
      this.#emit('event', event);
      if (event.type === 'session.ended') {
        this.#teardown();
        // Ended before it was ready: the session never opened, so the call failed.
        this.#setState(this.#sessionReady ? 'closed' : 'failed');
      }
    };
    channel.onclose = () => {
      if (!this.#ended) this.#fail('Lost the connection to the gateway (the events channel closed).');
    };
  }

  #onConnectionState(state) {
    if (this.#ended) return;
    if (state === 'connected' && this.#sessionReady) this.#setState('connected');
    else if (state === 'disconnected') this.#setState('disconnected');
    else if (state === 'failed') this.#fail('The connection to the gateway failed. Check your network and connect again.');
  }

  /** Resolves when the gateway has answered (or could not be reached). */
  #deleteSession() {
    const location = this.#location;
    const key = this.#callKey;
    this.#location = this.#callKey = undefined;
    if (!location) return Promise.resolve();
    // keepalive: the request outlives a page that is being closed.
    return fetch(location, { method: 'DELETE', headers: bearer(key), keepalive: true }).then(() => {}, () => {});
  }

  #fail(message) {
    const wasLive = !this.#ended;
    this.#ended = true;
    this.#deleteSession();
    this.#teardown();
    this.#setState('failed');
    if (wasLive) this.#emit('failure', message);
  }

  /** Stops listening: nothing the peer or the gateway does now changes this call's state. */
  #detach() {
    if (this.#channel) this.#channel.onclose = this.#channel.onmessage = null;
    if (this.#pc) this.#pc.onconnectionstatechange = this.#pc.ontrack = null;
  }

  #teardown() {
    this.#detach();
    this.#channel?.close();
    this.#pc?.close();
    for (const track of this.#local?.getTracks() ?? []) track.stop();
    this.#channel = this.#pc = this.#local = this.#sender = undefined;
  }

  #setState(state) {
    if (state === this.state) return;
    this.state = state;
    this.#emit('state', state);
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}

function bearer(token) {
  return token ? { authorization: `Bearer ${token}` } : {};
}

function audioConstraints(deviceId) {
  const constraints = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };
  return deviceId ? { ...constraints, deviceId: { exact: deviceId } } : constraints;
}

/** What went wrong with the microphone, in words a caller can act on. */
function microphoneProblem(err) {
  switch (err?.name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'Microphone access was denied. Allow the microphone for this site (the icon in the address bar) and connect again.';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'No microphone was found. Plug one in, or choose another in the Microphone list, and connect again.';
    case 'NotReadableError':
      return 'The microphone is in use by another application or could not be started.';
    default:
      return `The microphone could not be opened${err?.message ? `: ${err.message}` : '.'}`;
  }
}

/** Waits for the browser's ICE candidates: signalling is one round trip, so the offer must carry them. */
function iceGathered(pc) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', check);
      resolve();
    };
    const check = () => pc.iceGatheringState === 'complete' && done();
    const timer = setTimeout(done, ICE_GATHER_TIMEOUT_MS);
    pc.addEventListener('icegatheringstatechange', check);
  });
}

async function errorText(response) {
  try {
    const body = await response.json();
    return body?.error?.message ?? response.statusText;
  } catch {
    return response.statusText || 'no details';
  }
}
