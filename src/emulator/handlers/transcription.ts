import type { SessionContext } from '../context.ts';
import type { MessageItem } from '../protocol/items.ts';
import { inputAudioTokens, textTokens } from '../response/usage.ts';
import { words } from '../response/speech-stream.ts';

// Input audio transcription (§4.1): a separate ASR model on the real service, so its events
// come asynchronously after the commit, often after `response.created`. The emulator ships no
// recognizer: the transcript is what the responder says the user said (scripted or placeholder).

export function transcribeLater(ctx: SessionContext, item: MessageItem, transcript: string, durationMs: number): void {
  const model = ctx.session.audio.input.transcription?.model ?? 'gpt-4o-mini-transcribe';
  ctx.later(ctx.timing.transcriptionMs, () => {
    const part = item.content[0];
    if (!ctx.conversation.find(item.id) || part?.type !== 'input_audio') return;
    // whisper-1 sends its transcript in one delta; the gpt-4o models stream it.
    const deltas = model === 'whisper-1' ? [transcript] : words(transcript, false);
    for (const delta of deltas) {
      if (delta) ctx.send({ type: 'conversation.item.input_audio_transcription.delta', item_id: item.id, content_index: 0, delta });
    }
    part.transcript = transcript;
    const audioTokens = inputAudioTokens(durationMs);
    const outputTokens = textTokens(transcript.length);
    ctx.send({
      type: 'conversation.item.input_audio_transcription.completed',
      item_id: item.id,
      content_index: 0,
      transcript,
      usage:
        model === 'whisper-1'
          ? { type: 'duration', seconds: Math.round(durationMs / 100) / 10 }
          : {
              type: 'tokens',
              total_tokens: audioTokens + outputTokens,
              input_tokens: audioTokens,
              input_token_details: { text_tokens: 0, audio_tokens: audioTokens },
              output_tokens: outputTokens,
            },
    });
  });
}
