// Garbage collection through a real daemon, on local disk and on s3rver: a
// deleted repo's unique bytes leave the object store at the first `tusk gc`
// (no waiting period), content it shared with another repo stays and reads
// back identical, `inspect repo` and `gc --dry-run` say beforehand what will
// be freed; and collections in a loop while four writers commit, an S3
// multipart upload runs and (on local disk, where workers run) a pipeline's
// jobs run and reuse kept datum results lose nothing: every finished commit of
// the writers', the pipeline's input and output repos reads back identical and
// `tusk fsck` finds no damage. TUSK_GC_TEST_MB sets the size (20 MB here; the bench uses 100).
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, GetObjectCommand, ListObjectsV2Command, UploadPartCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PpsClient, TuskClient } from '../src/client/index.js';
import { startDaemon, type DaemonHandle } from './helpers/daemon.js';
import { readAll as read, seededBytes as bytes } from './helpers/gc-data.js';
import { KEY_ID, SECRET, sdkClient } from './helpers/s3-gateway.js';
import { startS3rver, type S3rverHandle } from './helpers/s3rver.js';
import { tusk } from './helpers/tusk-cli.js';

const MB = Number(process.env.TUSK_GC_TEST_MB ?? 20);



async function duBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    total += e.isDirectory() ? await duBytes(p) : (await stat(p)).size;
  }
  return total;
}

for (const backend of ['local', 's3rver'] as const) {
  describe(`gc on ${backend}`, () => {
    let daemon: DaemonHandle;
    let s3: S3rverHandle | undefined;
    let bucket = '';
    let client: TuskClient;

    beforeAll(async () => {
      // Workers (runtime local) only on local disk: one pipeline run beside the collections is enough.
      const env: Record<string, string> = { TUSK_RUNTIME: backend === 'local' ? 'local' : 'none', TUSK_GC_INTERVAL: '0', TUSK_S3_ACCESS_KEY_ID: KEY_ID, TUSK_S3_SECRET_ACCESS_KEY: SECRET };
      if (backend === 's3rver') {
        s3 = await startS3rver();
        bucket = await s3.createBucket();
        daemon = await startDaemon({ storage: `s3://${bucket}/tusk?endpoint=${encodeURIComponent(s3.endpoint)}&region=${s3.region}`, env: { ...s3.env, ...env } });
      } else daemon = await startDaemon({ env });
      client = new TuskClient(daemon.address);
    });

    afterAll(async () => {
      client?.close();
      await daemon?.stop();
      await s3?.stop();
    });

    /** What the object store holds now, in bytes (the files under objects/, or the bucket's objects). */
    async function storeBytes(): Promise<number> {
      if (!s3) return duBytes(join(daemon.home, 'objects'));
      let total = 0;
      let token: string | undefined;
      do {
        const page = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
        for (const o of page.Contents ?? []) total += o.Size ?? 0;
        token = page.NextContinuationToken;
      } while (token);
      return total;
    }

    it(`frees a deleted repo's ${MB} MB at once and keeps what it shared`, async () => {
      const shared = bytes(1, 3 * 1024 * 1024);
      const own = bytes(2, MB * 1024 * 1024);
      await client.createRepo('keep');
      await client.createRepo('big');
      await client.putFile('keep@master', '/shared.bin', shared);
      await client.putFile('big@master', '/own.bin', own);
      await client.putFile('big@master', '/copy-of-shared.bin', shared);

      const big = await client.inspectRepo('big');
      expect(big.uniqueBytes).toBeGreaterThanOrEqual(own.length);
      expect(big.uniqueBytes).toBeLessThan(own.length + shared.length / 2);
      expect(big.storedBytes).toBeGreaterThanOrEqual(own.length + shared.length);
      const json = JSON.parse((await tusk(['inspect', 'repo', 'big', '-o', 'json'], { env: daemon.env })).stdout);
      expect(json).toMatchObject({ name: 'big', sizeBytes: own.length + shared.length, storedBytes: big.storedBytes, uniqueBytes: big.uniqueBytes });

      const before = await storeBytes();
      await client.deleteRepo('big');
      const dry = JSON.parse((await tusk(['gc', '--dry-run', '-o', 'json'], { env: daemon.env })).stdout);
      expect(dry.dryRun).toBe(true);
      expect(dry.bytesFreed).toBeGreaterThanOrEqual(0.95 * big.uniqueBytes);
      expect(await storeBytes()).toBe(before);

      const run = await tusk(['gc'], { env: daemon.env });
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^Freed: /m);
      const after = await storeBytes();
      expect(before - after).toBeGreaterThanOrEqual(0.95 * big.uniqueBytes);
      expect(before - after).toBeLessThan(big.uniqueBytes + shared.length / 2);
      expect((await read(client.getFile('keep@master:/shared.bin'))).equals(shared)).toBe(true);
      expect((await client.gc()).bytesFreed).toBe(0);
    });

    it('loses nothing while gc runs in a loop beside 4 writers and a multipart upload', async () => {
      const gateway = sdkClient(daemon);
      await client.createRepo('mp');
      await client.createBranch('mp@master');
      const finished: { ref: string; data: Buffer }[] = [];
      let stop = false;
      let runs = 0;
      const loop = (async () => {
        while (!stop) {
          await client.gc();
          runs++;
        }
      })();
      const writer = async (w: number) => {
        await client.createRepo(`w${w}`);
        for (let i = 0; i < 6; i++) {
          const data = bytes(100 + w * 10 + i, 200_000 + i * 1000);
          const res = await client.putFile(`w${w}@master`, `/f${i}`, data);
          finished.push({ ref: `w${w}@${res.commit!.id}:/f${i}`, data });
          // Garbage for the loop to collect while the others write: a scratch repo's commit, deleted right away.
          if (i % 3 === 0) {
            await client.createRepo(`scratch${w}x${i}`);
            await client.putFile(`scratch${w}x${i}@master`, '/garbage', bytes(500 + w * 10 + i, 100_000));
            await client.deleteRepo(`scratch${w}x${i}`);
          }
        }
      };
      const multipart = async () => {
        const parts = [bytes(900, 300_000), bytes(901, 300_000), bytes(902, 1000)];
        const up = await gateway.send(new CreateMultipartUploadCommand({ Bucket: 'master.mp', Key: 'joined.bin' }));
        const etags: string[] = [];
        for (let n = 0; n < parts.length; n++) {
          const r = await gateway.send(new UploadPartCommand({ Bucket: 'master.mp', Key: 'joined.bin', UploadId: up.UploadId, PartNumber: n + 1, Body: parts[n] }));
          etags.push(r.ETag!);
          while (runs < 2 * (n + 1)) await new Promise((r) => setTimeout(r, 20)); // a few collections see the part only in its record
        }
        await gateway.send(new CompleteMultipartUploadCommand({ Bucket: 'master.mp', Key: 'joined.bin', UploadId: up.UploadId, MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) } }));
        return Buffer.concat(parts);
      };
      // A pipeline copying each input file (glob /*): every commit sets off a job; unchanged files'
      // datums reuse kept results (gc roots), changed and new ones run in workers while collections run.
      const pipelineCommits: { id: string; files: Map<string, Buffer> }[] = [];
      const pipeline = async () => {
        if (backend !== 'local') return;
        const pps = new PpsClient(daemon.address);
        try {
          await client.createRepo('gcin');
          const spec = ['pipeline:', '  name: gcout', 'transform:', '  cmd: ["sh", "-c", "cp /pfs/gcin/* /pfs/out/"]', 'input:', '  pfs:', '    repo: gcin', '    glob: "/*"'].join('\n') + '\n';
          await pps.createPipeline(spec);
          const files = new Map<string, Buffer>();
          for (let i = 0; i < 5; i++) {
            // Commit i adds /in{i}; from commit 2 on it also rewrites /in0, so /in0's old results turn to garbage.
            const changed = new Map([[`/in${i}`, bytes(700 + i, 150_000 + i * 100)]]);
            if (i >= 2) changed.set('/in0', bytes(800 + i, 120_000));
            const writer = await client.modifyFile('gcin@master');
            for (const [path, data] of changed) {
              await writer.putFile(path, data);
              files.set(path, data);
            }
            const id = (await writer.close()).commit!.id;
            await client.inspectCommitSet(id, true);
            pipelineCommits.push({ id, files: new Map(files) });
          }
        } finally {
          pps.close();
        }
      };
      let joined: Buffer;
      try {
        [joined] = await Promise.all([multipart(), pipeline(), ...[0, 1, 2, 3].map(writer)]);
      } finally {
        stop = true;
        await loop;
      }
      await client.gc();
      for (const { id, files } of pipelineCommits) {
        for (const repo of ['gcin', 'gcout']) {
          const paths: string[] = [];
          for await (const f of client.listFile(`${repo}@${id}`)) paths.push(f.path);
          expect(paths.sort(), `${repo}@${id}`).toEqual([...files.keys()].sort());
          for (const [path, data] of files) expect((await read(client.getFile(`${repo}@${id}:${path}`))).equals(data), `${repo}@${id}:${path}`).toBe(true);
        }
      }
      if (backend === 'local') expect(pipelineCommits).toHaveLength(5);
      const fsck = await tusk(['fsck', '-o', 'json'], { env: daemon.env });
      expect(JSON.parse(fsck.stdout).problems).toEqual([]);
      expect(fsck.code, fsck.stderr).toBe(0);
      for (const f of finished) expect((await read(client.getFile(f.ref))).equals(f.data), f.ref).toBe(true);
      expect((await read(client.getFile('mp@master:/joined.bin'))).equals(joined)).toBe(true);
      const viaS3 = await gateway.send(new GetObjectCommand({ Bucket: 'master.mp', Key: 'joined.bin' }));
      expect(Buffer.from(await viaS3.Body!.transformToByteArray()).equals(joined)).toBe(true);
      gateway.destroy();
    });
  });
}
