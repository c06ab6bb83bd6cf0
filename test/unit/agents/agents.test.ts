import { SEED_STATES } from '../../helpers/seed.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { agents, startAgent, statesDir } from '../../../agents/index.ts';
import { getFacilityInfo } from '../../../agents/tools/get-facility-info.ts';
import { loadAgentSet } from '../../../src/engine/agent-set.ts';
import { compileState } from '../../../src/engine/compile-state.ts';
import { runTool } from '../../../src/tools/run-tool.ts';
import { ConversationData } from '../../../src/session/conversation-data.ts';

describe('shipped agents', () => {
  it('ship the voice-agents guide states, extended only by the values they collect', () => {
    const shipped = JSON.parse(readFileSync(join(statesDir, 'front-desk.json'), 'utf8')) as Record<string, unknown>[];
    const seed = JSON.parse(readFileSync(SEED_STATES, 'utf8')) as unknown;
    expect(shipped.map(({ collects: _collects, ...state }) => state)).toEqual(seed);
    expect(shipped.flatMap((state) => ((state.collects ?? []) as { name: string }[]).map((slot) => slot.name))).toEqual(['first_name', 'last_name', 'member_id']);
  });

  it('load as a set that starts at the front desk', () => {
    const set = loadAgentSet(agents, statesDir, startAgent);
    expect(set.start.definition.name).toBe('frontDesk');
    expect(set.start.definition.voice).toBe('sage');
    expect(set.byName.get('tourGuide')?.definition.voice).toBe('coral');
    expect(set.start.states.states.map((state) => state.id)).toEqual(['1_greeting', '2_get_first_name', '3_get_last_name', '4_next_steps']);
  });

  it('compile in every state', () => {
    const set = loadAgentSet(agents, statesDir, startAgent);
    for (const { definition, states } of set.byName.values()) {
      for (const state of states.states) {
        const compiled = compileState(definition, states, state.id);
        expect(compiled.instructions).toContain(`## Current state: ${state.id}`);
      }
    }
    const tour = set.byName.get('tourGuide');
    expect(tour && compileState(tour.definition, tour.states, '1_welcome').instructions).toContain('A little crabby');
  });

  it('hand off from the last front-desk state to the tour guide', () => {
    const set = loadAgentSet(agents, statesDir, startAgent);
    const { transitions } = compileState(set.start.definition, set.start.states, '4_next_steps');
    expect(transitions).toEqual([expect.objectContaining({ to: 'tourGuide', handoff: true })]);
  });

  it('look facilities up in the tour guide table', async () => {
    const ctx = { sessionId: 's', logger: pino({ level: 'silent' }), signal: new AbortController().signal, slots: new ConversationData(new Map()).access() };
    const pool = await runTool(getFacilityInfo, '{"facility":"pool"}', ctx, { defaultTimeoutMs: 1_000 });
    expect(JSON.parse(pool.output)).toMatchObject({ found: true, name: 'Pool' });
    const casino = await runTool(getFacilityInfo, '{"facility":"casino"}', ctx, { defaultTimeoutMs: 1_000 });
    expect(casino.errorCode).toBe('VG_ERR_TOOL_ARGUMENTS');
  });
});
