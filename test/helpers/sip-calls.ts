import { randomBytes } from 'node:crypto';
import type { ConversationScript } from '../../src/emulator/index.ts';

// What the SIP call tests share, on either voice API.

/** A made-up webhook secret in OpenAI's format, for one test file. */
export function testWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** Straight to the tour guide's overview, where the caller asks for a person. */
export const TRANSFER_SCRIPT: ConversationScript = {
  name: 'transfer to a person',
  turns: [
    { responses: [[{ say: 'Front desk.' }]] },
    { user: 'I am Jane Doe.',
      responses: [
        [{ call: 'change_state', arguments: { next_step: '2_get_first_name' } }],
        [{ call: 'change_state', arguments: { next_step: '3_get_last_name', values: { first_name: 'Jane' } } }],
        [{ call: 'change_state', arguments: { next_step: '4_next_steps', values: { last_name: 'Doe' } } }],
        [{ call: 'authenticateUser', arguments: {} }],
        [{ call: 'transfer_to_tourGuide', arguments: {} }],
      ] },
    { responses: [[{ say: 'Tour desk.' }]] },
    { user: 'Can I speak to a person, please?',
      responses: [
        [{ call: 'change_state', arguments: { next_step: '2_overview' } }],
        [{ say: 'Fine. Putting you through.' }, { call: 'transfer_call', arguments: { reason: 'the caller asked for a person' } }],
      ] },
  ],
};

export async function waitUntil(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
