// The local runtime with real processes: a worker whose file does not parse
// never comes up, and after a few starts in a row the pipeline's trouble
// names Node's own SyntaxError; once the file is mended and a start stays up,
// the trouble is cleared. Short crash-loop rule and back-off to keep it quick.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalRuntime } from './local-runtime.js';

const STAYS_UP = "process.stdin.resume(); process.stdin.on('end', () => process.exit(0));\n";

let dir = '';
let runtime: LocalRuntime | undefined;
afterEach(async () => {
  await runtime?.stopAll();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function until(ok: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('LocalRuntime: starts that never come up', () => {
  it("reports the pipeline's trouble with the worker's own error, and clears it once a start stays up", async () => {
    dir = await mkdtemp(join(tmpdir(), 'tusk-local-runtime-'));
    const worker = join(dir, 'worker.mjs');
    const sidecar = join(dir, 'sidecar.mjs');
    await writeFile(worker, 'this is not javascript(\n');
    await writeFile(sidecar, STAYS_UP);
    const trouble: string[] = [];
    const lost: string[] = [];
    runtime = new LocalRuntime({
      home: join(dir, 'home'),
      address: () => '127.0.0.1:1',
      onLost: (_p, w, reason) => lost.push(`${w}: ${reason}`),
      onTrouble: (pipeline, reason) => trouble.push(`${pipeline}|${reason}`),
      log: () => {},
      startIntervalMs: 1,
      restartDelayMs: 20,
      crashLoop: { earlyExitMs: 1500, inARow: 3 },
      entries: { worker, sidecar },
    });
    await runtime.ensure('broken', 1);

    await until(() => trouble.length > 0, 'the trouble report');
    expect(lost.length).toBeGreaterThanOrEqual(3); // each failed start was a lost worker first
    const [pipeline, reason] = trouble[0]!.split('|');
    expect(pipeline).toBe('broken');
    expect(reason).toMatch(/^its worker process exited \(code 1\) within 1.5 s of its start, 3 starts in a row: SyntaxError: Unexpected identifier 'is' \(log: .*broken-0\.worker\.log\)$/);
    expect(runtime.workers('broken').map((w) => w.state)).toContain('failing');

    await writeFile(worker, STAYS_UP); // mended: the next start stays up
    await until(() => trouble.at(-1) === 'broken|', 'the trouble to clear');
    expect(runtime.workers('broken').map((w) => w.state)).toEqual(['running']);
    expect(runtime.running('broken')).toBe(1);
  }, 40_000);
});
