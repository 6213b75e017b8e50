// One tuskd per home: a second daemon started on a home in use refuses to
// start and says why, and the first one keeps serving.
import { afterAll, describe, expect, it } from 'vitest';
import { healthy, startDaemon, type DaemonHandle } from './helpers/daemon.js';

describe('a home in use', () => {
  let first: DaemonHandle | undefined;
  afterAll(async () => {
    await first?.stop();
  });

  it('makes a second tuskd on it exit with one line naming the home, and the first keeps serving', async () => {
    first = await startDaemon();
    const second = await startDaemon({ home: first.home }).then(
      (d) => d.stop({ keepHome: true }).then(() => 'started'),
      (err: Error) => err.message,
    );
    expect(second).toContain(`another tuskd is already using ${first.home}`);
    expect(await healthy(first.httpPort)).toBe(true);
  });
});
