// `window.voiceGateway`: a read-only view of what the page shows and measures, for tests and
// for anyone debugging from the console. Each property is a getter that returns a fresh copy.

export function exposeStatus(getters) {
  const view = {};
  for (const [key, get] of Object.entries(getters)) {
    Object.defineProperty(view, key, { get, enumerable: true });
  }
  Object.defineProperty(window, 'voiceGateway', { value: Object.freeze(view), enumerable: true });
}
