import { serveEcho } from './echo-server.ts';

/**
 * The echo backend (echo-server.ts) with call-record traffic, for bench/records.ts: every appended
 * input chunk is still echoed straight back as one output-audio delta (the round trip measures the
 * relay), and every `argv[2]` chunks (default 25: twice a second at 20 ms) it also sends a final
 * user transcript line, and every second one a `speech_stopped`, so each session publishes
 * transcript lines and turn latencies for the recorder as a real call does. Runs as its own process.
 */
const EVERY = Number(process.argv[2] ?? 25);
let sessions = 0;

serveEcho('rec', (ws) => {
  const session = ++sessions;
  let chunks = 0;
  let lines = 0;
  return {
    appended: () => {
      if (++chunks % EVERY !== 0) return;
      const item = `item_u${session}_${++lines}`;
      if (lines % 2 === 0) ws.send(JSON.stringify({ type: 'input_audio_buffer.speech_stopped', event_id: 'event_s', audio_end_ms: chunks * 20, item_id: item }));
      ws.send(JSON.stringify({
        type: 'conversation.item.input_audio_transcription.completed', event_id: 'event_t', item_id: item, content_index: 0,
        transcript: `This is line ${lines} of what the caller said, about as long as a real turn is.`,
        usage: { type: 'duration', seconds: 1 },
      }));
    },
  };
});
