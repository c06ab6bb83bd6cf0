import VoiceResponse from 'twilio/lib/twiml/VoiceResponse.js';

/** Spoken when the gateway ended the stream (a backend failure, a shutdown): the call then hangs up. */
const APOLOGY = 'Sorry, we could not continue this call. Please call again.';
const BUSY = 'Sorry, all our lines are busy. Please call again later.';

/**
 * The answer to Twilio's voice webhook: a bidirectional stream to the gateway, with the call's
 * details as `<Parameter>`s (they arrive in the stream's `start` message). Twilio runs the verbs
 * after `</Connect>` only once the gateway closes the stream; a caller who hangs up never hears
 * them, so they are what the caller hears when the gateway ends the call.
 */
export function streamTwiml(streamUrl: string, parameters: Record<string, string>): string {
  const response = new VoiceResponse();
  const stream = response.connect().stream({ url: streamUrl });
  for (const [name, value] of Object.entries(parameters)) stream.parameter({ name, value });
  response.say(APOLOGY);
  response.hangup();
  return response.toString();
}

/** Every line is taken: say so and hang up, before any stream or backend session exists. */
export function busyTwiml(): string {
  const response = new VoiceResponse();
  response.say(BUSY);
  response.hangup();
  return response.toString();
}
