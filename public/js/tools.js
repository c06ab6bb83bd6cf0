// Tool calls as they happen: a line on tool.call, completed by its tool.result.

const MAX_SHOWN_CHARS = 120;

export class ToolLog {
  #list;
  /** @type {Map<string, HTMLLIElement>} */
  #pending = new Map();
  counts = { started: 0, finished: 0, failed: 0 };

  constructor(list) {
    this.#list = list;
  }

  call({ name, call_id: callId, arguments: args }) {
    this.counts.started++;
    const li = document.createElement('li');
    li.className = 'tool running';
    li.innerHTML = '<div class="tool-head"><span class="tool-name"></span><span class="tool-status">running…</span></div>'
      + '<code class="tool-args"></code><div class="tool-output"></div>';
    li.querySelector('.tool-name').textContent = name;
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
    this.#list.replaceChildren();
    this.counts = { started: 0, finished: 0, failed: 0 };
  }
}

function shorten(text) {
  return text.length > MAX_SHOWN_CHARS ? `${text.slice(0, MAX_SHOWN_CHARS - 1)}…` : text;
}
