// A stand-in for the session core, for edge tests: it talks to an edge the way a real session does
// (session.ready, transcripts, tool calls, agent audio, barge-in) without any backend, and records
// what the edge delivered.
import { bufferToInt16, rms, SPEECH_RMS } from '../../src/audio/pcm.ts';
import type { ClientControl, ClientEvent, EdgeTransport, StateGraph } from '../../src/edges/edge.ts';
import type { SessionHandle, StartSession } from '../../src/session/starter.ts';

/** Microphone chunks louder than this count as speech and are echoed. */
export { SPEECH_RMS };

export const FAKE_GRAPH: StateGraph = {
  agent: 'frontDesk',
  states: [
    { id: '1_greeting', description: 'Greet the caller and ask how to help.' },
    { id: '2_verify', description: 'Verify the caller with authenticateUser.' },
    { id: '3_route', description: 'Answer or hand off to the tour guide.' },
  ],
  transitions: [
    { from: '1_greeting', to: '2_verify', condition: 'The caller states a request.' },
    { from: '2_verify', to: '3_route', condition: 'The caller is verified.' },
    { from: '2_verify', to: '1_greeting', condition: 'Verification failed.' },
    { from: '3_route', to: 'tourGuide', condition: 'The caller wants a tour.' },
  ],
};

export interface MicChunk {
  /** Milliseconds since the session started. */
  atMs: number;
  samples: number;
  rms: number;
}

export interface FakeSession {
  readonly id: string;
  readonly edge: EdgeTransport;
  readonly controls: ClientControl[];
  readonly mic: MicChunk[];
  /** Why it ended; undefined while live. */
  endedWith: string | undefined;
}

export interface FakeSessionOptions {
  /** Delay before microphone speech comes back as agent audio; default 300 ms. */
  echoDelayMs?: number;
}

export class FakeSessions {
  readonly sessions: FakeSession[] = [];
  readonly #echoDelayMs: number;

  constructor(opts: FakeSessionOptions = {}) {
    this.#echoDelayMs = opts.echoDelayMs ?? 300;
  }

  get live(): number {
    return this.sessions.filter((s) => s.endedWith === undefined).length;
  }

  latest(): FakeSession {
    const session = this.sessions.at(-1);
    if (!session) throw new Error('no fake session has started');
    return session;
  }

  readonly start: StartSession = async (edge: EdgeTransport): Promise<SessionHandle> => {
    const startedAt = performance.now();
    const timers = new Set<NodeJS.Timeout>();
    const later = (ms: number, fn: () => void): void => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        fn();
      }, ms);
      timers.add(timer);
    };
    const session: FakeSession = {
      id: `fake_${this.sessions.length + 1}`,
      edge,
      controls: [],
      mic: [],
      endedWith: undefined,
    };
    this.sessions.push(session);
    const send = (event: ClientEvent): void => edge.send(event);
    let heardSpeech = false;

    const end = async (reason: string): Promise<void> => {
      if (session.endedWith !== undefined) return;
      session.endedWith = reason;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      edge.close(reason);
    };

    edge.on('audio', (payload) => {
      const pcm = Buffer.from(payload, 'base64');
      const level = rms(bufferToInt16(pcm));
      session.mic.push({ atMs: performance.now() - startedAt, samples: pcm.length / 2, rms: level });
      if (level < SPEECH_RMS) return;
      later(this.#echoDelayMs, () => edge.sendAudio(payload));
      if (!heardSpeech) {
        heardSpeech = true;
        onFirstSpeech();
      }
    });
    edge.on('control', (message) => {
      session.controls.push(message);
      if (message.type === 'ptt.start') {
        edge.clearAudio();
        send({ type: 'audio.clear', epoch: session.controls.filter((c) => c.type === 'ptt.start').length });
      } else if (message.type === 'mode') {
        send({ type: 'mode', mode: message.mode });
      } else if (message.type === 'input_text') {
        send({ type: 'transcript', role: 'user', text: message.text, final: true, item_id: `typed_${session.controls.length}` });
      }
    });
    edge.on('close', (reason) => void end(reason));

    // What a real session does once its backend is up: announce itself and greet the caller.
    send({ type: 'session.ready', session_id: session.id, agent: FAKE_GRAPH.agent, state: '1_greeting', mode: 'vad', graph: FAKE_GRAPH });
    send({ type: 'transcript', role: 'assistant', text: 'Welcome to the', final: false, item_id: 'greet' });
    send({ type: 'transcript', role: 'assistant', text: 'Welcome to the front desk. How can I help you today?', final: true, item_id: 'greet' });

    // The caller spoke: a user line, a tool call, a state move and an answer, as a real turn would.
    function onFirstSpeech(): void {
      send({ type: 'transcript', role: 'user', text: 'My name is', final: false, item_id: 'user_1' });
      later(200, () => {
        send({ type: 'transcript', role: 'user', text: 'My name is Ada Lovelace.', final: true, item_id: 'user_1' });
        send({ type: 'tool.call', name: 'authenticateUser', call_id: 'call_1', arguments: '{"first_name":"Ada","last_name":"Lovelace"}' });
      });
      later(350, () => {
        send({ type: 'tool.result', name: 'authenticateUser', call_id: 'call_1', output: '{"verified":true}', error: false, duration_ms: 150 });
        send({ type: 'state.changed', from: '1_greeting', to: '2_verify', agent: FAKE_GRAPH.agent, slots: {} });
        send({ type: 'transcript', role: 'assistant', text: 'Thank you, Ada. You are verified.', final: true, item_id: 'reply_1' });
      });
    }

    return { id: session.id, end };
  };
}

/** Polls `check` until it returns true or `timeoutMs` passes. */
export async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
