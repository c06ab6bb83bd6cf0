import type { LoggerOptions } from 'pino';
import { redactUrlCredentials } from './redact-url.ts';

/** What a request's log line shows: the fields of Fastify's own serializer, with the URL redacted. */
interface LoggedRequest {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

/**
 * pino options shared by the gateway and the emulator. Redaction is compiled once by pino; the
 * paths cover credentials that could ride on a logged headers object or an error, and raw audio
 * payloads. A device token may ride in a URL (`/v1/ws?token=`), which Fastify and its plugins log
 * as the request's `url`, as a `path`, and inside messages ("Route GET:/x?token=… not found"):
 * all three pass through redactUrlCredentials. Request headers are not logged at all.
 */
export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    serializers: {
      req: (req: LoggedRequest) => ({
        method: req.method,
        url: req.url === undefined ? undefined : redactUrlCredentials(req.url),
        host: req.host,
        remoteAddress: req.ip,
        remotePort: req.socket?.remotePort,
      }),
      path: (path: unknown) => (typeof path === 'string' ? redactUrlCredentials(path) : path),
    },
    hooks: {
      logMethod(args, method) {
        args.forEach((arg: unknown, i) => {
          if (typeof arg === 'string') args[i] = redactUrlCredentials(arg);
        });
        method.apply(this, args);
      },
    },
    redact: {
      paths: [
        'headers.authorization',
        'headers["sec-websocket-protocol"]',
        'headers["x-twilio-signature"]',
        '*.headers.authorization',
        '*.headers["sec-websocket-protocol"]',
        '*.headers["x-twilio-signature"]',
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
