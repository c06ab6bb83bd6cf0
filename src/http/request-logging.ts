import { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';

/**
 * Fastify's request lines, except that those of the page's own files are logged at debug: every
 * visit fetches several, and they tell an operator nothing the API's own lines do not.
 */
export class GatewayLogController extends LogController {
  override incomingRequest(request: FastifyRequest, reply: FastifyReply, metadata?: Record<string, unknown>): void {
    if (!isPageFile(request)) return super.incomingRequest(request, reply, metadata);
    if (!this.isLogDisabled(request)) request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply, metadata?: Record<string, unknown>): void {
    if (error || !isPageFile(request)) return super.requestCompleted(error, request, reply, metadata);
    if (!this.isLogDisabled(request)) reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}

/** Marks every route `app` registers from now on (in its own context) as one of the page's files. */
export function markPageFiles(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    route.config = { ...route.config, pageFile: true };
  });
}

function isPageFile(request: FastifyRequest): boolean {
  return request.routeOptions.config?.pageFile === true;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A file of the page (public/), served by @fastify/static. */
    pageFile?: boolean;
  }
}
