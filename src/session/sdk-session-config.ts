import type { RealtimeAudioFormat } from '@openai/agents/realtime';
import { formatType, sampleRateOf, type AudioFormat } from '../audio/format.ts';

/** Server VAD as the wire spells it; the SDK's config takes this spelling as it is. */
export const SERVER_VAD = {
  type: 'server_vad',
  threshold: 0.5,
  prefix_padding_ms: 300,
  // Longer than the service's 200 ms default: callers pause while spelling names.
  silence_duration_ms: 500,
  create_response: true,
  interrupt_response: true,
} as const;

/**
 * Turn detection for a call whose audio the backend owns (SIP): the Calls API refuses `threshold`,
 * `prefix_padding_ms` and `silence_duration_ms` for SIP sessions (REALTIME_PROTOCOL.md §1.4).
 */
export const SEMANTIC_VAD = { type: 'semantic_vad', create_response: true, interrupt_response: true } as const;

export type TurnDetection = typeof SERVER_VAD | typeof SEMANTIC_VAD | null;

interface AudioConfig {
  audio: {
    /** No `format` when the edge carries no audio (the carrier and the backend agree on it). */
    input: { format?: RealtimeAudioFormat; transcription: { model: string }; turnDetection: TurnDetection };
    output: { format?: RealtimeAudioFormat; voice?: string };
  };
}

/**
 * The session's own part of every `session.update` the SDK sends: the edge's audio format both
 * ways, the turn mode, and the voice once it is locked.
 *
 * This is a private seam of the SDK, kept in this one file: `RealtimeSession` merges the
 * `options.config` object it was given into every full update it sends (connect, `updateAgent`,
 * handoffs), so changing that object in place is how a value survives them. The SDK has no public
 * way to change its base config after construction. test/unit/session/sdk-session-config.test.ts
 * fails if a new SDK stops honouring it.
 */
export class SdkSessionConfig {
  /** Handed to `new RealtimeSession({ config })`, and mutated in place from then on. */
  readonly config: AudioConfig;

  /** `'none'`: the edge carries no audio, so no format is configured and turn detection is SIP's. */
  constructor(edgeFormat: AudioFormat | 'none') {
    const transcription = { model: 'gpt-4o-mini-transcribe' };
    if (edgeFormat === 'none') {
      this.config = { audio: { input: { transcription, turnDetection: SEMANTIC_VAD }, output: {} } };
      return;
    }
    const format = sdkFormat(edgeFormat);
    this.config = { audio: { input: { format, transcription, turnDetection: SERVER_VAD }, output: { format } } };
  }

  get turnDetection(): TurnDetection {
    return this.config.audio.input.turnDetection;
  }

  set turnDetection(value: TurnDetection) {
    this.config.audio.input.turnDetection = value;
  }

  get pinnedVoice(): string | undefined {
    return this.config.audio.output.voice;
  }

  /** The backend locks the voice once audio exists; later updates (handoffs) must keep it. */
  pinVoice(voice: string): void {
    this.config.audio.output.voice ??= voice;
  }
}

/** The protocol's format in the SDK's spelling, where the PCM rate is not optional. */
function sdkFormat(format: AudioFormat): RealtimeAudioFormat {
  const type = formatType(format);
  return type === 'audio/pcm' ? { type, rate: sampleRateOf(format) } : { type };
}

/**
 * A session payload without audio formats. The SDK fills in PCM16 24 kHz wherever the config has
 * no format; for a call whose audio the backend owns, the formats are the SIP leg's business.
 */
export function withoutAudioFormats<T extends object>(session: T): T {
  const audio = (session as { audio?: unknown }).audio as { input?: Record<string, unknown>; output?: Record<string, unknown> } | undefined;
  if (!audio) return session;
  const strip = (part: Record<string, unknown> | undefined) => {
    if (!part) return part;
    const { format: _format, ...rest } = part;
    return rest;
  };
  return { ...session, audio: { ...audio, input: strip(audio.input), output: strip(audio.output) } };
}
