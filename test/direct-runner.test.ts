// The direct runner (worker/direct-runner.ts) through the built Sandbox under
// bubblewrap: runs on the held output pipes go straight from the worker to the
// perl process, which does all of the run itself. These check what the Node
// runner guaranteed for such a run, now that it has no part in it: output and
// exit code, a signal apart from exit code 128+n, the datum timeout, a kill,
// the spawn error, the working folder and its fallback, stdin text, each
// run's own environment, the memory limit and the CPU used; and that a datum
// runs while the Node runner is stopped (it is not on the datum's path).
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunOptions, Sandbox } from '../worker/sandbox.js';
import { bwrapUsable } from './helpers/worker-processes.js';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const usable = bwrapUsable() === true;
let dir: string;
let sandbox: Sandbox;
const logged: { event: string; fields: unknown }[] = [];

beforeAll(async () => {
  if (!usable) return;
  dir = await mkdtemp(join(tmpdir(), 'tusk-direct-'));
  await mkdir(join(dir, 'pfs', 'out'), { recursive: true });
  await mkdir(join(dir, 'sock'));
  const { Sandbox } = (await import(join(ROOT, 'dist/worker/sandbox.js'))) as typeof import('../worker/sandbox.js');
  const log = { log: (_level: string, event: string, fields?: unknown) => void logged.push({ event, fields }) };
  sandbox = await Sandbox.start({ mode: 'bwrap', pfs: join(dir, 'pfs'), socketDir: join(dir, 'sock'), packageRoot: ROOT, log: log as never, onDeath: () => {} });
}, 30_000);
afterAll(async () => {
  sandbox?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function run(o: Partial<RunOptions> & { cmd: string[] }, during?: (kill: () => void) => void) {
  const out: string[] = [];
  const err: string[] = [];
  const h = sandbox.run({ env: { PATH: '/usr/bin:/bin' }, stdin: null, cwd: '/', cwdRequired: false, timeoutMs: 0, ...o }, (s, d) => (s === 'stdout' ? out : err).push(d));
  during?.(() => h.kill());
  const r = await h.done;
  return { ...r, out: out.join(''), err: err.join('') };
}

describe.skipIf(!usable)('the direct runner', () => {
  test('the sandbox starts it', () => {
    expect(logged.find((l) => l.event === 'sandbox_started')?.fields).toMatchObject({ directRunner: true });
  });

  test('output, exit codes, and a signal apart from exit code 128+n', async () => {
    expect(await run({ cmd: ['sh', '-c', 'echo out; echo err >&2; exit 3'] })).toMatchObject({ code: 3, signal: null, timedOut: false, out: 'out\n', err: 'err\n' });
    expect(await run({ cmd: ['sh', '-c', 'exit 137'] })).toMatchObject({ code: 137, signal: null });
    expect(await run({ cmd: ['sh', '-c', 'kill -9 $$'] })).toMatchObject({ code: null, signal: 'SIGKILL', timedOut: false });
  });

  test('the datum timeout and a kill end the whole process group', async () => {
    const timed = await run({ cmd: ['sh', '-c', 'sleep 30 & sleep 30'], timeoutMs: 300 });
    expect(timed).toMatchObject({ code: null, signal: 'SIGKILL', timedOut: true });
    const killed = await run({ cmd: ['sh', '-c', 'echo going; sleep 30'] }, (kill) => setTimeout(kill, 300));
    expect(killed).toMatchObject({ code: null, signal: 'SIGKILL', timedOut: false, out: 'going\n' });
    // Nothing of either is left: soon after, a run sees no live sleep in the sandbox. A killed
    // one may wait a moment as a zombie for the namespace's init, or still be on its way out
    // on a loaded machine (CI stop 28 saw one), so this looks again for up to 5 s; a sleep
    // that was not killed would live 30 s.
    const liveSleeps = async () => (await run({ cmd: ['sh', '-c', 'cat /proc/[0-9]*/stat 2>/dev/null | awk \'$2 == "(sleep)" && $3 != "Z"\' | wc -l'] })).out.trim();
    let left = await liveSleeps();
    for (const end = Date.now() + 5000; left !== '0' && Date.now() < end; left = await liveSleeps()) await new Promise((r) => setTimeout(r, 100));
    expect(left).toBe('0');
  });

  test('a program that cannot be started, a missing working folder, and stdin text', async () => {
    expect(await run({ cmd: ['no-such-program'] })).toMatchObject({ code: null, error: 'spawn no-such-program ENOENT' });
    expect(await run({ cmd: ['pwd'], cwd: '/no/such', cwdRequired: true })).toMatchObject({ code: null, error: 'working directory /no/such does not exist' });
    expect(await run({ cmd: ['pwd'], cwd: '/no/such' })).toMatchObject({ code: 0, out: '/\n' });
    expect(await run({ cmd: ['pwd'], cwd: '/usr' })).toMatchObject({ code: 0, out: '/usr\n' });
    expect(await run({ cmd: ['cat'], stdin: 'line 1\nline 2\n' })).toMatchObject({ code: 0, out: 'line 1\nline 2\n' });
    expect(await run({ cmd: ['sh', '-c', 'echo "$A"'], env: { PATH: '/usr/bin:/bin', A: 'é b=c' } })).toMatchObject({ code: 0, out: 'é b=c\n' });
  });

  test('each run gets its own environment, whole: none of the run before is left, a changed value is the new one', async () => {
    const show = ['sh', '-c', 'echo "${A-unset}|${B-unset}|${C-unset}"'];
    expect(await run({ cmd: show, env: { PATH: '/usr/bin:/bin', A: '1', B: '2' } })).toMatchObject({ code: 0, out: '1|2|unset\n' });
    expect(await run({ cmd: show, env: { PATH: '/usr/bin:/bin', A: '3', C: '' } })).toMatchObject({ code: 0, out: '3|unset|\n' });
    expect(await run({ cmd: ['sh', '-c', 'env | grep -c .'], env: { PATH: '/usr/bin:/bin' } })).toMatchObject({ code: 0, out: '2\n' });
  });

  test('the memory limit applies, and the CPU and memory used are measured', async () => {
    expect(await run({ cmd: ['sh', '-c', 'ulimit -v'], memoryLimitBytes: 512 * 1024 * 1024 })).toMatchObject({ code: 0, out: '524288\n' });
    const busy = await run({ cmd: ['sh', '-c', 'i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; sleep 0.2'] });
    expect(busy.code).toBe(0);
    expect(busy.usage!.cpuMs).toBeGreaterThan(0);
    expect(busy.usage!.peakMemoryBytes).toBeGreaterThan(0);
  });

  test('a datum runs while the Node runner is stopped: it is not on the datum’s path', async () => {
    // The code's parent is the direct runner, whose parent is the Node runner.
    const runner = 'awk \'{print $4}\' /proc/$PPID/stat';
    expect(await run({ cmd: ['sh', '-c', `kill -STOP $(${runner})`] })).toMatchObject({ code: 0 });
    try {
      const during = await Promise.race([run({ cmd: ['echo', 'while stopped'] }), new Promise((resolve) => setTimeout(() => resolve('no answer'), 10_000))]);
      expect(during).toMatchObject({ code: 0, out: 'while stopped\n' });
    } finally {
      await run({ cmd: ['sh', '-c', `kill -CONT $(${runner})`] });
    }
  }, 30_000);
});
