import type { BackendTarget } from '../session/backend-link.ts';

/** OpenAI's REST API, where the Calls API of SIP calls lives. */
export const OPENAI_REST_URL = 'https://api.openai.com/v1';

/**
 * The backend target of a SIP call's sideband connection (REALTIME_PROTOCOL.md §1.5): the same
 * Realtime endpoint and key, attached with `?call_id=` instead of `?model=`. Every reconnect of the
 * session's link re-attaches to the same call.
 */
export function sidebandTarget(target: BackendTarget, callId: string): BackendTarget {
  const url = new URL(target.url);
  url.searchParams.delete('model');
  url.searchParams.delete('intent');
  url.searchParams.set('call_id', callId);
  return { ...target, url: url.toString(), resumes: true };
}
