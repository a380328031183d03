import { X509Certificate } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { generate } from 'selfsigned';
import { writeFileAtomic } from '../src/lib/atomic-write.ts';

/** Host names the development certificate covers: the lake at `localhost` and the Studio's `<projectId>.localhost`. */
export const DEV_CERT_HOSTS = ['localhost', '*.localhost'] as const;

/** A TLS key pair for local servers, as PEM text, and where it is stored. */
export interface DevCertificate {
  key: string;
  cert: string;
  keyFile: string;
  certFile: string;
  /** Whether this call created it (false when an existing, still valid one was read). */
  created: boolean;
}

const CERT_FILE = 'localhost-cert.pem';
const KEY_FILE = 'localhost-key.pem';
/** Renew a stored certificate this long before it expires, so a running server never serves an expired one. */
const RENEW_BEFORE_MS = 7 * 24 * 60 * 60 * 1000;
const VALID_DAYS = 365;

/**
 * The self-signed certificate for `localhost`, `*.localhost`, 127.0.0.1 and ::1 kept in `dir`: read when present
 * and valid for another week, otherwise generated (EC P-256, SHA-256, one year) and written there. Browsers do not
 * trust it; tests set `ignoreHTTPSErrors`, and Node clients may trust it with `NODE_EXTRA_CA_CERTS=<certFile>`.
 */
export async function devCertificate(dir: string): Promise<DevCertificate> {
  const certFile = path.join(dir, CERT_FILE);
  const keyFile = path.join(dir, KEY_FILE);
  const existing = await readPair(certFile, keyFile);
  if (existing !== undefined && isUsable(existing.cert)) return { ...existing, certFile, keyFile, created: false };
  const notBeforeDate = new Date(Date.now() - 60_000);
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate: new Date(notBeforeDate.getTime() + VALID_DAYS * 24 * 60 * 60 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          ...DEV_CERT_HOSTS.map((value) => ({ type: 2 as const, value })),
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writePrivate(keyFile, pems.private);
  await writePrivate(certFile, pems.cert);
  return { key: pems.private, cert: pems.cert, keyFile, certFile, created: true };
}

async function readPair(certFile: string, keyFile: string): Promise<{ cert: string; key: string } | undefined> {
  try {
    return { cert: await readFile(certFile, 'utf8'), key: await readFile(keyFile, 'utf8') };
  } catch {
    return undefined;
  }
}

function isUsable(pem: string): boolean {
  try {
    const cert = new X509Certificate(pem);
    const names = cert.subjectAltName ?? '';
    return (
      Date.parse(cert.validTo) - Date.now() > RENEW_BEFORE_MS &&
      DEV_CERT_HOSTS.every((host) => names.includes(`DNS:${host}`))
    );
  } catch {
    // An unreadable file is replaced rather than served.
    return false;
  }
}

/** Writes a file readable by its owner only, through a temporary file so that a crash never leaves half a key. */
async function writePrivate(file: string, text: string): Promise<void> {
  await writeFileAtomic(file, text, { mode: 0o600 });
}
