/** Longest text one synthesize() call takes; splitSentences() cuts longer responses to fit. */
export const MAX_TEXT_CHARS = 2000;

/**
 * Text as eSpeak-NG gets it: control characters become spaces, whitespace runs collapse.
 * Throws a RangeError past MAX_TEXT_CHARS.
 */
export function cleanText(text: string): string {
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').replace(/\s+/g, ' ').trim();
  if (clean.length > MAX_TEXT_CHARS) {
    throw new RangeError(`speech text is ${clean.length} characters; the limit is ${MAX_TEXT_CHARS} (split it with splitSentences)`);
  }
  return clean;
}
