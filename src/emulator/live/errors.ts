import type { z } from 'zod';
import type { Error as LiveError } from 'openai/resources/live/live';
import { formatParam } from '../protocol/zod-issues.ts';

// The `error` objects of the emulated GPT-Live service. The reference gives codes only for a few
// cases (§6.1); the others use `invalid_request_error`, a code in the OpenAI API's usual wording
// and the `param` path of the offending field, as LIVE_PROTOCOL.md §6.1 recommends.

export function liveError(code: string, message: string, param?: string, type = 'invalid_request_error'): LiveError {
  return param === undefined ? { type, code, message } : { type, code, message, param };
}

/** The first zod issue as the error the service would send (`param` like `session.audio.format.rate`). */
export function issueError(issues: readonly z.core.$ZodIssue[], base: readonly PropertyKey[]): LiveError {
  const issue = issues[0];
  if (issue.code === 'unrecognized_keys') {
    const param = formatParam([...base, ...issue.path, issue.keys[0]]);
    return liveError('unknown_parameter', `Unknown parameter: '${param}'.`, param);
  }
  const param = formatParam([...base, ...issue.path]);
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    return liveError('missing_required_parameter', `Missing required parameter: '${param}'.`, param);
  }
  if ((issue.code === 'invalid_union' || issue.code === 'invalid_value') && issue.input === undefined) {
    return liveError('missing_required_parameter', `Missing required parameter: '${param}'.`, param);
  }
  return liveError('invalid_value', `Invalid value for '${param}': ${issue.message}.`, param);
}

export const notStarted = (type: string): LiveError =>
  liveError('session_not_started', `'${type}' was sent before the session started: send 'session.start' first and wait for 'session.started'.`);

export const alreadyStarted = (): LiveError =>
  liveError('session_already_started', "The session has already started; 'session.start' is accepted once, as the first event.", 'type');

export const unknownEvent = (type: string): LiveError =>
  liveError('invalid_event', `Unknown event type '${type}'.`, 'type');

export const tooLong = (param: string, tokens: number, max: number): LiveError =>
  liveError('string_above_max_length', `'${param}' is about ${tokens} tokens, above the maximum of ${max}.`, param);

export const notResponsesDelegation = (type: string): LiveError =>
  liveError('invalid_delegation', `'${type}' needs Responses delegation (delegation.type "responses").`, 'type');

export const delegationIdUnderResponses = (): LiveError =>
  liveError('invalid_value', "'delegation_id' must be null under Responses delegation.", 'delegation_id');

export const unknownDelegation = (id: string): LiveError =>
  liveError('invalid_value', `No client delegation '${id}' in this session.`, 'delegation_id');

export const delegationTypeChange = (from: string, to: string): LiveError =>
  liveError('invalid_value', `The delegation type cannot change after start (it is '${from}', not '${to}').`, 'session.delegation.type');

export const fixtureActive = (type: string): LiveError =>
  liveError('fixture_active', `'${type}' is not accepted while an output audio fixture is playing.`, 'type');

export const badAudio = (param: string, detail: string): LiveError =>
  liveError('invalid_value', `Invalid value for '${param}': ${detail}.`, param);

export const invalidJson = (): LiveError => liveError('invalid_json', 'The event is not a JSON object with a string "type".');

export const serverError = (): LiveError =>
  liveError('server_error', 'The server had an error while processing your request.', undefined, 'server_error');
