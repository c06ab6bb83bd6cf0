/** One DTMF key, as every phone edge checks it where it enters. */
export const KEYPAD_KEY = /^[0-9A-D*#]$/;
/** A keypad entry ends this long after its last key, or at `#`. */
const ENTRY_GAP_MS = 1_500;
/** More keys than any PIN or menu needs; an entry this long is sent at once. */
const MAX_DIGITS = 32;

/**
 * Gathers keypad digits (DTMF) into entries, so "1 2 3 4 #" reaches the agent as one user turn
 * rather than five, each of which would start (and cut off) an answer.
 */
export class KeypadEntry {
  readonly #onEntry: (digits: string) => void;
  #digits = '';
  #timer: NodeJS.Timeout | undefined;

  constructor(onEntry: (digits: string) => void) {
    this.#onEntry = onEntry;
  }

  press(digit: string): void {
    this.#digits += digit;
    clearTimeout(this.#timer);
    if (digit === '#' || this.#digits.length >= MAX_DIGITS) {
      this.#flush();
      return;
    }
    this.#timer = setTimeout(() => this.#flush(), ENTRY_GAP_MS);
    this.#timer.unref();
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#digits = '';
  }

  #flush(): void {
    this.#timer = undefined;
    const digits = this.#digits;
    this.#digits = '';
    if (digits) this.#onEntry(digits);
  }
}

/** The user turn the agent gets for a keypad entry: plain words, as the transcript shows it. */
export function keypadMessage(digits: string): string {
  return `[keypad] The caller pressed ${[...digits].join(' ')}`;
}
