// Drives the console in-process like a browser with JavaScript off: cookies kept, forms posted
// as application/x-www-form-urlencoded with the token the page carried.
import type { TestApp } from '../../support/app.js';

export interface ConsoleClient {
  get(path: string): Promise<{ status: number; headers: Headers; text: string }>;
  post(path: string, fields: Record<string, string>): Promise<{ status: number; headers: Headers; text: string }>;
  /** A multipart form with one file field, as a browser sends an <input type=file>. */
  postFile(
    path: string,
    fields: Record<string, string>,
    file: { field: string; name: string; bytes: Uint8Array },
  ): Promise<{ status: number; headers: Headers; text: string }>;
  cookies: Map<string, string>;
}

export function consoleClient(t: TestApp, address = '192.0.2.1'): ConsoleClient {
  const cookies = new Map<string, string>();
  const remember = (headers: Headers) => {
    for (const line of headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (value === '' || /max-age=0/i.test(line)) cookies.delete(name);
      else cookies.set(name, value);
    }
  };
  const cookieHeader = () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  // app.request has no socket: the client address travels in env, as @hono/node-server gives it.
  const env = { incoming: { socket: { remoteAddress: address } } };
  async function send(
    method: string,
    path: string,
    body?: string | Uint8Array,
    type = 'application/x-www-form-urlencoded',
  ) {
    const headers: Record<string, string> = { cookie: cookieHeader() };
    if (body !== undefined) {
      headers['content-type'] = type;
      headers['content-length'] = String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);
    }
    const res = await t.app.request(path, { method, headers, body }, env);
    remember(res.headers);
    return { status: res.status, headers: res.headers, text: await res.text() };
  }
  return {
    cookies,
    get: (path) => send('GET', path),
    post: (path, fields) => send('POST', path, new URLSearchParams(fields).toString()),
    async postFile(path, fields, file) {
      const form = new FormData();
      for (const [k, v] of Object.entries(fields)) form.append(k, v);
      form.append(file.field, new Blob([new Uint8Array(file.bytes)]), file.name);
      // Let the platform encode the multipart body and its boundary, then send it with its length.
      const encoded = new Request('http://console.test/', { method: 'POST', body: form });
      const bytes = new Uint8Array(await encoded.arrayBuffer());
      return send('POST', path, bytes, encoded.headers.get('content-type')!);
    },
  };
}

/** The value of the hidden csrf field of the first form on a page. */
export function csrfOf(html: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no csrf field on the page');
  return match[1]!;
}

export async function signIn(client: ConsoleClient, key: string) {
  const page = await client.get('/console/login');
  return client.post('/console/login', { csrf: csrfOf(page.text), key });
}
