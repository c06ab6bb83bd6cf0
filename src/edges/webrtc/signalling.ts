/** Largest SDP offer accepted; a browser's audio + data-channel offer is 2-6 KiB. */
export const MAX_SDP_BYTES = 64 * 1024;

/** Why `sdp` cannot be a browser's offer, or undefined when it looks like one. */
export function offerProblem(sdp: string): string | undefined {
  if (sdp.trim() === '') return 'the request body is empty; send the SDP offer as the body';
  if (!sdp.startsWith('v=0')) return 'the body is not SDP (it must start with "v=0")';
  if (!/^m=audio /m.test(sdp)) return 'the offer has no audio media section (m=audio)';
  return undefined;
}

/**
 * Resolves when ICE gathering completes or after `timeoutMs`, whichever is first: signalling is
 * one HTTP round trip, so the answer must carry its candidates.
 */
export function iceGatheringDone(pc: RTCPeerConnection, timeoutMs: number): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const finish = (): void => {
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', onChange);
      resolve();
    };
    const onChange = (): void => {
      if (pc.iceGatheringState === 'complete') finish();
    };
    const timer = setTimeout(finish, timeoutMs);
    timer.unref();
    pc.addEventListener('icegatheringstatechange', onChange);
  });
}
