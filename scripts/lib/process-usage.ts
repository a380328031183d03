// What a whole process tree costs: wall time, CPU seconds (user + system of every process, from bash's `times`)
// and peak resident memory summed over the tree (from /proc, polled), for benchmarks that start builds which may
// run several processes at once.
import { spawn } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';

/** One process as /proc/<pid>/status describes it. */
export interface ProcStatus {
  ppid: number;
  rssKb: number;
}

/** What one command cost. `exitCode` is 128 + the signal number when a signal ended it, as in a shell. */
export interface Usage {
  exitCode: number;
  wallMs: number;
  userS: number;
  systemS: number;
  peakRssBytes: number;
  /** The last lines of its output (stdout and stderr together). */
  tail: string[];
}

/** The children's user and system CPU seconds from the output of bash's `times` (its second line). */
export function childCpuFromTimes(text: string): { userS: number; systemS: number } | undefined {
  const line = text.trim().split('\n')[1];
  const match = /^(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s$/.exec(line?.trim() ?? '');
  if (!match) return undefined;
  const [, um = '0', us = '0', sm = '0', ss = '0'] = match;
  return { userS: Number(um) * 60 + Number(us), systemS: Number(sm) * 60 + Number(ss) };
}

/** The parent and resident set size from the text of /proc/<pid>/status (kernel threads have no VmRSS: 0). */
export function procStatusFromText(text: string): ProcStatus | undefined {
  const ppid = /^PPid:\s*(\d+)/m.exec(text)?.[1];
  if (ppid === undefined) return undefined;
  return { ppid: Number(ppid), rssKb: Number(/^VmRSS:\s*(\d+) kB/m.exec(text)?.[1] ?? 0) };
}

/** The summed RSS in kB of every descendant of `root` (children, their children, ...), not counting `root`. */
export function descendantsRssKb(procs: ReadonlyMap<number, ProcStatus>, root: number): number {
  const children = new Map<number, number[]>();
  for (const [pid, { ppid }] of procs) {
    const siblings = children.get(ppid);
    if (siblings) siblings.push(pid);
    else children.set(ppid, [pid]);
  }
  let total = 0;
  const queue = [...(children.get(root) ?? [])];
  for (let pid = queue.pop(); pid !== undefined; pid = queue.pop()) {
    total += procs.get(pid)?.rssKb ?? 0;
    queue.push(...(children.get(pid) ?? []));
  }
  return total;
}

/**
 * A snapshot of every process's parent and RSS; processes that end while it is read are left out. Synchronous on
 * purpose: about 1 ms for a hundred processes, where reading them through the thread pool takes ten times longer.
 */
export function readProcs(): Map<number, ProcStatus> {
  const procs = new Map<number, ProcStatus>();
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/status`, 'utf8');
    } catch {
      continue; // it ended
    }
    const status = procStatusFromText(text);
    if (status) procs.set(Number(pid), status);
  }
  return procs;
}

const TAIL_LINES = 30;

/**
 * Runs `command` with `args` to its end and measures the whole process tree. Its output goes to `logFile` (and to
 * our stderr too with `echo`). It runs under `bash -c '…; times'`, whose `times` reports the CPU of every process
 * the command waited for; RSS is polled every `pollMs` and summed over the tree under bash.
 */
export function measure(
  command: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; logFile: string; echo?: boolean; pollMs?: number },
): Promise<Usage> {
  const script = '"$@"; code=$?; times >&3; exit $code';
  const started = performance.now();
  const child = spawn('bash', ['-c', script, 'bench', command, ...args], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  });
  const log = createWriteStream(options.logFile);
  let tail = '';
  const keep = (chunk: Buffer) => {
    log.write(chunk);
    if (options.echo) process.stderr.write(chunk);
    tail = (tail + chunk.toString('utf8')).slice(-16_384);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let times = '';
  child.stdio[3]?.on('data', (chunk: Buffer) => (times += chunk.toString('utf8')));

  let peakKb = 0;
  let polling = true;
  const poll = async () => {
    while (polling) {
      if (child.pid !== undefined) peakKb = Math.max(peakKb, descendantsRssKb(readProcs(), child.pid));
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 100));
    }
  };
  const polled = poll();

  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      const wallMs = performance.now() - started;
      polling = false;
      void finish(code, signal, wallMs);
    });
    const finish = async (code: number | null, signal: NodeJS.Signals | null, wallMs: number): Promise<void> => {
      await polled;
      await new Promise((done) => log.end(done));
      const cpu = childCpuFromTimes(times) ?? { userS: NaN, systemS: NaN };
      const exitCode = code ?? 128 + (signal === null ? 0 : constants.signals[signal]);
      resolve({
        exitCode,
        wallMs,
        ...cpu,
        peakRssBytes: peakKb * 1024,
        tail: tail.trimEnd().split('\n').slice(-TAIL_LINES),
      });
    };
  });
}
