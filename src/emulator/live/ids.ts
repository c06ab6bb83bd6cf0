import { base62 } from '../ids.ts';

// GPT-Live ids: only `live_…` sessions and `resp_…` responses are shown in the sources (§8.14);
// the rest follow the same prefix-plus-base62 style and are opaque to clients.

export const newLiveSessionId = (): string => `live_${base62(21)}`;
export const newLiveEventId = (): string => `evt_${base62(21)}`;
export const newDelegationId = (): string => `dlg_${base62(21)}`;
export { newCallId, newItemId, newResponseId } from '../ids.ts';
