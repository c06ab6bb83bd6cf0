// The live transcript. Each backend item is one segment; consecutive agent items of the same
// agent (an answer, a tool call, the rest of the answer) share one bubble, so a turn reads as
// one. A partial update replaces its segment until the final one; a turn the caller cut off is
// marked where they stopped hearing it; a handoff is a marker line between the agents' bubbles.

/**
 * @typedef {{ role: string, text: string, final: boolean, itemId: string, agent: string, cut: boolean }} Line
 * @typedef {{ li: HTMLLIElement, body: HTMLElement, role: string, agent: string }} Bubble
 */

export class Transcript {
  #list;
  /** @type {Map<string, { span: HTMLElement, bubble: Bubble, line: Line }>} */
  #segments = new Map();
  /** The bubble new agent segments join, until a user line or a marker comes between. */
  /** @type {Bubble | undefined} */
  #openAgentBubble;
  /** Set by a cut: the caller took the turn, and their line (transcribed later) is still to come. */
  #userLineDue = false;
  /** An agent bubble that opened while the caller's line was due: that line goes before it. */
  /** @type {Bubble | undefined} */
  #replyAhead;

  constructor(list) {
    this.#list = list;
  }

  /** Applies one `transcript` event; `agent` is the agent speaking now. */
  update({ role, text, final, item_id: itemId }, agent) {
    let segment = this.#segments.get(itemId);
    if (segment?.line.final && !final) return; // a late partial never undoes the final text
    if (!segment && text === '') return; // nothing said (yet): no empty bubble
    if (!segment) segment = this.#addSegment(role, itemId, agent);
    segment.line.text = text;
    segment.line.final = final;
    segment.span.textContent = text;
    segment.span.classList.toggle('partial', !final);
    this.#scroll();
  }

  /**
   * This agent item was cut off (`turn.cut`): it was heard only in part. After a barge-in the
   * caller's line comes next; after a dropped backend the agent goes on first.
   */
  cut(itemId, cause) {
    const segment = this.#segments.get(itemId);
    if (!segment) return;
    segment.line.cut = true;
    segment.span.classList.add('cut');
    segment.bubble.li.classList.add('cut');
    // What comes next is a new turn, not the rest of this one: first the caller's line.
    if (this.#openAgentBubble === segment.bubble) this.#openAgentBubble = undefined;
    this.#userLineDue = cause === 'barge_in';
    this.#replyAhead = undefined;
  }

  /** A line between bubbles, e.g. "→ tourGuide" for a handoff. */
  marker(text) {
    const li = document.createElement('li');
    li.className = 'marker';
    li.textContent = text;
    this.#list.append(li);
    this.#openAgentBubble = undefined;
    this.#scroll();
  }

  /** Every segment, oldest first. */
  lines() {
    return [...this.#segments.values()].map(({ line }) => ({ ...line }));
  }

  /** What the list shows, bubble by bubble: who, the text, and whether it was cut off; markers too. */
  bubbles() {
    return [...this.#list.children].map((li) => (li.classList.contains('marker')
      ? { marker: li.textContent }
      : { who: li.querySelector('.who')?.textContent ?? '', text: li.querySelector('.body')?.textContent ?? '', cut: li.classList.contains('cut') }));
  }

  clear() {
    this.#segments.clear();
    this.#openAgentBubble = undefined;
    this.#userLineDue = false;
    this.#replyAhead = undefined;
    this.#list.replaceChildren();
  }

  #addSegment(role, itemId, agent) {
    const isAgent = role === 'assistant';
    let bubble = isAgent && this.#openAgentBubble?.agent === agent ? this.#openAgentBubble : undefined;
    if (!bubble) {
      // The caller's transcript can arrive after the agent has begun answering it.
      const before = !isAgent && this.#replyAhead?.li.isConnected ? this.#replyAhead.li : undefined;
      bubble = this.#addBubble(role, agent, before);
      if (isAgent && this.#userLineDue && !this.#replyAhead) this.#replyAhead = bubble;
    }
    if (isAgent) this.#openAgentBubble = bubble;
    else {
      // A user line placed before the agent's reply leaves that reply open for the rest of it.
      if (!this.#replyAhead) this.#openAgentBubble = undefined;
      this.#userLineDue = false;
      this.#replyAhead = undefined;
    }
    const span = document.createElement('span');
    span.className = 'segment';
    if (bubble.body.childElementCount > 0) bubble.body.append(' ');
    bubble.body.append(span);
    const segment = { span, bubble, line: { role, text: '', final: false, itemId, agent: isAgent ? agent : '', cut: false } };
    this.#segments.set(itemId, segment);
    return segment;
  }

  #addBubble(role, agent, before) {
    const li = document.createElement('li');
    li.className = `line ${role === 'user' ? 'user' : 'assistant'}`;
    const who = document.createElement('span');
    who.className = 'who';
    who.textContent = role === 'user' ? 'You' : agent || 'Agent';
    const body = document.createElement('span');
    body.className = 'body';
    li.append(who, body);
    if (before) this.#list.insertBefore(li, before);
    else this.#list.append(li);
    return { li, body, role, agent };
  }

  #scroll() {
    this.#list.scrollTop = this.#list.scrollHeight;
  }
}
