// Tool calls as they happen: a line on tool.call, completed by its tool.result. A remote MCP
// tool that needs approval first shows "Allow <tool> with <arguments>?" with Allow / Deny.

const MAX_SHOWN_CHARS = 120;

export class ToolLog {
  #list;
  /** @type {Map<string, HTMLLIElement>} */
  #pending = new Map();
  counts = { started: 0, finished: 0, failed: 0 };

  constructor(list) {
    this.#list = list;
  }

  /** @type {Map<string, HTMLLIElement>} */
  #approvals = new Map();

  /** `answer(requestId, approve)` sends the user's decision to the gateway. */
  approval({ request_id: requestId, server, name, arguments: args }, answer) {
    const li = document.createElement('li');
    li.className = 'tool approval';
    li.innerHTML = '<div class="tool-head"><span class="tool-question"></span></div>'
      + '<div class="tool-actions"><button type="button" class="allow">Allow</button><button type="button" class="deny">Deny</button></div>';
    li.querySelector('.tool-question').textContent = `Allow ${name} (${server}) with ${shorten(args)}?`;
    const decide = (approve) => {
      answer(requestId, approve);
      this.decided({ request_id: requestId, approved: approve, by: 'client' });
    };
    li.querySelector('.allow').addEventListener('click', () => decide(true));
    li.querySelector('.deny').addEventListener('click', () => decide(false));
    this.#approvals.set(requestId, li);
    this.#list.append(li);
    this.#list.scrollTop = this.#list.scrollHeight;
  }

  /** The request is decided (here, or denied at its timeout): the question goes. */
  decided({ request_id: requestId }) {
    this.#approvals.get(requestId)?.remove();
    this.#approvals.delete(requestId);
  }

  call({ name, call_id: callId, arguments: args, server }) {
    this.counts.started++;
    const li = document.createElement('li');
    li.className = 'tool running';
    li.innerHTML = '<div class="tool-head"><span class="tool-name"></span><span class="tool-status">running…</span></div>'
      + '<code class="tool-args"></code><div class="tool-output"></div>';
    li.querySelector('.tool-name').textContent = server ? `${server} · ${name}` : name;
    li.querySelector('.tool-args').textContent = shorten(args);
    this.#pending.set(callId, li);
    this.#list.append(li);
    this.#list.scrollTop = this.#list.scrollHeight;
  }

  result({ call_id: callId, output, error, duration_ms: durationMs }) {
    this.counts.finished++;
    if (error) this.counts.failed++;
    const li = this.#pending.get(callId);
    if (!li) return;
    this.#pending.delete(callId);
    li.classList.remove('running');
    li.classList.add(error ? 'failed' : 'ok');
    li.querySelector('.tool-status').textContent = `${error ? '✗ error' : '✓ done'} · ${Math.round(durationMs)} ms`;
    li.querySelector('.tool-output').textContent = `→ ${shorten(output)}`;
    // The result makes the line taller: keep the newest in view.
    this.#list.scrollTop = this.#list.scrollHeight;
  }

  clear() {
    this.#pending.clear();
    this.#approvals.clear();
    this.#list.replaceChildren();
    this.counts = { started: 0, finished: 0, failed: 0 };
  }
}

function shorten(text) {
  return text.length > MAX_SHOWN_CHARS ? `${text.slice(0, MAX_SHOWN_CHARS - 1)}…` : text;
}
