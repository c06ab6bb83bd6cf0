// The native WebRTC stack (@roamhq/wrtc, a CommonJS package) in one place, with the few
// non-standard audio types its declarations leave loose.
import wrtc from '@roamhq/wrtc';

export const { RTCPeerConnection } = wrtc;
export const { RTCAudioSink, RTCAudioSource } = wrtc.nonstandard;

export type AudioSink = InstanceType<typeof RTCAudioSink>;
export type AudioSource = InstanceType<typeof RTCAudioSource>;

/** node-webrtc's extension of RTCConfiguration: the ports its peer may bind (TCP and UDP). */
export interface PeerConfiguration extends RTCConfiguration {
  portRange?: { min: number; max: number };
}

/** One frame as RTCAudioSink delivers it (10 ms, interleaved when channelCount > 1). */
export interface AudioFrame {
  samples: Int16Array;
  sampleRate: number;
  channelCount: number;
  numberOfFrames: number;
}
