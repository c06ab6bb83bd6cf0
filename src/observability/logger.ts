import type { LoggerOptions } from 'pino';

/**
 * pino options shared by the gateway and the emulator. Redaction is compiled once by pino; the
 * paths cover credentials that could ride on a request or an error, and raw audio payloads.
 */
export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers["sec-websocket-protocol"]',
        'req.headers["x-twilio-signature"]',
        'req.query.token',
        'apiKey',
        '*.apiKey',
        'audio',
        '*.audio',
        'delta',
        '*.delta',
      ],
      censor: '[redacted]',
    },
  };
}
