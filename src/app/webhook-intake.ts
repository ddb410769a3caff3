/**
 * The webhook endpoint, in front of Probot's event handling. Probot's own route reads a body whole
 * before checking anything and logs a rejected delivery with its payload (one 20 MB bad-signature POST
 * wrote 63 MB of log). This one refuses a body over the limit before reading it (by its declared
 * length, or as soon as the bytes read pass the limit), verifies the signature over the raw bytes
 * before parsing, and logs only the delivery id, event and size — never the payload.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'probot';

/**
 * 2 MiB. GitHub caps payloads at 25 MB, but the events the app handles carry at most two texts GitHub
 * limits to 65,536 characters (a comment and its issue or pull request body): under 800 KB even if
 * every character were JSON-escaped to six bytes, plus a few kilobytes of metadata. Twice that leaves
 * room for the rest, and keeps a burst of hostile bodies to a few megabytes each in memory.
 */
export const DEFAULT_MAX_WEBHOOK_BYTES = 2 * 1024 * 1024;

/** GitHub gives up on a delivery after 10 s; answer "accepted" before that and carry on. */
const ACCEPTED_AFTER_MS = 9_000;

export interface WebhookEvent {
  id: string;
  name: string;
  payload: unknown;
}

export interface IntakeOptions {
  secret: string;
  path: string;
  maxBodyBytes: number;
  log: Logger;
  /** Handles a verified, parsed delivery (Probot's `receive`). */
  receive: (event: WebhookEvent) => Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/** A request handler for the webhook path; false for any other path (the next handler's). */
export function webhookIntake(options: IntakeOptions): Handler {
  return async (req, res) => {
    if (pathOf(req) !== options.path) return false;
    const headers = deliveryHeaders(req);
    const fields = { delivery: headers.id, event: headers.name };
    const refuse = (status: number, error: string, bytes?: number): true => {
      options.log.warn({ ...fields, bytes, status }, `egress-lint: webhook refused: ${error}`);
      answer(res, status, { error });
      return true;
    };
    if (req.method !== 'POST') return refuse(405, `method ${req.method ?? ''} not allowed`);
    if (!/^\s*application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? ''))
      return refuse(415, 'Content-Type must be application/json');
    if (!headers.id || !headers.name || !headers.signature)
      return refuse(400, 'X-GitHub-Event, X-GitHub-Delivery and X-Hub-Signature-256 are required');
    const declared = Number(req.headers['content-length']);
    if (declared > options.maxBodyBytes)
      return refuse(413, `body over ${options.maxBodyBytes} bytes`, declared);
    const body = await readBounded(req, options.maxBodyBytes);
    if (!body) return refuse(413, `body over ${options.maxBodyBytes} bytes`);
    if (!signatureMatches(options.secret, body, headers.signature))
      return refuse(400, 'signature does not match event payload and secret', body.byteLength);
    let payload: unknown;
    try {
      payload = JSON.parse(body.toString('utf8'));
    } catch {
      return refuse(400, 'body is not JSON', body.byteLength);
    }
    options.log.info({ ...fields, bytes: body.byteLength }, 'egress-lint: webhook received');
    await deliver(options, res, { id: headers.id, name: headers.name, payload });
    return true;
  };
}

/** Hands the event over; answers 200 when handled within GitHub's patience, else 202 and goes on. */
async function deliver(
  options: IntakeOptions,
  res: ServerResponse,
  event: WebhookEvent,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), ACCEPTED_AFTER_MS);
  });
  const handled = options.receive(event).then(
    () => 'ok' as const,
    (e: unknown) => {
      // The message only: Probot's errors carry the event, payload included.
      const message = e instanceof Error ? e.message : String(e);
      options.log.error(
        { delivery: event.id, event: event.name, message },
        'egress-lint: webhook handler failed',
      );
      return 'failed' as const;
    },
  );
  const first = await Promise.race([handled, late]);
  clearTimeout(timer);
  if (first === 'late') answer(res, 202, { status: 'accepted' });
  else if (first === 'failed') answer(res, 500, { error: 'handling failed; see the app log' });
  else answer(res, 200, { status: 'ok' });
}

/** The body, or undefined as soon as it passes `max` bytes (the rest is not read). */
async function readBounded(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).byteLength;
    if (size > max) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function signatureMatches(secret: string, body: Buffer, header: string): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  const given = Buffer.from(header);
  return given.byteLength === expected.byteLength && timingSafeEqual(given, expected);
}

function deliveryHeaders(req: IncomingMessage): {
  id: string | undefined;
  name: string | undefined;
  signature: string | undefined;
} {
  const one = (name: string): string | undefined => {
    const v = req.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  return {
    id: one('x-github-delivery'),
    name: one('x-github-event'),
    signature: one('x-hub-signature-256'),
  };
}

function pathOf(req: IncomingMessage): string {
  try {
    return new URL(req.url ?? '/', 'http://localhost').pathname.replace(/(.)\/+$/, '$1');
  } catch {
    return '';
  }
}

/** Answers with JSON and closes the connection, so an unread body is not read after all. */
function answer(res: ServerResponse, status: number, body: object): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json', connection: 'close' });
  res.end(JSON.stringify(body));
}
