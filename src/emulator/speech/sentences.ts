import { MAX_TEXT_CHARS } from './text.ts';

// Abbreviations whose period does not end a sentence (lower case, without the period).
const ABBREVIATIONS = new Set([
  'mr', 'mrs', 'ms', 'dr', 'prof', 'sr', 'jr', 'st', 'mt', 'vs', 'e.g', 'i.e', 'approx',
]);

/**
 * Splits a response into sentences, so each can be synthesized and streamed as soon as it is
 * ready. A sentence ends at . ! ? or … followed by space (not after a known abbreviation), or at
 * a line break. Pieces longer than the synthesizer's limit are cut at the last space before it.
 */
export function splitSentences(text: string): string[] {
  const sentences: string[] = [];
  for (const line of text.split(/\r?\n+/)) {
    let start = 0;
    for (const match of line.matchAll(/[.!?…]+["'”’)\]]*\s+/g)) {
      const end = match.index + match[0].length;
      const lastWord = /(\S+?)[.]+["'”’)\]]*\s+$/.exec(line.slice(start, end))?.[1]?.toLowerCase();
      if (lastWord !== undefined && ABBREVIATIONS.has(lastWord)) continue;
      pushCapped(sentences, line.slice(start, end));
      start = end;
    }
    pushCapped(sentences, line.slice(start));
  }
  return sentences;
}

function pushCapped(out: string[], piece: string): void {
  let rest = piece.trim();
  while (rest.length > MAX_TEXT_CHARS) {
    const cut = rest.lastIndexOf(' ', MAX_TEXT_CHARS);
    const at = cut > 0 ? cut : MAX_TEXT_CHARS;
    out.push(rest.slice(0, at).trim());
    rest = rest.slice(at).trim();
  }
  if (rest !== '') out.push(rest);
}
