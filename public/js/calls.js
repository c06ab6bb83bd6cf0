// The call records page: asks for the admin token (kept in this tab's sessionStorage, sent as a
// bearer header, never put in a URL), lists recent calls from GET /v1/sessions and shows one from
// GET /v1/sessions/:id: facts, the path through the state graph, transcript, tools, latency.
import { renderGraph } from './graph.js';
import { renderLatencyChart } from './latency-chart.js';

const TOKEN_KEY = 'voice-gateway.admin-token';
const PAGE_SIZE = 25;
const NORMAL_ENDS = new Set(['hangup', 'server_shutdown']);

const $ = (id) => document.getElementById(id);
const ui = {
  notice: $('notice'),
  tokenForm: $('token-form'),
  tokenInput: $('token-input'),
  signOut: $('sign-out'),
  records: $('records'),
  filters: $('filters'),
  calls: $('calls'),
  older: $('older'),
  call: $('call'),
  title: $('call-title'),
  facts: $('call-facts'),
  statePath: $('state-path'),
  graphs: $('graphs'),
  transcript: $('call-transcript'),
  tools: $('call-tools'),
  latency: $('latency-chart'),
};

let nextCursor = null;
let openId = null;

class Refused extends Error {}

async function api(path) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const res = await fetch(path, { headers: { authorization: `Bearer ${token}` }, cache: 'no-store' });
  if (res.status === 401) throw new Refused('The gateway refused the token.');
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.error?.message ?? `HTTP ${res.status}`);
  return body;
}

function notify(message, kind = 'error') {
  ui.notice.hidden = !message;
  ui.notice.dataset.kind = kind;
  ui.notice.textContent = message ?? '';
}

function askForToken(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  ui.records.hidden = true;
  ui.signOut.hidden = true;
  ui.tokenForm.hidden = false;
  notify(message, 'warning');
  ui.tokenInput.focus();
}

async function guarded(run) {
  try {
    await run();
  } catch (err) {
    if (err instanceof Refused) askForToken(err.message);
    else notify(`Could not load the call records: ${err.message}`);
  }
}

function listQuery(cursor) {
  const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
  for (const [key, value] of new FormData(ui.filters)) if (value) params.set(key, String(value));
  if (cursor) params.set('cursor', cursor);
  return `/v1/sessions?${params}`;
}

async function loadList(append = false) {
  const page = await api(listQuery(append ? nextCursor : null));
  ui.tokenForm.hidden = true;
  ui.records.hidden = false;
  ui.signOut.hidden = false;
  notify(null);
  if (!append) ui.calls.replaceChildren();
  for (const session of page.sessions) ui.calls.append(listItem(session));
  nextCursor = page.next_cursor;
  ui.older.hidden = !nextCursor;
}

function listItem(session) {
  const li = document.createElement('li');
  const button = document.createElement('button');
  button.type = 'button';
  button.dataset.id = session.id;
  if (session.id === openId) button.setAttribute('aria-current', 'true');
  button.append(
    span('when', new Date(session.started_at).toLocaleString()),
    endReason(session),
    span('meta', `${session.edge} · ${session.agents.join(' → ') || '–'} · ${duration(session)}`),
  );
  button.addEventListener('click', () => void guarded(() => openCall(session.id)));
  li.append(button);
  return li;
}

async function openCall(id) {
  const record = await api(`/v1/sessions/${encodeURIComponent(id)}`);
  openId = id;
  history.replaceState(null, '', `#call=${encodeURIComponent(id)}`);
  for (const b of ui.calls.querySelectorAll('button')) {
    if (b.dataset.id === id) b.setAttribute('aria-current', 'true');
    else b.removeAttribute('aria-current');
  }
  ui.call.hidden = false;
  ui.title.textContent = `Call ${record.id}`;
  renderFacts(record);
  renderPath(record);
  renderTranscript(record.transcript);
  renderTools(record.tools);
  renderLatencyChart(ui.latency, record.turns);
}

function renderFacts(record) {
  const facts = [
    ['Edge', record.edge],
    ['Started', new Date(record.started_at).toLocaleString()],
    ['Ended', record.ended_at ? new Date(record.ended_at).toLocaleString() : 'no end recorded'],
    ['Length', duration(record)],
    ['End reason', record.end_reason ?? '–'],
    ['Agents', record.agents.join(' → ')],
  ];
  if (record.caller) facts.push(['Caller', [record.caller.from, record.caller.to].filter(Boolean).join(' → ')]);
  ui.facts.replaceChildren(...facts.flatMap(([term, value]) => [el('dt', term), el('dd', value)]));
}

/** The moves as chips, and each agent's graph with the part of the path spent in it. */
function renderPath(record) {
  const start = Date.parse(record.started_at);
  ui.statePath.replaceChildren(...record.states.map((move) => {
    const li = el('li', `${move.agent === record.states[0].agent ? '' : `${move.agent}: `}${move.state}`);
    li.className = move.handoff ? 'handoff' : '';
    li.append(span('at', `+${((Date.parse(move.at) - start) / 1000).toFixed(1)} s`));
    return li;
  }));
  const figures = [];
  for (const agent of record.agents) {
    const graph = record.graphs[agent];
    if (!graph) continue;
    const path = [];
    record.states.forEach((move, i) => {
      if (move.agent !== agent) return;
      path.push(move.state);
      const next = record.states[i + 1];
      if (next && next.agent !== agent) path.push(next.agent);
    });
    const figure = document.createElement('figure');
    figure.append(el('figcaption', agent));
    const holder = document.createElement('div');
    holder.className = 'graph';
    renderGraph(holder, graph, record.states.at(-1)?.agent === agent ? record.states.at(-1).state : undefined, path);
    figure.append(holder);
    figures.push(figure);
  }
  ui.graphs.replaceChildren(...figures);
}

function renderTranscript(lines) {
  ui.transcript.replaceChildren(...lines.map((line) => {
    const li = document.createElement('li');
    li.className = `line ${line.role}${line.cut_at_ms !== null ? ' was-cut' : ''}`;
    li.append(span('who', line.role === 'user' ? 'Caller' : 'Agent'), span('text', line.text));
    if (line.cut_at_ms !== null) li.append(span('cut', `✂ cut at ${(line.cut_at_ms / 1000).toFixed(1)} s: the caller stopped hearing here`));
    return li;
  }));
}

function renderTools(tools) {
  ui.tools.replaceChildren(...tools.map((tool) => {
    const li = document.createElement('li');
    li.className = `tool ${tool.ok ? 'ok' : 'failed'}`;
    const head = document.createElement('div');
    head.className = 'tool-head';
    head.append(span('tool-name', tool.name), span('tool-status', `${tool.ok ? '✓ done' : `✗ ${tool.error_code ?? 'error'}`} · ${tool.duration_ms} ms`));
    const args = el('code', tool.arguments);
    args.className = 'tool-args';
    li.append(head, args, span('tool-output', `→ ${tool.output}`));
    return li;
  }));
}

function endReason(session) {
  const reason = session.end_reason ?? (session.ended_at ? '–' : 'live or cut off');
  const node = span('reason', reason);
  if (session.end_reason && !NORMAL_ENDS.has(session.end_reason)) node.classList.add('abnormal');
  return node;
}

function duration(session) {
  if (!session.ended_at) return '–';
  const s = Math.round((Date.parse(session.ended_at) - Date.parse(session.started_at)) / 1000);
  return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
}

function span(className, text) {
  const node = el('span', text);
  node.className = className;
  return node;
}

function el(tag, text) {
  const node = document.createElement(tag);
  node.textContent = text;
  return node;
}

ui.tokenForm.addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, ui.tokenInput.value.trim());
  ui.tokenInput.value = '';
  void guarded(() => loadList());
});
ui.filters.addEventListener('submit', (event) => {
  event.preventDefault();
  void guarded(() => loadList());
});
ui.older.addEventListener('click', () => void guarded(() => loadList(true)));
ui.signOut.addEventListener('click', () => askForToken(null));

if (sessionStorage.getItem(TOKEN_KEY)) {
  const linked = /^#call=(.+)$/.exec(location.hash)?.[1];
  void guarded(async () => {
    await loadList();
    if (linked) await openCall(decodeURIComponent(linked));
  });
} else {
  askForToken(null);
}
