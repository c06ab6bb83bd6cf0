import { OpenAIRealtimeWebSocket, RealtimeAgent, RealtimeSession, tool } from '@openai/agents/realtime';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { applySessionUpdate, defaultSession, sessionToWire, type SessionObject } from '../../../src/emulator/protocol/session-config.ts';

const base = (): SessionObject => defaultSession('sess_test', 'gpt-realtime', 1_800_000_000, 200);
const update = (session: unknown, assistantAudioPresent = false) => applySessionUpdate(base(), session, { kind: 'realtime', assistantAudioPresent, silenceMs: 200 });

function errorOf(session: unknown) {
  const result = update(session);
  if (result.ok) throw new Error('expected the update to be refused');
  return result.error;
}

function sessionOf(session: unknown, current = base()) {
  const result = applySessionUpdate(current, session, { kind: 'realtime', assistantAudioPresent: false, silenceMs: 200 });
  if (!result.ok) throw new Error(`refused: ${result.error.message}`);
  return result.session;
}

describe('session.update validation', () => {
  it('accepts the whole payload @openai/agents sends on connect (tools, voice, semantic VAD, transcription, model)', async () => {
    const weather = tool({ name: 'get_weather', description: 'Weather', parameters: z.object({ city: z.string() }), execute: async () => 'sunny' });
    const agent = new RealtimeAgent({ name: 'A', instructions: 'Be brief.', voice: 'marin', tools: [weather] });
    const transport = new OpenAIRealtimeWebSocket();
    const session = new RealtimeSession(agent, {
      transport,
      model: 'gpt-realtime',
      config: { audio: { output: { speed: 1.2 }, input: { noiseReduction: { type: 'near_field' } } }, toolChoice: 'auto', outputModalities: ['audio'] },
    });
    const payload = transport.buildSessionPayload(await session.getInitialSessionConfig());
    const result = sessionOf(JSON.parse(JSON.stringify(payload)));
    expect(result.tools).toEqual([expect.objectContaining({ type: 'function', name: 'get_weather' })]);
    expect(result.audio.output).toMatchObject({ voice: 'marin', speed: 1.2 });
    expect(result.audio.input.turn_detection).toEqual({ type: 'semantic_vad', eagerness: 'auto', create_response: true, interrupt_response: true });
    expect(result.audio.input.transcription).toEqual({ model: 'gpt-4o-mini-transcribe' });
    expect(result.instructions).toBe('Be brief.');
  });

  it("accepts the SDK's separate tracing updates", () => {
    expect(sessionOf({ type: 'realtime', tracing: 'auto' }).tracing).toBe('auto');
    expect(sessionOf({ type: 'realtime', tracing: { workflow_name: 'w', group_id: 'g', metadata: { a: 1 } } }).tracing).toEqual({ workflow_name: 'w', group_id: 'g', metadata: { a: 1 } });
    expect(sessionOf({ type: 'realtime', tracing: null }).tracing).toBeNull();
  });

  it('accepts the rest of the documented fields', () => {
    const session = sessionOf({
      type: 'realtime',
      model: 'gpt-realtime-2025-08-28',
      output_modalities: ['text'],
      tool_choice: { type: 'function', name: 'get_weather' },
      max_output_tokens: 4096,
      truncation: { type: 'retention_ratio', retention_ratio: 0.8, token_limits: { post_instructions: 1000 } },
      prompt: { id: 'pmpt_1', version: '2', variables: { city: 'Paris' } },
      include: ['item.input_audio_transcription.logprobs'],
      audio: { input: { format: { type: 'audio/pcmu' }, transcription: { model: 'whisper-1', language: 'en', prompt: 'hotel' } }, output: { format: { type: 'audio/pcma' }, voice: { id: 'voice_123' } } },
    });
    expect(session.model).toBe('gpt-realtime');
    expect(session.audio.input.format).toEqual({ type: 'audio/pcmu' });
    expect(session.audio.output.voice).toEqual({ id: 'voice_123' });
    expect(session.max_output_tokens).toBe(4096);
  });

  it('applies a partial update and keeps everything else, in the observed key order', () => {
    const session = sessionOf({ type: 'realtime', instructions: '', audio: { input: { turn_detection: null } } });
    expect(session.instructions).toBe('');
    expect(session.audio.input.turn_detection).toBeNull();
    expect(session.audio.output).toEqual(base().audio.output);
    expect(Object.keys(session)).toEqual(Object.keys(base()));
    const vad = sessionOf({ type: 'realtime', audio: { input: { turn_detection: { type: 'server_vad', silence_duration_ms: 500 } } } }, session);
    expect(vad.audio.input.turn_detection).toEqual({ type: 'server_vad', threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 500, idle_timeout_ms: null, create_response: true, interrupt_response: true });
  });

  it('refuses the whole update on any fault, with the param path and the service wording', () => {
    expect(errorOf({ instructions: 'x' })).toEqual({ type: 'invalid_request_error', code: 'missing_required_parameter', message: "Missing required parameter: 'session.type'.", param: 'session.type', event_id: null });
    expect(errorOf({ type: 'nope' })).toMatchObject({ code: 'invalid_value', param: 'session.type', message: "Invalid value: 'nope'. Supported values are: 'realtime' and 'transcription'." });
    expect(errorOf({ type: 'realtime', modalities: ['audio'] })).toMatchObject({ code: 'unknown_parameter', param: 'session.modalities', message: "Unknown parameter: 'session.modalities'." });
    expect(errorOf({ type: 'realtime', audio: { input: { bogus: 1 } } })).toMatchObject({ code: 'unknown_parameter', param: 'session.audio.input.bogus' });
    expect(errorOf({ type: 'realtime', instructions: 5 })).toMatchObject({ code: 'invalid_type', param: 'session.instructions', message: "Invalid type for 'session.instructions': expected a string, but got an integer instead." });
    const rate = errorOf({ type: 'realtime', audio: { input: { format: { type: 'audio/pcm', rate: 16000 } } } });
    expect(rate).toMatchObject({ code: 'integer_below_min_value', param: 'session.audio.input.format.rate' });
    expect(rate.message).toContain('Expected a value >= 24000');
    expect(errorOf({ type: 'realtime', audio: { input: { transcription: { model: 'whisper-1', delay: 'bogus' } } } })).toMatchObject({
      code: 'invalid_value',
      param: 'session.audio.input.transcription.delay',
      message: "Invalid value: 'bogus'. Supported values are: 'minimal', 'low', 'medium', 'high', and 'xhigh'.",
    });
    expect(errorOf({ type: 'realtime', audio: { output: { voice: 'robot' } } })).toMatchObject({ code: 'invalid_value', param: 'session.audio.output.voice' });
    expect(errorOf({ type: 'realtime', audio: { output: { speed: 2 } } })).toMatchObject({ code: 'decimal_above_max_value', param: 'session.audio.output.speed' });
    expect(errorOf({ type: 'realtime', tools: [{ type: 'function' }] })).toMatchObject({ code: 'missing_required_parameter', param: 'session.tools[0].name' });
    expect(errorOf({ type: 'realtime', tools: [{ type: 'retrieval' }] })).toMatchObject({ code: 'invalid_value', param: 'session.tools[0].type' });
    expect(errorOf({ type: 'realtime', output_modalities: ['audio', 'text'] })).toMatchObject({ code: 'array_above_max_length', param: 'session.output_modalities' });
    expect(errorOf({ type: 'realtime', audio: { input: { turn_detection: { type: 'semantic_vad', threshold: 0.5 } } } })).toMatchObject({ code: 'unknown_parameter', param: 'session.audio.input.turn_detection.threshold' });
    expect(errorOf({ type: 'realtime', audio: { output: { format: { type: 'audio/pcmu', rate: 24000 } } } })).toMatchObject({ code: 'unknown_parameter', param: 'session.audio.output.format.rate' });
    expect(errorOf({ type: 'realtime', model: 'gpt-4o' })).toMatchObject({ code: 'invalid_model', param: 'session.model' });
    expect(errorOf(null)).toMatchObject({ code: 'invalid_type', param: 'session' });
    expect(errorOf(undefined)).toMatchObject({ code: 'missing_required_parameter', param: 'session' });
  });

  it('locks the voice once assistant audio is present, and discards the rest of that update', () => {
    const refused = update({ type: 'realtime', instructions: 'changed', audio: { output: { voice: 'echo' } } }, true);
    expect(refused).toMatchObject({ ok: false, error: { code: 'cannot_update_voice', param: 'session.audio.output.voice' } });
    expect(update({ type: 'realtime', audio: { output: { voice: 'alloy' } } }, true).ok).toBe(true);
    expect(update({ type: 'realtime', audio: { output: { voice: 'echo' } } }, false).ok).toBe(true);
  });

  it('projects a transcription session to its smaller object', () => {
    const wire = sessionToWire(base(), 'transcription') as Record<string, unknown>;
    expect(Object.keys(wire)).toEqual(['type', 'object', 'id', 'expires_at', 'audio', 'include']);
    const result = applySessionUpdate(base(), { type: 'transcription', audio: { input: { transcription: { model: 'gpt-4o-transcribe' } } } }, { kind: 'transcription', assistantAudioPresent: false, silenceMs: 200 });
    expect(result.ok).toBe(true);
    const wrongKind = applySessionUpdate(base(), { type: 'realtime' }, { kind: 'transcription', assistantAudioPresent: false, silenceMs: 200 });
    expect(wrongKind).toMatchObject({ ok: false, error: { param: 'session.type' } });
  });
});
