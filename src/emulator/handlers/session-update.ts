import type { SessionContext } from '../context.ts';
import { conversationListing } from '../mcp/conversation-listing.ts';
import { applySessionUpdate, sessionToWire } from '../protocol/session-config.ts';

/** session.update (§3.1): all of it or none of it, then `session.updated` with the full session. */
export async function updateSession(ctx: SessionContext, raw: unknown, eventId: string | null): Promise<void> {
  await ctx.delay(ctx.timing.sessionUpdatedMs);
  const result = applySessionUpdate(ctx.session, raw, {
    kind: ctx.kind,
    assistantAudioPresent: ctx.conversation.hasAssistantAudio(),
    silenceMs: ctx.choices.defaultSilenceDurationMs,
  });
  if (!result.ok) {
    ctx.fail(result.error, eventId);
    return;
  }
  const input = result.session.audio.input;
  if (JSON.stringify(input.turn_detection) !== JSON.stringify(ctx.session.audio.input.turn_detection)) ctx.cancelIdle();
  ctx.session = result.session;
  ctx.buffer.setFormat(input.format);
  await ctx.turns.configure(input.turn_detection, input.format, ctx.buffer.timelineMs);
  ctx.send({ type: 'session.updated', session: sessionToWire(result.session, ctx.kind) });
  ctx.mcp.configure(conversationListing(ctx), result.session.tools);
}
