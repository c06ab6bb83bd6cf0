import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VgError } from '../../../src/errors.ts';
import { loadScript, validateScript } from '../../../src/emulator/responder/script.ts';

const root = new URL('../../../', import.meta.url).pathname;

async function tempFile(content: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'script-test-'));
  const path = join(dir, 'bad.script.json');
  await writeFile(path, content);
  return path;
}

async function failure(source: Parameters<typeof loadScript>[0]): Promise<VgError> {
  try {
    await loadScript(source);
  } catch (err) {
    expect(err).toBeInstanceOf(VgError);
    expect((err as VgError).code).toBe('VG_ERR_SCRIPT_INVALID');
    return err as VgError;
  }
  throw new Error('expected the script to be refused');
}

describe('conversation script loader', () => {
  it('loads the shipped scripts', async () => {
    const weather = await loadScript(join(root, 'docs/examples/weather.script.json'));
    expect(weather.turns[1].responses[0][1]).toEqual({ call: 'get_weather', arguments: { city: 'Paris', unit: 'celsius' } });
    const frontDesk = await loadScript(join(root, 'agents/front-desk.script.json'));
    expect(frontDesk.turns[0].user).toBeUndefined();
  });

  it('defaults missing call arguments to {}', () => {
    const script = validateScript({ turns: [{ responses: [[{ call: 'hang_up' }]] }] }, 'inline');
    expect(script.turns[0].responses[0][0]).toEqual({ call: 'hang_up', arguments: {} });
  });

  it('names the file, the JSON path and what was expected', async () => {
    const path = await tempFile(JSON.stringify({ turns: [{ user: 'hi', responses: [[{ say: 'ok' }, { speak: 'no' }]] }] }));
    const error = await failure(path);
    expect(error.message).toContain(path);
    expect(error.message).toContain('$.turns[0].responses[0][1]');
    expect(error.message).toContain('{ "say": "<text>" } or { "call": "<tool name>"');
  });

  it('reports unknown fields, missing fields and bad JSON', async () => {
    expect((await failure({ turns: [{ user: 'hi', responses: [], extra: true }] } as never)).message).toContain('$.turns[0]: unexpected field(s) "extra"');
    expect((await failure({ turns: [{ user: 'hi' }] } as never)).message).toContain('$.turns[0].responses: missing, expected an array');
    expect((await failure({ turns: [{ responses: [[]] }] })).message).toContain('$.turns[0].responses[0]');
    expect((await failure(await tempFile('{ "turns": [ '))).message).toContain('not valid JSON');
    expect((await failure('/nonexistent/file.json')).message).toContain('cannot read the file');
  });
});
