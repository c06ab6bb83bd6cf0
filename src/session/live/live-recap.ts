/** Lines kept for a restore: the most recent, within both bounds. */
const MAX_LINES = 40;
const MAX_CHARS = 6_000;

export type RecapRole = 'user' | 'assistant' | 'note';

/**
 * What a new GPT-Live session is told of the call so far. A new Live socket is a new session with
 * no state (LIVE_PROTOCOL.md §1.1), so when the link is restored the conversation goes back as
 * text in its instructions: the last lines said, the moves and any tool result that landed while
 * the line was down. Bounded, so a long call cannot outgrow the instruction limit.
 */
export class LiveRecap {
  #lines: { role: RecapRole; text: string }[] = [];
  #chars = 0;

  add(role: RecapRole, text: string): void {
    const line = text.trim();
    if (!line) return;
    this.#lines.push({ role, text: line });
    this.#chars += line.length;
    while (this.#lines.length > MAX_LINES || (this.#chars > MAX_CHARS && this.#lines.length > 1)) {
      this.#chars -= this.#lines.shift()!.text.length;
    }
  }

  /** Who spoke last: the caller, when the agent owes an answer. */
  get lastSpeaker(): 'user' | 'assistant' | undefined {
    for (let i = this.#lines.length - 1; i >= 0; i--) {
      const { role } = this.#lines[i];
      if (role !== 'note') return role;
    }
    return undefined;
  }

  /** A section to append to instructions; empty when nothing was said yet. */
  section(): string {
    if (this.#lines.length === 0) return '';
    const label = { user: 'Caller', assistant: 'Agent', note: 'Note' } as const;
    const lines = this.#lines.map((l) => `- ${label[l.role]}: ${JSON.stringify(l.text)}`);
    return [
      '# The call so far',
      'The line dropped and this session continues the same call. Do not greet the caller again. What was said and done, oldest first:',
      ...lines,
    ].join('\n');
  }
}

/** Instructions with the recap after them, when there is one. */
export function withRecap(instructions: string, recap: LiveRecap): string {
  const section = recap.section();
  return section ? `${instructions}\n\n${section}` : instructions;
}
