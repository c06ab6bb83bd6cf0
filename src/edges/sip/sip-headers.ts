import type { CallerDetails } from '../edge.ts';

/** What may reach the agent's instructions from a SIP header: a number or a plain SIP user. */
const SAFE_PARTY = /^\+?[A-Za-z0-9._-]{1,64}$/;

/**
 * The caller's number and the number dialled, from the INVITE's `From` and `To` headers
 * (`"Jane" <sip:+14155550123@carrier.example>;tag=…` gives `+14155550123`). The headers are
 * untrusted: anything but a plain number or SIP user is left out rather than put in the prompt.
 */
export function callerFromSipHeaders(headers: readonly { name: string; value: string }[]): CallerDetails {
  const party = (name: string) => {
    const value = headers.find((header) => header.name.toLowerCase() === name)?.value;
    return value === undefined ? undefined : userOf(value);
  };
  return { from: party('from'), to: party('to') };
}

function userOf(header: string): string | undefined {
  const uri = /<([^>]*)>/.exec(header)?.[1] ?? header.split(';')[0].trim();
  const match = /^(?:sips?|tel):([^@;>]+)/i.exec(uri);
  const user = match?.[1];
  return user !== undefined && SAFE_PARTY.test(user) ? user : undefined;
}
