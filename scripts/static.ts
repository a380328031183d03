// Serves a built site directory on loopback: `node scripts/static.ts [dir] [--port N]`. Used by the browser tests.
import { createServer } from 'node:http';
import path from 'node:path';
import { serveStatic } from './lib/static-files.ts';

const args = process.argv.slice(2);
if (args.includes('--help')) {
  console.log('Usage: node scripts/static.ts [DIR=dist] [--port 4411] [--host 127.0.0.1]');
  process.exit(0);
}
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const dir = path.resolve(args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--')) ?? 'dist');
const port = Number(flag('--port') ?? 4411);
const host = flag('--host') ?? '127.0.0.1';
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port: expected a port number, received ${JSON.stringify(flag('--port'))}`);
  process.exit(1);
}
const server = createServer((req, res) => {
  serveStatic(dir, req, res).catch((error: unknown) => {
    console.error(error);
    if (!res.headersSent) res.writeHead(500).end();
  });
});
server.listen(port, host, () => console.log(`Serving ${path.relative(process.cwd(), dir) || '.'} at http://${host}:${port}/`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
