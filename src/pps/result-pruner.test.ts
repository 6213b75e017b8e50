// Datum result retention through the pipeline system (in-memory PFS and
// metadata, fake clock): results outside the rule leave the reuse index, and
// a datum whose result was pruned runs again.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commitFiles, copyNames, openTestPps, specText, work, type TestPps } from './test-pps.js';

const HOUR = 3600_000;
let t: TestPps;
beforeEach(async () => {
  t = await openTestPps({ retention: { keepJobs: 1, keepAgeMs: HOUR } });
  await t.pfs.repos.create('data');
  await commitFiles(t, 'data@master', { '/a': '1', '/b': '2' });
});
afterEach(async () => t.close());

describe('datum result retention', () => {
  it('keeps results the newest job used or that are young, prunes the rest, and a pruned datum runs again', async () => {
    await t.pps.pipelines.create(specText('copy', { pfs: { repo: 'data', glob: '/*' } }));
    const [first] = await t.pps.listJobs('copy');
    await work(t.pps, 'copy', t.pps.jobs.wait('copy', first!.id), copyNames);
    const upload = await t.pfs.upload('data@master');
    upload.deleteFile('/a');
    await upload.putFile('/c', Buffer.from('3'));
    const second = (await upload.commit()).commit.id;
    expect((await work(t.pps, 'copy', t.pps.jobs.wait('copy', second), copyNames)).datums).toMatchObject({ processed: 1, skipped: 1 });

    const datumOf = async (job: string, path: string) => (await t.pps.listDatums('copy', job)).find((d) => d.files.some((f) => f.path === path))!.id;
    const [a, b, c] = [await datumOf(first!.id, '/a'), await datumOf(second, '/b'), await datumOf(second, '/c')];
    expect((await t.pps.results.kept()).map((r) => r.datum).sort()).toEqual([a, b, c].sort());

    t.clock.advance(2 * HOUR);
    const kept = await t.pps.results.kept();
    expect(kept.map((r) => r.datum).sort()).toEqual([b, c].sort());
    expect(kept.every((r) => r.pipeline === 'copy' && r.output)).toBe(true);
    expect(await t.pps.results.prune()).toEqual({ kept: 2, dropped: 1 });
    expect(await t.pps.results.prune()).toEqual({ kept: 2, dropped: 0 });

    const third = await commitFiles(t, 'data@master', { '/a': '1' });
    expect((await work(t.pps, 'copy', t.pps.jobs.wait('copy', third), copyNames)).datums).toMatchObject({ total: 3, processed: 1, skipped: 2 });
  });
});
