import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
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

/**
 * Marks the routes `app` registers from now on that serve a file of `root` (those of
 * @fastify/static, which takes no route config of its own) as the page's files.
 */
export function markPageFiles(app: FastifyInstance, root: string): void {
  app.addHook('onRoute', (route) => {
    const path = route.url === '/' ? 'index.html' : route.url.replace(/^\/+/, '');
    if (path.includes('..') || !existsSync(join(root, path)) || !statSync(join(root, path)).isFile()) return;
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
