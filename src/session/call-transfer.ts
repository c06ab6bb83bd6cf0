import type { Logger } from 'pino';
import type { EdgeTransport } from '../edges/edge.ts';

export interface TransferOutcome {
  ok: boolean;
  /** The tool result the model gets, in words it can act on. */
  output: string;
}

/**
 * Transfers the call to the person the agent file names (`transferHumanTarget`), where the edge can
 * (a SIP call: REFER; a Twilio call: a `<Dial>` once its stream ends). Where it cannot, or the transfer fails, the model is told so and the call goes on.
 */
export async function transferCall(edge: EdgeTransport, targetUri: string | undefined, log: Logger): Promise<TransferOutcome> {
  if (!edge.transfer || targetUri === undefined) {
    return refused('This line cannot be transferred to a person. Offer that a colleague will call back instead.');
  }
  try {
    await edge.transfer(targetUri);
    log.info('call transferred to a person');
    return { ok: true, output: JSON.stringify({ ok: true }) };
  } catch (err) {
    log.warn({ err }, 'call transfer failed');
    return refused('The transfer did not go through. Apologise, and offer that a colleague will call back.');
  }
}

function refused(error: string): TransferOutcome {
  return { ok: false, output: JSON.stringify({ ok: false, error }) };
}
