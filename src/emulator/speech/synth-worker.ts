// Runs in a worker thread: eSpeak-NG takes ~150 ms of CPU per call (most of it building its
// virtual file system), which must not stall the event loop that streams audio.
import { parentPort } from 'node:worker_threads';
import ESpeakNg, { type ESpeakNgModule } from 'espeak-ng';
import { resample } from '../../audio/resampler.ts';
import { parseWav } from '../../audio/wav.ts';
import { SYNTH_RATE_HZ, type SynthReply, type SynthRequest } from './worker-messages.ts';

const OUTPUT_PATH = '/out.wav';

async function synthesize({ text, voice, wordsPerMinute }: SynthRequest): Promise<ArrayBuffer> {
  const errors: string[] = [];
  // The text is one argv entry after `--`, never parsed by a shell or as an option. A new array
  // each call: the emscripten module mutates the one it is given.
  const args = ['-v', voice, '-s', String(wordsPerMinute), '-w', OUTPUT_PATH, '--', text];
  // Loading its data raises thousands of internal ErrnoErrors; without stack traces that
  // costs ~40% less.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  let espeak: ESpeakNgModule;
  try {
    espeak = await ESpeakNg({ arguments: args, print: () => {}, printErr: (line) => errors.push(line) });
  } catch (err) {
    throw new Error(`espeak-ng failed: ${String(err)}`);
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
  let wav: Uint8Array;
  try {
    wav = espeak.FS.readFile(OUTPUT_PATH);
  } catch {
    throw new Error(`espeak-ng wrote no audio: ${errors.join('; ') || 'no error output'}`);
  }
  const { samples, sampleRate } = parseWav(wav);
  return ownBuffer(await resample(samples, sampleRate, SYNTH_RATE_HZ));
}

/** The samples' buffer if they span all of it (so it can be transferred), else a copy's. */
function ownBuffer(samples: Int16Array): ArrayBuffer {
  const { buffer } = samples;
  if (buffer instanceof ArrayBuffer && samples.byteOffset === 0 && samples.byteLength === buffer.byteLength) return buffer;
  return samples.slice().buffer;
}

const port = parentPort;
if (!port) throw new Error('synth-worker.ts must run as a worker thread');

port.on('message', (request: SynthRequest) => {
  synthesize(request).then(
    (buffer) => port.postMessage({ id: request.id, samples: new Int16Array(buffer) } satisfies SynthReply, [buffer]),
    (err: unknown) =>
      port.postMessage({ id: request.id, error: err instanceof Error ? err.message : String(err) } satisfies SynthReply),
  );
});
