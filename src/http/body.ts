import type { IncomingMessage } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';

// Request bodies without the Web-stream detour where none is needed. @hono/node-server builds a full
// Request (an undici Request, an AbortController and a web stream over the socket) the first time the body
// is touched; hono's bodyLimit touches it on every request. On the webhook's hot path that detour was about
// an eighth of the server's CPU. Here a declared Content-Length is checked from the header alone, and a
// route that wants the raw bytes reads them from node's IncomingMessage.

/** hono's bodyLimit, but a request with a Content-Length (and no Transfer-Encoding) is judged by its header. */
export function bodyLimitByHeader(options: { maxSize: number; onError: (c: Context) => never }): MiddlewareHandler {
  const streamed = bodyLimit(options);
  return async (c, next) => {
    const length = c.req.header('content-length');
    if (length === undefined || c.req.header('transfer-encoding') !== undefined) return streamed(c, next);
    // Node's HTTP parser delivers exactly Content-Length bytes of body, so the header bounds what is read.
    if (Number.parseInt(length, 10) > options.maxSize) options.onError(c);
    await next();
  };
}

/**
 * The request's raw body. Under @hono/node-server, with a Content-Length and the body untouched so far (see
 * bodyLimitByHeader), it is read straight from the socket's IncomingMessage; otherwise through the Request.
 */
export async function rawBody(c: Context): Promise<Uint8Array> {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  const direct =
    incoming !== undefined &&
    c.req.header('content-length') !== undefined &&
    c.req.header('transfer-encoding') === undefined &&
    // Never read before: no Request has wrapped it in a web stream.
    incoming.readableFlowing === null &&
    !incoming.readableEnded;
  if (!direct) return new Uint8Array(await c.req.arrayBuffer());
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}
