import type { RealtimeSession } from '@openai/agents/realtime';
import type { CallAcceptParams } from 'openai/resources/realtime/calls';
import type { SessionContext } from './agent-runtime.ts';
import type { GatewayTransport } from './gateway-transport.ts';
import { withoutAudioFormats } from './sdk-session-config.ts';

/**
 * What a SIP call is accepted with: the configuration the session itself sends when it connects
 * (the start agent's instructions with the caller's details, its tools, voice and turn detection),
 * built by the SDK as for its own SIP transport, minus the audio formats (the carrier and the
 * backend negotiate the codec; the gateway never sees the audio).
 */
export async function callAcceptParams(session: RealtimeSession<SessionContext>, transport: GatewayTransport): Promise<CallAcceptParams> {
  const payload = withoutAudioFormats(transport.buildSessionPayload(await session.getInitialSessionConfig()));
  // The SDK's payload type is `{ type: 'realtime' } & Record<string, any>`, built to go to calls.accept as it is.
  return { ...payload, tracing: null } as CallAcceptParams;
}
