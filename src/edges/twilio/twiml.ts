import VoiceResponse from 'twilio/lib/twiml/VoiceResponse.js';

/** Said when the gateway could not go on with a call (a backend failure, a shutdown), before it hangs up. */
const APOLOGY = 'Sorry, we could not continue this call. Please call again.';
const BUSY = 'Sorry, all our lines are busy. Please call again later.';

/** How a call's stream ended, as it decides what the caller hears next. */
export type StreamEnding = { kind: 'finished' } | { kind: 'failed' } | { kind: 'transferred'; to: string };

/**
 * The answer to Twilio's voice webhook: a bidirectional stream to the gateway, with the call's
 * details as `<Parameter>`s (they arrive in the stream's `start` message). Twilio runs nothing
 * after `</Connect>` while the stream is open; once the gateway closes it, Twilio asks `afterUrl`
 * what to do (REALTIME_PROTOCOL.md §7.1), so a call that ended well just hangs up and only one
 * that failed hears the apology.
 */
export function streamTwiml(streamUrl: string, afterUrl: string, parameters: Record<string, string>): string {
  const response = new VoiceResponse();
  const stream = response.connect({ action: afterUrl }).stream({ url: streamUrl });
  for (const [name, value] of Object.entries(parameters)) stream.parameter({ name, value });
  return response.toString();
}

/**
 * What the caller hears once the stream has ended: nothing more after a call that finished, the
 * person the agent transferred it to (a `sip:`/`sips:` address or a `tel:` number), or the apology
 * after one that failed.
 */
export function afterStreamTwiml(ending: StreamEnding): string {
  const response = new VoiceResponse();
  if (ending.kind === 'transferred') {
    const dial = response.dial();
    if (ending.to.startsWith('tel:')) {
      // tel:+14155550123;ext=12: the number, and the extension keyed in once it answers (w: half a second's wait).
      const [number, ...params] = ending.to.slice('tel:'.length).split(';');
      const ext = params.find((p) => p.startsWith('ext='))?.slice('ext='.length);
      dial.number(ext ? { sendDigits: `ww${ext}` } : {}, number);
    } else if (ending.to.startsWith('sips:')) {
      // Twilio dials a secure SIP address as sip: over TLS.
      dial.sip(`sip:${ending.to.slice('sips:'.length)};transport=tls`);
    } else {
      dial.sip(ending.to);
    }
    return response.toString();
  }
  if (ending.kind === 'failed') response.say(APOLOGY);
  response.hangup();
  return response.toString();
}

/** Every line is taken: say so and hang up, before any stream or backend session exists. */
export function busyTwiml(): string {
  const response = new VoiceResponse();
  response.say(BUSY);
  response.hangup();
  return response.toString();
}
