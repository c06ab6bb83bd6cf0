import twilioWebhooks from 'twilio/lib/webhooks/webhooks.js';

/**
 * `X-Twilio-Signature` checks, with twilio-node's own validator: HMAC-SHA1 over the URL Twilio
 * called plus the sorted form parameters, compared in constant time, with the port and
 * query-encoding variants Twilio's proxies produce. URLs are rebuilt on the configured public
 * origin, since behind a proxy or a tunnel the gateway never sees the host Twilio signed.
 */
export class TwilioSignatures {
  readonly #authToken: string;
  readonly #publicUrl: string;

  constructor(authToken: string, publicUrl: string) {
    this.#authToken = authToken;
    this.#publicUrl = publicUrl;
  }

  /** The `wss://` (or `ws://`) URL of a route, as the TwiML names it and Twilio signs its upgrade. */
  streamUrl(path: string): string {
    const url = new URL(path, this.#publicUrl);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    return url.toString();
  }

  /** A form POST: `requestUrl` is the path and query the gateway received. */
  webhookIsSigned(signature: string | undefined, requestUrl: string, params: Record<string, string | string[]>): boolean {
    if (!signature) return false;
    return twilioWebhooks.validateRequest(this.#authToken, signature, new URL(requestUrl, this.#publicUrl).toString(), params);
  }

  /** The Media Streams upgrade: Twilio signs the stream URL exactly as written, with no parameters. */
  upgradeIsSigned(signature: string | undefined, requestUrl: string): boolean {
    if (!signature) return false;
    return twilioWebhooks.validateRequest(this.#authToken, signature, this.streamUrl(requestUrl), {});
  }
}
