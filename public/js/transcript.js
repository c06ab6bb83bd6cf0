// The live transcript: one line per item_id; a partial update replaces its line until the final one.

const SPEAKER = { user: 'You', assistant: 'Agent' };

export class Transcript {
  #list;
  /** @type {Map<string, { li: HTMLLIElement, text: HTMLElement, line: { role: string, text: string, final: boolean, itemId: string } }>} */
  #lines = new Map();

  constructor(list) {
    this.#list = list;
  }

  /** Applies one `transcript` event. */
  update({ role, text, final, item_id: itemId }) {
    let entry = this.#lines.get(itemId);
    if (entry?.line.final && !final) return; // a late partial never undoes the final text
    if (!entry && text === '') return; // nothing said (yet): no empty bubble
    if (!entry) entry = this.#addLine(role, itemId);
    entry.line.text = text;
    entry.line.final = final;
    entry.text.textContent = text;
    entry.li.classList.toggle('partial', !final);
    this.#list.scrollTop = this.#list.scrollHeight;
  }

  /** A copy of every line, oldest first. */
  lines() {
    return [...this.#lines.values()].map(({ line }) => ({ ...line }));
  }

  clear() {
    this.#lines.clear();
    this.#list.replaceChildren();
  }

  #addLine(role, itemId) {
    const li = document.createElement('li');
    li.className = `line ${role === 'user' ? 'user' : 'assistant'}`;
    const who = document.createElement('span');
    who.className = 'who';
    who.textContent = SPEAKER[role] ?? role;
    const text = document.createElement('span');
    text.className = 'text';
    li.append(who, text);
    this.#list.append(li);
    const entry = { li, text, line: { role, text: '', final: false, itemId } };
    this.#lines.set(itemId, entry);
    return entry;
  }
}
