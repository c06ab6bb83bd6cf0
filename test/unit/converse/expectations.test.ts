import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkExpectations, type Observed } from '../../../src/converse/expectations.ts';
import { coverage, coverageReport } from '../../../src/converse/coverage.ts';
import { junitXml } from '../../../src/converse/junit.ts';
import { loadConversationTest } from '../../../src/converse/test-file.ts';
import { agents, startAgent, statesDir } from '../../../agents/index.ts';
import { loadAgentSet } from '../../../src/engine/agent-set.ts';
import { createAgentRuntime } from '../../../src/session/realtime-agents.ts';

const at = { agent: 'frontDesk', state: '4_next_steps' };
const call: Observed = {
  start: { agent: 'frontDesk', state: '1_greeting' },
  moves: [
    { agent: 'frontDesk', from: '1_greeting', to: '2_get_first_name' },
    { agent: 'frontDesk', from: '2_get_first_name', to: '3_get_last_name' },
    { agent: 'frontDesk', from: '3_get_last_name', to: '4_next_steps' },
    { agent: 'tourGuide', from: '4_next_steps', to: '1_welcome' },
  ],
  tools: [{ name: 'authenticateUser', callId: 'c1', arguments: '{"first_name":"Jane","last_name":"Doe"}', ...at }],
  results: [{ name: 'authenticateUser', callId: 'c1', error: false }],
  transcript: [{ role: 'assistant', text: 'Tour desk. Yes, I am the tour guide.' }],
  ended: false,
};

describe('conversation test checks', () => {
  it('pass what happened: states in order, a tool with some of its arguments, a transcript line, the handoff', () => {
    expect(checkExpectations({
      states: ['2_get_first_name', '4_next_steps', 'tourGuide/1_welcome'],
      tools: [{ name: 'authenticateUser', arguments: { first_name: 'Jane' } }],
      transcript: ['tour guide'],
      handoff: 'tourGuide',
      ended: false,
    }, call)).toEqual([]);
  });

  it('fail a wrong expectation with a message that says what happened instead', () => {
    expect(checkExpectations({ tools: [{ name: 'authenticateUser', arguments: { first_name: 'John' } }] }, call)).toEqual([
      'expected a call of authenticateUser with arguments including {"first_name":"John"} (in order); called authenticateUser {"first_name":"Jane","last_name":"Doe"}',
    ]);
    expect(checkExpectations({ states: ['4_next_steps', '2_get_first_name'] }, call)[0]).toBe(
      'expected the states 4_next_steps → 2_get_first_name in order; 2_get_first_name was not reached after the ones before it (the path was frontDesk/1_greeting → frontDesk/2_get_first_name → frontDesk/3_get_last_name → frontDesk/4_next_steps → tourGuide/1_welcome)',
    );
    expect(checkExpectations({ handoff: 'concierge', ended: true, transcript: ['goodbye'] }, call)).toEqual([
      'expected a transcript line matching /goodbye/; none did (1 lines)',
      'expected a handoff to concierge; the agents were frontDesk, tourGuide',
      'expected the call to end; it was still going',
    ]);
  });

  it('reports state-graph coverage, naming what no test went through', () => {
    const set = loadAgentSet(agents, statesDir, startAgent);
    const runtime = createAgentRuntime(set);
    const report = coverageReport(coverage([...set.byName.keys()].map((name) => runtime.graph(name)), [call]));
    expect(report).toContain('  frontDesk: 4/4 states, 4/4 transitions');
    expect(report).toContain('  tourGuide: 1/3 states, 0/3 transitions');
    expect(report).toContain('    untested transition: 2_overview → transferHuman');
    expect(report).toContain('    untested state: 3_wrap_up');
  });

  it('writes JUnit XML with a failure per failed turn, escaped', () => {
    const xml = junitXml([{
      file: 'a.yaml', name: 'a <test>', durationMs: 1500, observed: call, failures: ['turn 1: expected "x" & more'],
      turns: [{ index: 0, title: 'turn 1: say "hi"', line: 'turn 1: say "hi"', failures: ['expected "x" & more'] }],
    }]);
    expect(xml).toContain('<testsuite name="a &lt;test&gt;" file="a.yaml" tests="2" failures="1" time="1.500">');
    expect(xml).toContain('<failure message="expected &quot;x&quot; &amp; more">');
    expect(xml).toContain('<testcase classname="a.yaml" name="expectations"/>');
  });

  it('loads the shipped tests, and refuses a bad one naming the path', async () => {
    for (const file of ['front-desk.yaml', 'deviating-caller.yaml', 'tour-guide.yaml']) {
      await expect(loadConversationTest(join('conversations', file))).resolves.toMatchObject({ name: expect.any(String) });
    }
    const dir = await mkdtemp(join(tmpdir(), 'converse-'));
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'name: x\nturns:\n  - sya: hello\n');
    await expect(loadConversationTest(bad)).rejects.toThrow(`${bad}: at /turns/0`);
    await writeFile(bad, 'name: x\nturns: [{ say: hi, expect: { says: "(" } }]\n');
    await expect(loadConversationTest(bad)).rejects.toThrow('at /turns/0/expect/says: not a regular expression');
  });
});
