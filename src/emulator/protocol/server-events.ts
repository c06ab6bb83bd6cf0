import type { ConversationItem, RealtimeResponse, RealtimeServerEvent } from 'openai/resources/realtime/realtime';

/**
 * The SDK's types with `null` allowed wherever a field may be absent: the live service sends
 * explicit nulls (`transcript:null`, `usage:null`, `conversation_id:null`, `include:null`…)
 * where the generated types only say "optional". `type` stays exact so unions still narrow.
 */
export type Wire<T> = T extends readonly (infer U)[]
  ? Wire<U>[]
  : T extends object
    ? { [K in keyof T]: K extends 'type' ? T[K] : Wire<T[K]> | null }
    : T;

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A server event before the connection stamps its `event_id`. */
export type ServerEvent = Wire<DistributiveOmit<RealtimeServerEvent, 'event_id'>>;
export type WireItem = Wire<ConversationItem>;
export type WireResponse = Wire<RealtimeResponse>;
