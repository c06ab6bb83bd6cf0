/** What reached the model from the user: typed text, or audio (of which only the length is known). */
export type UserInput = { kind: 'audio'; durationMs: number } | { kind: 'text'; text: string };

/** The transcript of user audio when no script says what it was: visibly not a recognition. */
export function placeholderTranscript(durationMs: number): string {
  return `[emulator: ${(durationMs / 1000).toFixed(1)} s of unscripted speech]`;
}

export function isPlaceholder(words: string): boolean {
  return words.startsWith('[emulator: ');
}
