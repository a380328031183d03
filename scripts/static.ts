// Serves a built site directory on loopback: `node scripts/static.ts [dir] [--port N]`. Used by `npm start` and the browser tests.
import path from 'node:path';
import { HTTP_LIMITS, limitedServer } from '../src/lib/server/http-limits.ts';
import { serveStatic } from '../src/lib/server/static-files.ts';
import { cliArgs, usage } from './lib/args.ts';

const HELP = `Usage: node scripts/static.ts [DIR=dist] [--port 4411] [--host 127.0.0.1]
  [--request-timeout-ms ${HTTP_LIMITS.requestMs}]   a request's headers must arrive within this
  [--idle-timeout-ms ${HTTP_LIMITS.idleMs}]      a connection on which nothing moves this long is closed`;
const { values, positionals } = cliArgs(
  {
    options: {
      port: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      'request-timeout-ms': { type: 'string' },
      'idle-timeout-ms': { type: 'string' },
      help: { type: 'boolean' },
    },
    allowPositionals: true,
  },
  HELP,
);
/** A whole-number flag from `min` to `max`; exits with a message naming the flag otherwise. */
const intFlag = (name: string, raw: string | undefined, fallback: number, min: number, max: number): number => {
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    usage(`${name}: expected a whole number from ${min} to ${max}, received ${JSON.stringify(raw)}`, HELP);
  return n;
};
if (positionals.length > 1) usage(`unexpected argument "${positionals[1]}": one folder to serve at most`, HELP);
const dir = path.resolve(positionals[0] ?? 'dist');
const port = intFlag('--port', values.port, 4411, 0, 65535);
const host = values.host;
const idleMs = intFlag('--idle-timeout-ms', values['idle-timeout-ms'], HTTP_LIMITS.idleMs, 100, 600_000);
const limits = {
  requestMs: intFlag('--request-timeout-ms', values['request-timeout-ms'], HTTP_LIMITS.requestMs, 100, 600_000),
  idleMs,
  keepAliveMs: Math.min(HTTP_LIMITS.keepAliveMs, idleMs),
};
const server = limitedServer((req, res) => {
  serveStatic(dir, req, res).catch((error: unknown) => {
    console.error(`${req.method} ${req.url}: ${error instanceof Error ? error.message : String(error)}`);
    if (!res.headersSent) res.writeHead(500).end();
    else res.destroy();
  });
}, limits);
server.listen(port, host, () => {
  const address = server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  console.log(`Serving ${path.relative(process.cwd(), dir) || '.'} at http://${host}:${actual}/`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
