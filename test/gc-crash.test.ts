// kill -9 of tuskd in the middle of a garbage collection loses nothing: every
// finished commit reads back identical after the restart, and the next
// collection completes and frees what the killed one left. Each trial makes
// garbage (a repo of many small commits, deleted), starts `gc`, and kills the
// daemon after a pseudo-random delay within the last run's duration.
// TUSK_GC_CRASH_TRIALS sets the number of trials (2 here; the closing note ran 20).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { TuskClient } from '../src/client/index.js';
import { startDaemon, type DaemonHandle } from './helpers/daemon.js';
import { readAll as read, seededBytes as bytes } from './helpers/gc-data.js';

const TRIALS = Number(process.env.TUSK_GC_CRASH_TRIALS ?? 2);



let home = '';
let daemon: DaemonHandle | undefined;
afterAll(async () => {
  await daemon?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

it(`kill -9 during gc loses no finished commit and the next gc completes (${TRIALS} trials)`, async () => {
  home = await mkdtemp(join(tmpdir(), 'tusk-gc-crash-'));
  const start = () => startDaemon({ home, env: { TUSK_RUNTIME: 'none', TUSK_GC_INTERVAL: '0' } });
  daemon = await start();
  let client = new TuskClient(daemon.address);
  await client.createRepo('keep');
  const kept: { ref: string; data: Buffer }[] = [];
  let lastMs = 50;
  let killedMidGc = 0;
  for (let t = 0; t < TRIALS; t++) {
    const data = bytes(1000 + t, 150_000);
    const res = await client.putFile('keep@master', `/t${t}`, data);
    kept.push({ ref: `keep@${res.commit!.id}:/t${t}`, data });
    await client.createRepo(`doomed${t}`);
    for (let i = 0; i < 12; i++) await client.putFile(`doomed${t}@master`, `/f${i}`, bytes(t * 100 + i, 60_000));
    // Half-dead packs too: keep shares one file with the doomed repo.
    await client.putFile('keep@master', `/shared${t}`, bytes(t * 100, 60_000));
    kept.push({ ref: `keep@master:/shared${t}`, data: bytes(t * 100, 60_000) });
    await client.deleteRepo(`doomed${t}`);

    let returned = false;
    const run = client.gc().then(
      () => (returned = true),
      () => undefined, // the daemon dies under it
    );
    const delay = ((t * 7919) % 100) / 100 * lastMs;
    await new Promise((r) => setTimeout(r, delay));
    await daemon.kill();
    await run;
    if (!returned) killedMidGc++;
    client.close();

    daemon = await start();
    client = new TuskClient(daemon.address);
    for (const k of kept) expect((await read(client.getFile(k.ref))).equals(k.data), `trial ${t}: ${k.ref}`).toBe(true);
    const before = Date.now();
    const done = await client.gc();
    lastMs = Math.max(20, Date.now() - before);
    expect(done.dryRun).toBe(false);
    expect((await client.gc(true)).bytesFreed).toBe(0);
  }
  client.close();
  console.log(`gc crash trials: ${TRIALS}, killed while gc was running: ${killedMidGc}`);
}, 30_000 + TRIALS * 15_000);
