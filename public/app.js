// The microphone page: wires the call (js/call.js) to the controls, the transcript, the state
// graph, the tool log and the level meters.
import { takeAccessToken } from './js/access-token.js';
import { Call } from './js/call.js';
import { listMicrophones } from './js/devices.js';
import { renderGraph } from './js/graph.js';
import { audioContext, LevelMeter, meterLevel } from './js/level.js';
import { bindPushToTalk } from './js/push-to-talk.js';
import { exposeStatus } from './js/status-hook.js';
import { ToolLog } from './js/tools.js';
import { Transcript } from './js/transcript.js';

const LEVEL_POLL_MS = 50;
const STATUS_TEXT = {
  idle: 'Not connected',
  connecting: 'Connecting…',
  connected: 'Connected',
  disconnected: 'Connection interrupted, reconnecting…',
  closed: 'Call ended',
  failed: 'Connection failed',
};
const MODE_TEXT = { vad: 'Hands-free', ptt: 'Push-to-talk' };
/** Why a call could not start, by `session.ended` reason; other reasons are shown as they are. */
const START_FAILURE_TEXT = {
  session_limit: 'the gateway has no free line right now; try again in a minute.',
  backend_unavailable: 'the gateway could not reach the voice service; try again later.',
};
const INTERRUPTED = 'The connection was interrupted; trying to recover…';
const RECONNECTING = 'The agent\'s connection dropped; getting it back…';

const $ = (id) => document.getElementById(id);
const ui = {
  statusDot: $('status-dot'),
  statusText: $('status-text'),
  notice: $('notice'),
  connect: $('connect'),
  mute: $('mute'),
  ptt: $('ptt'),
  device: $('device'),
  micLevel: $('mic-level'),
  agentLevel: $('agent-level'),
  agent: $('agent'),
  state: $('state'),
  mode: $('mode'),
  graph: $('graph'),
  stateDescription: $('state-description'),
  slots: $('slots'),
  textForm: $('text-form'),
  textInput: $('text-input'),
  remoteAudio: $('remote-audio'),
  modeRadios: [...document.querySelectorAll('input[name="mode"]')],
};

const transcript = new Transcript($('transcript'));
const tools = new ToolLog($('tools'));
const session = { id: '', agent: '', state: '', mode: '', graph: undefined, slots: {} };
const levels = { mic: 0, remote: 0, remotePeak: 0 };
let preferredMode = 'vad';
const accessToken = takeAccessToken();
let call = new Call();
let micMeter;
let remoteMeter;
let notice = '';

// --- controls -----------------------------------------------------------------------------

ui.connect.addEventListener('click', () => {
  if (call.state === 'connecting' || call.state === 'connected' || call.state === 'disconnected') {
    call.hangUp();
    return;
  }
  audioContext(); // created inside the click, so the page may play and measure audio
  startCall();
});

ui.mute.addEventListener('click', () => {
  call.setMuted(!call.muted);
  renderControls();
});

for (const radio of ui.modeRadios) {
  radio.addEventListener('change', () => {
    preferredMode = radio.value;
    if (isLive()) call.send({ type: 'mode', mode: preferredMode });
    renderControls();
  });
}

const ptt = bindPushToTalk(ui.ptt, {
  enabled: () => isLive() && preferredMode === 'ptt',
  onPress: () => call.send({ type: 'ptt.start' }),
  onRelease: () => call.send({ type: 'ptt.stop' }),
});

ui.device.addEventListener('change', () => {
  if (!isLive()) return;
  call.switchDevice(ui.device.value).catch((err) => showNotice(err.message, 'error'));
});
navigator.mediaDevices?.addEventListener('devicechange', () => listMicrophones(ui.device, ui.device.value));

ui.textForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = ui.textInput.value.trim();
  if (text && call.send({ type: 'input_text', text })) ui.textInput.value = '';
});

window.addEventListener('pagehide', () => call.hangUp());

// --- the call -----------------------------------------------------------------------------

function startCall() {
  const muted = call.muted;
  call = new Call({ token: accessToken });
  call.setMuted(muted);
  transcript.clear();
  tools.clear();
  Object.assign(session, { id: '', agent: '', state: '', mode: '', graph: undefined, slots: {} });
  levels.remotePeak = 0;
  showNotice('');
  call.addEventListener('state', () => onCallState());
  call.addEventListener('event', (event) => onGatewayEvent(event.detail));
  call.addEventListener('failure', (event) => showNotice(event.detail, 'error'));
  call.addEventListener('local-stream', (event) => {
    micMeter?.dispose();
    micMeter = new LevelMeter(event.detail);
    listMicrophones(ui.device, ui.device.value);
  });
  call.addEventListener('remote-stream', (event) => {
    ui.remoteAudio.srcObject = event.detail;
    // Only the autoplay policy's refusal is worth a notice (a play() cut short by the call ending
    // is not), and never over the notice that explains why a call failed.
    ui.remoteAudio.play().catch((err) => {
      if (err?.name === 'NotAllowedError' && ui.notice.dataset.kind !== 'error') {
        showNotice('The browser blocked audio playback: click anywhere on the page to hear the agent.', 'warning');
      }
    });
    remoteMeter?.dispose();
    remoteMeter = new LevelMeter(event.detail);
  });
  renderSession();
  call.connect(ui.device.value);
}

function onCallState() {
  if (call.state === 'disconnected') showNotice(INTERRUPTED, 'warning');
  else if (call.state === 'connected' && notice === INTERRUPTED) showNotice('');
  if (call.state === 'closed' || call.state === 'failed') {
    // The call is over: what the panel showed of it no longer holds.
    Object.assign(session, { agent: '', state: '', mode: '', slots: {} });
    renderSession();
  }
  if (!isLive()) {
    ptt.release();
    micMeter?.dispose();
    remoteMeter?.dispose();
    micMeter = remoteMeter = undefined;
    ui.remoteAudio.srcObject = null;
  }
  renderControls();
}

function onGatewayEvent(event) {
  switch (event.type) {
    case 'session.ready':
      Object.assign(session, { id: event.session_id, agent: event.agent, state: event.state, mode: event.mode, graph: event.graph });
      if (preferredMode !== event.mode) call.send({ type: 'mode', mode: preferredMode });
      break;
    case 'state.changed':
      // A graph comes with a handoff: another agent takes the call.
      if (event.graph && event.agent !== session.agent) transcript.marker(`→ ${event.agent}`);
      Object.assign(session, { agent: event.agent, state: event.to, slots: event.slots ?? session.slots });
      if (event.graph) session.graph = event.graph;
      break;
    case 'slots.changed':
      session.slots = event.slots;
      break;
    case 'mode':
      session.mode = event.mode;
      preferredMode = event.mode;
      break;
    case 'transcript':
      transcript.update(event, session.agent);
      return;
    case 'turn.cut':
      transcript.cut(event.item_id, event.cause);
      return;
    case 'tool.call':
      tools.call(event);
      return;
    case 'tool.result':
      tools.result(event);
      return;
    case 'tool.approval':
      tools.approval(event, (requestId, approve) => call.send({ type: 'tool.approval', request_id: requestId, approve }));
      return;
    case 'tool.approval.decided':
      tools.decided(event);
      return;
    case 'error':
      showNotice(`The gateway reported: ${event.message}`, 'warning');
      return;
    case 'backend.reconnecting':
      // The agent's side dropped: the pause that follows is the gateway restoring it, not the call failing.
      showNotice(RECONNECTING, 'info');
      return;
    case 'backend.restored':
      if (notice === RECONNECTING) showNotice('');
      return;
    case 'session.ended':
      // Ended before session.ready: the gateway could not open the session for this call.
      if (!session.id) showNotice(`The call could not start (${event.reason}): ${START_FAILURE_TEXT[event.reason] ?? 'try again.'}`, 'error');
      else showNotice(`The session ended (${event.reason}).`, 'info');
      return;
    default:
      return;
  }
  renderSession();
}

// --- rendering ----------------------------------------------------------------------------

function isLive() {
  return call.state === 'connected' || call.state === 'disconnected';
}

function renderControls() {
  const busy = call.state === 'connecting' || isLive();
  ui.statusDot.dataset.state = call.state;
  ui.statusText.textContent = STATUS_TEXT[call.state] ?? call.state;
  ui.connect.textContent = busy ? 'Hang up' : 'Connect';
  ui.connect.classList.toggle('danger', busy);
  ui.mute.disabled = !busy;
  ui.mute.textContent = call.muted ? 'Unmute' : 'Mute';
  ui.mute.setAttribute('aria-pressed', String(call.muted));
  ui.ptt.disabled = !(isLive() && preferredMode === 'ptt');
  ui.textInput.disabled = !isLive();
  ui.textForm.querySelector('button').disabled = !isLive();
  for (const radio of ui.modeRadios) radio.checked = radio.value === preferredMode;
}

function renderSession() {
  ui.agent.textContent = session.agent || '–';
  ui.state.textContent = session.state || '–';
  ui.mode.textContent = MODE_TEXT[session.mode] ?? '–';
  if (session.graph) {
    renderGraph(ui.graph, session.graph, session.state);
    const current = session.graph.states.find((s) => s.id === session.state);
    ui.stateDescription.textContent = current ? current.description : '';
  }
  renderSlots();
  renderControls();
}

/** The values the conversation has collected, name and value, as the gateway sent them. */
function renderSlots() {
  const entries = Object.entries(session.slots);
  if (entries.length === 0) {
    const none = document.createElement('p');
    none.className = 'empty';
    none.textContent = 'Nothing collected yet.';
    ui.slots.replaceChildren(none);
    return;
  }
  ui.slots.replaceChildren(...entries.flatMap(([name, value]) => {
    const dt = document.createElement('dt');
    dt.textContent = name;
    const dd = document.createElement('dd');
    dd.textContent = typeof value === 'string' ? value : JSON.stringify(value);
    return [dt, dd];
  }));
}

function showNotice(message, kind = 'info') {
  notice = message;
  ui.notice.textContent = message;
  ui.notice.dataset.kind = kind;
  ui.notice.hidden = message === '';
}

setInterval(() => {
  levels.mic = micMeter?.rms() ?? 0;
  levels.remote = remoteMeter?.rms() ?? 0;
  levels.remotePeak = Math.max(levels.remotePeak, levels.remote);
  ui.micLevel.value = meterLevel(levels.mic);
  ui.agentLevel.value = meterLevel(levels.remote);
}, LEVEL_POLL_MS);

exposeStatus({
  connectionState: () => call.state,
  sessionId: () => session.id,
  agent: () => session.agent,
  state: () => session.state,
  mode: () => session.mode,
  muted: () => call.muted,
  inputDevice: () => call.deviceLabel,
  transcript: () => transcript.lines(),
  bubbles: () => transcript.bubbles(),
  slots: () => ({ ...session.slots }),
  toolCalls: () => ({ ...tools.counts }),
  micRms: () => levels.mic,
  remoteRms: () => levels.remote,
  remoteRmsPeak: () => levels.remotePeak,
  notice: () => notice,
});

listMicrophones(ui.device, '');
renderControls();
