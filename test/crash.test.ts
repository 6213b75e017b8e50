// A daemon killed (SIGKILL) while uploads are in flight, restarted on the
// same home: every commit it reported finished reads back bit-identical, the
// interrupted open commit is intact or cleanly gone, and writes work again.
import { createHash, randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { TuskClient } from '../src/client/index.js';
import { startDaemon, type DaemonHandle } from './helpers/daemon.js';

const daemons: DaemonHandle[] = [];
afterAll(async () => {
  for (const d of daemons) await d.stop({ keepHome: true }).catch(() => undefined);
  if (daemons[0]) await rm(daemons[0].home, { recursive: true, force: true });
});

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function read(client: TuskClient, file: string): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const p of client.getFile(file)) parts.push(p);
  return Buffer.concat(parts);
}

async function filesOf(client: TuskClient, ref: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const f of client.globFile(ref, '/**')) if (f.type === 'file') out[f.path] = sha(await read(client, `${ref}:${f.path}`));
  return out;
}

/**
 * Pieces of a large random file, produced as they are sent (never whole in memory); `onPiece` sees each.
 * Once `holdAfter` bytes are sent it waits for `held` before each further piece.
 */
async function* randomStream(bytes: number, hash: ReturnType<typeof createHash>, onPiece: (sent: number) => void, holdAfter = Infinity, held: Promise<void> = Promise.resolve()) {
  for (let sent = 0; sent < bytes; ) {
    const piece = randomBytes(Math.min(1 << 20, bytes - sent));
    hash.update(piece);
    sent += piece.length;
    yield piece;
    onPiece(sent);
    if (sent >= holdAfter) await held;
  }
}

interface Finished {
  commit: string;
  files: Record<string, string>;
}

describe('a daemon killed during uploads', () => {
  it('keeps every finished commit bit-identical and the open commit intact or gone, and takes new writes', async () => {
    let daemon = await startDaemon();
    daemons.push(daemon);
    const home = daemon.home;
    let client = new TuskClient(daemon.address);
    await client.createRepo('crash');
    const base = randomBytes(100_000);
    const first = await client.putFile('crash@master', '/base.bin', base);
    const finished: Finished[] = [{ commit: first.commit!.id, files: { '/base.bin': sha(base) } }];

    let open = await client.startCommit('crash@master');
    const kept = randomBytes(300_000);
    await client.putFile(`crash@${open.id}`, '/open/kept.bin', kept);
    let openFiles: Record<string, string> = { '/base.bin': sha(base), '/open/kept.bin': sha(kept) };

    // Three rounds, each killing the daemon at a different point of the uploads.
    for (const [round, killAfter] of [4 << 20, 20 << 20, 40 << 20].entries()) {
      let stop = false;
      let bigSent = 0;
      let smallCommits = 0;
      let mediumCommits = 0;
      const record = (res: { commit?: { id: string; finished: string } }, files: Record<string, string>) => {
        expect(res.commit!.finished).not.toBe(''); // put file without an open commit finishes the commit it makes
        finished.push({ commit: res.commit!.id, files });
      };
      // Commits of many small files on one branch, one after another.
      const small = (async () => {
        for (let n = 0; !stop; n++) {
          const files: Record<string, string> = {};
          const w = await client.modifyFile('crash@small');
          for (let i = 0; i < 50; i++) {
            const data = randomBytes(100 + ((n * 50 + i) % 3000));
            files[`/r${round}/s${n}/f${i}.bin`] = sha(data);
            await w.putFile(`/r${round}/s${n}/f${i}.bin`, data);
          }
          record(await w.close(), files);
          smallCommits++;
        }
      })().catch(() => undefined);
      // Commits of one streamed 3 MiB file each on another branch.
      const medium = (async () => {
        for (let n = 0; !stop; n++) {
          const hash = createHash('sha256');
          const res = await client.putFile('crash@medium', `/r${round}/m${n}.bin`, randomStream(3 << 20, hash, () => {}));
          record(res, { [`/r${round}/m${n}.bin`]: hash.digest('hex') });
          mediumCommits++;
        }
      })().catch(() => undefined);
      // One large file streaming into the open commit, still in flight when the daemon dies: past killAfter
      // bytes it waits for the kill (on a fast machine it could otherwise end before the other writers are far enough).
      let killed!: () => void;
      const afterKill = new Promise<void>((resolve) => (killed = resolve));
      const big = client.putFile(`crash@${open.id}`, '/open/big.bin', randomStream(256 << 20, createHash('sha256'), (n) => (bigSent = n), killAfter, afterKill)).catch((err) => err);

      while (bigSent < killAfter || smallCommits < round + 1 || mediumCommits < 1) await new Promise((r) => setTimeout(r, 10));
      await daemon.kill();
      stop = true;
      killed();
      // The writer in flight learns the daemon is gone, in one line.
      const bigErr = await big;
      expect(bigErr.code).toBe('DaemonUnavailable');
      expect(bigErr.message).toMatch(/^cannot reach tuskd: .+ \(is it running\? try `tusk up`\)$/);
      await Promise.all([small, medium]);
      client.close();

      daemon = await startDaemon({ home });
      daemons.push(daemon);
      client = new TuskClient(daemon.address);
      // Every commit reported finished, bit for bit.
      for (const f of finished) {
        const commit = await client.inspectCommit(`crash@${f.commit}`);
        expect(commit.finished).not.toBe('');
        for (const [path, hash] of Object.entries(f.files)) expect(sha(await read(client, `crash@${f.commit}:${path}`))).toBe(hash);
      }
      // Branches written only by put file never hold an open commit, even one cut short.
      for (const branch of ['small', 'medium']) expect((await client.inspectCommit(`crash@${branch}`)).finished).not.toBe('');
      // The open commit: intact (still open, exactly what was written to it) or gone.
      const state = await client.inspectCommit(`crash@${open.id}`).then(
        (c) => c,
        (err) => err as { code?: string; message?: string },
      );
      if ('id' in state) {
        expect(state.finished).toBe('');
        expect(await filesOf(client, `crash@${open.id}`)).toEqual(openFiles);
      } else {
        expect(state.code).toBe('CommitNotFound');
        expect(state.message).toBe(`commit "${open.id}" not found in repo "crash"`);
        open = await client.startCommit('crash@master');
        openFiles = await filesOf(client, `crash@${open.id}`);
      }
    }
    expect(finished.length).toBeGreaterThanOrEqual(10);

    // New writes work: into the open commit, which then finishes, and on the other branches.
    const more = randomBytes(2 << 20);
    await client.putFile(`crash@${open.id}`, '/after.bin', more);
    const done = await client.finishCommit(`crash@${open.id}`);
    expect(await filesOf(client, `crash@${done.id}`)).toEqual({ ...openFiles, '/after.bin': sha(more) });
    const s = await client.putFile('crash@small', '/after-small.txt', Buffer.from('after the crash'));
    expect((await read(client, `crash@${s.commit!.id}:/after-small.txt`)).toString()).toBe('after the crash');
    client.close();
    // Several kill-and-restart rounds of real uploads: on the S3 project (s3rver) under a loaded CI machine this
    // outlasts the 60 s default.
  }, 240_000);
});
