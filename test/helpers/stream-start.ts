import { TwilioPhone, type DialOptions } from '../../src/converse/twilio-phone.ts';

/**
 * Opens the signed stream and sends `start` with `customParameters`, as a replayed or forged
 * stream would: resolves with the first thing the gateway did, the event it sent (`media`) or
 * `closed:<reason>`.
 */
export async function startStream(dial: DialOptions, streamUrl: string, callSid: string, customParameters: Record<string, string | undefined>): Promise<string> {
  const ws = await TwilioPhone.open(dial, streamUrl);
  ws.send(JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }));
  ws.send(JSON.stringify({ event: 'start', streamSid: 'MZ1', start: {
    accountSid: 'AC1', streamSid: 'MZ1', callSid, customParameters,
    mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 } } }));
  const first = await Promise.race([
    new Promise<string>((resolve) => ws.once('message', (data) => resolve((JSON.parse(data.toString()) as { event: string }).event))),
    new Promise<string>((resolve) => ws.once('close', (_code, reason) => resolve(`closed:${reason.toString()}`))),
  ]);
  ws.close();
  return first;
}
