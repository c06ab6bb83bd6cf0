import type { CallerLine, LoadedContextScript, ScriptRule, ScriptStep } from './script.ts';
import type { SessionView } from './session-view.ts';

// A context script's rules against the session as it stands: the first rule whose every key
// holds decides the response; the first caller entry that fits says what the caller says there.

type Context = Pick<ScriptRule, 'state' | 'offers' | 'on' | 'user'>;

export function fits(context: Context, view: SessionView): boolean {
  if (context.state && (view.state === undefined || !context.state.includes(view.state))) return false;
  if (context.offers && !context.offers.every((name) => view.tools.has(name))) return false;
  if (context.on !== undefined && !answers(context.on, view)) return false;
  if (context.user !== undefined) {
    const words = view.trigger.kind === 'user' ? view.trigger.words : undefined;
    if (words === undefined || !new RegExp(context.user, 'i').test(words)) return false;
  }
  return true;
}

function answers(on: string, view: SessionView): boolean {
  const { trigger } = view;
  if (on === 'start' || on === 'user' || on === 'tool') return trigger.kind === on;
  return trigger.kind === 'tool' && trigger.name === on;
}

export function ruleFor(script: LoadedContextScript, view: SessionView): { index: number; steps: readonly ScriptStep[] } | undefined {
  const index = script.responses.findIndex((rule) => fits(rule, view));
  return index < 0 ? undefined : { index, steps: script.responses[index].respond };
}

/** The caller's words here: the entry's lines in turn, one per user turn in the state, the last one repeated. */
export function callerLine(caller: readonly CallerLine[], view: SessionView): string | undefined {
  const entry = caller.find((line) => fits(line, view));
  return entry?.says[Math.min(view.userTurnsInState, entry.says.length - 1)];
}
