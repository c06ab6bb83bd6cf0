// The tests' browser stand-in is the conversation tests' WebRTC peer.
export { WebrtcPeer as WebrtcTestClient, type ReceivedFrame } from '../../src/converse/webrtc-peer.ts';
