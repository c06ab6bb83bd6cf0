import { decodeAudio } from '../../audio/codec.ts';
import { bytesPerMs } from '../../audio/format.ts';
import type { SessionContext } from '../context.ts';
import { newItemId } from '../ids.ts';
import { commitEmpty, protocolError } from '../protocol/errors.ts';
import { itemToWire, type MessageItem } from '../protocol/items.ts';
import type { VadEvent } from '../vad.ts';
import { decodeAudioPayload } from './audio-payload.ts';
import { sessionInput } from '../responder/session-view.ts';
import { createResponse } from './responses.ts';
import { transcribeLater } from './transcription.ts';

// input_audio_buffer.append / commit / clear (§3.2–3.4), the server VAD turn (§4.2) and the
// idle timeout (§4.6): everything that turns appended audio into user items.

/** The live minimum for a commit, measured over audio appended since the last commit (§6). */
const MIN_COMMIT_MS = 100;

/** Peak below -50 dBFS: digital silence or a faint noise floor, nothing a recognizer would hear. */
const SILENCE_PEAK = 104;

export async function appendAudio(ctx: SessionContext, audio: string, eventId: string | null): Promise<void> {
  const bytes = decodeAudioPayload(audio, ctx.buffer.format, 'audio');
  if (!Buffer.isBuffer(bytes)) {
    ctx.fail(bytes, eventId);
    return;
  }
  await appendBytes(ctx, bytes);
}

/** Audio into the input buffer and the turn detector: appended by a client, or (SIP) from the call's leg. */
export async function appendBytes(ctx: SessionContext, bytes: Buffer): Promise<void> {
  ctx.buffer.append(bytes);
  for (const event of ctx.turns.process(bytes)) await onVadEvent(ctx, event);
}

async function onVadEvent(ctx: SessionContext, event: VadEvent): Promise<void> {
  const config = ctx.session.audio.input.turn_detection;
  if (event.type === 'speech_started') {
    const itemId = newItemId();
    ctx.turns.pending = { itemId, audioStartMs: event.audioStartMs };
    ctx.cancelIdle();
    ctx.send({ type: 'input_audio_buffer.speech_started', audio_start_ms: event.audioStartMs, item_id: itemId });
    // Barge-in (§4.5 case 1): the in-flight default-conversation response ends at once.
    if (config?.interrupt_response && ctx.kind === 'realtime') ctx.responses.active?.cancel('turn_detected');
    return;
  }
  const pending = ctx.turns.pending;
  ctx.turns.pending = null;
  const itemId = pending?.itemId ?? newItemId();
  ctx.send({ type: 'input_audio_buffer.speech_stopped', audio_end_ms: event.audioEndMs, item_id: itemId });
  // The item holds the turn's audio: from the padded onset to the end of the silence window.
  if (pending) ctx.buffer.take(pending.audioStartMs);
  commitUserAudio(ctx, ctx.buffer.take(event.audioEndMs).audio, itemId, 'speech');
  if (config?.create_response && ctx.kind === 'realtime') {
    if (ctx.responses.active) ctx.logger.debug('speech stopped during a response that was not interrupted; no new response');
    else await createResponse(ctx, undefined, { kind: 'turn' });
  }
}

export async function commitBuffer(ctx: SessionContext, eventId: string | null): Promise<void> {
  const ms = ctx.buffer.bufferedMs;
  if (ms < MIN_COMMIT_MS) {
    // Observed to arrive late, after events the client sent afterwards (§4.3).
    ctx.later(ctx.timing.commitEmptyErrorMs, () => ctx.fail(commitEmpty(ms), eventId));
    return;
  }
  await ctx.delay(ctx.timing.committedMs);
  const itemId = ctx.turns.pending?.itemId ?? newItemId();
  ctx.turns.reset();
  const { audio } = ctx.buffer.take();
  // A commit of pure silence succeeds and transcribes to "" (§4.3), like an idle commit.
  commitUserAudio(ctx, audio, itemId, isSilent(decodeAudio(ctx.buffer.format, audio)) ? 'silence' : 'speech');
}

function isSilent(samples: Int16Array): boolean {
  for (const sample of samples) if (sample >= SILENCE_PEAK || sample <= -SILENCE_PEAK) return false;
  return true;
}

export function clearBuffer(ctx: SessionContext): void {
  ctx.buffer.clear();
  ctx.turns.reset();
  ctx.send({ type: 'input_audio_buffer.cleared' });
}

/** committed → item added → item done, then transcription if on (§3.3). */
function commitUserAudio(ctx: SessionContext, audio: Buffer, itemId: string, source: 'speech' | 'silence'): void {
  const durationMs = audio.byteLength / bytesPerMs(ctx.buffer.format);
  // Silence (an idle commit, or a manual one) answers no scripted user turn and transcribes to "".
  const transcript = source === 'silence' ? '' : ctx.responder.userInput({ kind: 'audio', durationMs }, sessionInput(ctx));
  const item: MessageItem = { id: itemId, type: 'message', status: 'completed', role: 'user', content: [{ type: 'input_audio', audio, transcript: null }] };
  ctx.send({ type: 'input_audio_buffer.committed', previous_item_id: ctx.conversation.lastId(), item_id: itemId });
  const previous = ctx.conversation.insert(item);
  ctx.send({ type: 'conversation.item.added', previous_item_id: previous, item: itemToWire(item) });
  ctx.send({ type: 'conversation.item.done', previous_item_id: previous, item: itemToWire(item) });
  if (ctx.session.audio.input.transcription) transcribeLater(ctx, item, transcript, durationMs);
}

/** `idle_timeout_ms` expired (§4.6): commit the (silent) buffer and prompt the user. */
export async function idleTimeout(ctx: SessionContext, armedAtMs: number): Promise<void> {
  const config = ctx.session.audio.input.turn_detection;
  if (config?.type !== 'server_vad' || config.idle_timeout_ms === null || ctx.responses.active || ctx.turns.pending) return;
  const itemId = newItemId();
  ctx.send({
    type: 'input_audio_buffer.timeout_triggered',
    audio_start_ms: Math.round(armedAtMs),
    audio_end_ms: Math.round(ctx.buffer.timelineMs),
    item_id: itemId,
  });
  ctx.turns.reset();
  commitUserAudio(ctx, ctx.buffer.take().audio, itemId, 'silence');
  await createResponse(ctx, undefined, { kind: 'idle' });
}

/** `session.input_audio_buffer.append` belongs to translation sessions, which are not emulated. */
export const translationOnly = (type: string) =>
  protocolError('invalid_value', `Invalid value: '${type}'. This event is only supported in translation sessions.`, 'type');
