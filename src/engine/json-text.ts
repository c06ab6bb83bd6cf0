/** JSON.parse that reports where the text broke, as a line and column. */
export type ParsedJson =
  | { ok: true; value: unknown }
  | { ok: false; message: string; position?: { line: number; column: number } };

export function parseJsonText(text: string): ParsedJson {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, message, position: positionOf(text, message) };
  }
}

// Node 22 reports "(line 2 column 9)"; Node 20 only an offset ("at position 42") for most syntax
// errors and none for some ("Unexpected token 'x', ... is not valid JSON"). An early end is at the end.
function positionOf(text: string, message: string): { line: number; column: number } | undefined {
  const reported = /\(line (\d+) column (\d+)\)/.exec(message);
  if (reported) return { line: Number(reported[1]), column: Number(reported[2]) };
  const offset = /at position (\d+)/.exec(message)?.[1];
  if (offset !== undefined) return lineAndColumn(text, Number(offset));
  if (message.includes('Unexpected end of JSON input')) return lineAndColumn(text, text.length);
  return undefined;
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: offset - lineStart + 1 };
}
