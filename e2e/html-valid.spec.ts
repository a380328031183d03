// Every HTML page of the built demo site passes the Nu HTML Checker (the W3C's validator, vnu.jar from npm) with no
// error. It needs a Java runtime: `.ci/run` installs Debian's; elsewhere `apt-get install default-jre-headless`.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { expect, test } from '@playwright/test';

const vnuJar = createRequire(import.meta.url).resolve('vnu-jar/build/dist/vnu.jar');

interface VnuMessage {
  type: string;
  subType?: string;
  url: string;
  lastLine?: number;
  message: string;
  extract?: string;
}

test('the Nu HTML Checker finds no error in any page of the site', () => {
  test.setTimeout(180_000);
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
  expect(java.error, 'no Java runtime: install one (Debian: apt-get install default-jre-headless)').toBeUndefined();
  const run = spawnSync('java', ['-jar', vnuJar, '--errors-only', '--skip-non-html', '--format', 'json', 'dist'], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  // vnu writes its JSON report to standard error and exits 1 when it found an error.
  const report = JSON.parse(run.stderr) as { messages: VnuMessage[] };
  const errors = report.messages
    .filter((m) => m.type === 'error' || m.subType === 'fatal')
    .map((m) => `${m.url.replace(/^file:.*?\/dist\//, '')}:${m.lastLine ?? '?'}: ${m.message} (${m.extract ?? ''})`);
  expect(errors).toEqual([]);
  expect(run.status).toBe(0);
});
