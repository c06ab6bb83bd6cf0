import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VgError } from '../../../src/errors.ts';
import { isSequence, loadScript, validateScript, type LoadedScript, type LoadedSequenceScript } from '../../../src/emulator/responder/script.ts';

function sequence(script: LoadedScript): LoadedSequenceScript {
  if (!isSequence(script)) throw new Error('expected a sequence script');
  return script;
}

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
    expect(sequence(weather).turns[1].responses[0][1]).toEqual({ call: 'get_weather', arguments: { city: 'Paris', unit: 'celsius' } });
    const frontDesk = await loadScript(join(root, 'agents/front-desk.script.json'));
    expect(isSequence(frontDesk)).toBe(false);
    expect(frontDesk).toMatchObject({ responses: expect.arrayContaining([expect.objectContaining({ state: ['4_next_steps'], offers: ['transfer_to_tourGuide'] })]) });
  });

  it('defaults missing call arguments to {}', () => {
    const script = validateScript({ turns: [{ responses: [[{ call: 'hang_up' }]] }] }, 'inline');
    expect(sequence(script).turns[0].responses[0][0]).toEqual({ call: 'hang_up', arguments: {} });
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

  it('checks a context script: a bad pattern, a bad key, a step that is not one', async () => {
    expect((await failure({ responses: [{ user: '(', respond: [{ say: 'x' }] }] })).message).toContain('$.responses[0].user: a regular expression');
    expect((await failure({ responses: [{ when: 'x', respond: [{ say: 'x' }] }] } as never)).message).toContain('$.responses[0]: unexpected field(s) "when"');
    expect((await failure({ responses: [{ state: 's', respond: [{ speak: 'x' }] }] } as never)).message).toContain('$.responses[0].respond[0]: expected a step');
    expect((await failure({ caller: [{ state: 7, says: 'x' }], responses: [] } as never)).message).toContain('$.caller[0].state: expected a string or a non-empty array of strings');
  });
});
