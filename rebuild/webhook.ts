import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { decodeSignatureHeader, isValidSignature } from '@sanity/webhook';

/** Why a webhook request was refused, as the JSON answer and the log line say it. */
export interface WebhookRefusal {
  status: 400 | 401 | 405 | 413 | 415;
  error: string;
}

/** An accepted delivery. */
export interface WebhookDelivery {
  /** Sanity's `idempotency-key`, or the signature when there is none. */
  key: string;
  duplicate: boolean;
  body: unknown;
}

/** Options for verifying deliveries. */
export interface WebhookOptions {
  secret: string;
  maxBytes: number;
  /** Deliveries signed longer ago than this are refused as replays. */
  maxAgeMs: number;
  now?: () => number;
}

/**
 * Verifies a Sanity webhook on its raw body: JSON content type, size limit, `sanity-webhook-signature` (with
 * `@sanity/webhook`), signature age, then idempotency: a delivery is a duplicate (not an error) when its
 * `idempotency-key` was seen, or when what is signed (timestamp and body) was: the key is not signed, so a captured
 * delivery replayed with a new key is still recognised.
 */
export class WebhookVerifier {
  #options: WebhookOptions;
  #seen = new Map<string, number>();

  constructor(options: WebhookOptions) {
    this.#options = options;
  }

  /** Reads and checks one request. */
  async verify(req: IncomingMessage): Promise<WebhookDelivery | WebhookRefusal> {
    if (req.method !== 'POST') return { status: 405, error: 'use POST' };
    const type = String(req.headers['content-type'] ?? '')
      .split(';')[0]
      ?.trim()
      .toLowerCase();
    if (type !== 'application/json')
      return { status: 415, error: `expected content-type application/json, received ${JSON.stringify(type ?? '')}` };
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > this.#options.maxBytes) return { status: 413, error: `body over ${this.#options.maxBytes} bytes` };
    const raw = await readBody(req, this.#options.maxBytes);
    if (raw === undefined) return { status: 413, error: `body over ${this.#options.maxBytes} bytes` };

    const header = req.headers['sanity-webhook-signature'];
    if (typeof header !== 'string' || header === '')
      return { status: 401, error: 'missing sanity-webhook-signature header' };
    let timestamp: number;
    try {
      timestamp = decodeSignatureHeader(header).timestamp;
    } catch {
      return { status: 401, error: 'malformed sanity-webhook-signature header' };
    }
    // Verify the signature on the raw bytes as received; re-encoding the JSON could change them.
    const valid = await isValidSignature(raw, header, this.#options.secret).catch(() => false);
    if (!valid) return { status: 401, error: 'invalid signature' };
    const now = this.#options.now?.() ?? Date.now();
    if (now - timestamp > this.#options.maxAgeMs)
      return { status: 401, error: `signature older than ${Math.round(this.#options.maxAgeMs / 1000)} s (replayed?)` };
    if (timestamp - now > this.#options.maxAgeMs) return { status: 401, error: 'signature timestamp in the future' };

    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return { status: 400, error: 'body is not valid JSON' };
    }
    const key = String(req.headers['idempotency-key'] ?? header);
    const signed = `signed:${createHash('sha256').update(`${timestamp}.`).update(raw).digest('hex')}`;
    const duplicate = this.#seen.has(key) || this.#seen.has(signed);
    this.#remember(key, now);
    this.#remember(signed, now);
    return { key, duplicate, body };
  }

  #remember(key: string, now: number): void {
    // Deleted first so that the map stays in order of last sight, which the loop below relies on.
    this.#seen.delete(key);
    this.#seen.set(key, now);
    // Keys older than the replay window cannot come back with a valid signature: forget them.
    for (const [k, at] of this.#seen) {
      if (now - at <= this.#options.maxAgeMs * 2) break;
      this.#seen.delete(k);
    }
  }
}

/** Reads a request body as UTF-8 text, or undefined as soon as it passes `limit` bytes (the rest is drained). */
function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.resume();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Whether a value is a refusal. */
export function isRefusal(value: WebhookDelivery | WebhookRefusal): value is WebhookRefusal {
  return 'status' in value;
}
