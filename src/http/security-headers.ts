import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/**
 * The page's Content-Security-Policy, written for what public/ really does: ES modules and one
 * stylesheet from the gateway, fetch() to POST /v1/webrtc on the same origin, no inline script or
 * style, no eval. The only data: URL is the empty favicon. WebRTC media is not governed by CSP.
 * Helmet's defaults are not used: they allow inline styles and any https: style or font, and
 * upgrade-insecure-requests would send a page served over plain HTTP on a LAN address to https.
 */
export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/**
 * Security headers on every response (helmet): the CSP above, X-Content-Type-Options: nosniff,
 * Referrer-Policy: no-referrer, X-Frame-Options: DENY (a page that opens the microphone must not
 * be framed), and helmet's other defaults. Register it before the routes.
 */
export async function securityHeaders(app: FastifyInstance): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
    xFrameOptions: { action: 'deny' },
  });
}
