// End to end, for Pachyderm specs brought as they are (issue 16, points 2, 3,
// 6, 7, 8 and 9): output repos written by their pipeline only, cron ticks named as
// Pachyderm names them with missed ticks caught up, links in /pfs/out to
// input files stored as those files, `pachctl next datum`, reference and pinned
// inputs, and a warning per field the local runtime does not honour. Specs
// are written as Pachyderm's docs write them (JSON camelCase, YAML snake_case).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startDaemon, type DaemonHandle } from './helpers/daemon.js';
import { tusk as run, tuskJson as runJson, expectError, type RunOptions } from './helpers/tusk-cli.js';
import { until } from './helpers/until.js';

let daemon: DaemonHandle;
const tusk = (args: string[], opts: RunOptions = {}) => run(args, { env: daemon.env, timeoutMs: 60_000, ...opts });
const tuskJson = <T = any>(args: string[], opts: RunOptions = {}) => runJson<T>(args, { env: daemon.env, timeoutMs: 60_000, ...opts });
const RFC3339 = /^\/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

beforeAll(async () => {
  daemon = await startDaemon();
});
afterAll(async () => {
  await daemon?.stop();
});


describe('output repos', () => {
  it('refuse writes from users unless --force; the pipeline writes them, storing links to inputs as the files', async () => {
    await tuskJson(['create', 'repo', 'raw']);
    await tusk(['create', 'pipeline', '-f', '-'], { input: 'pipeline:\n  name: cooked\ninput:\n  pfs:\n    repo: raw\n    glob: "/*"\ntransform:\n  cmd: [sh, -c, "ln -s $raw $TUSK_PFS/out/"]\n' });
    const id = (await tusk(['put', 'file', 'raw@master:/a.txt'], { input: 'a' })).stdout.trim();
    expect((await tusk(['wait', 'commit', `cooked@${id}`])).code).toBe(0);
    expect((await tusk(['get', 'file', 'cooked@master:/a.txt'])).stdout).toBe('a');

    const message = /cannot write to an output branch of pipeline cooked \(cooked@master\)/;
    expectError(await tusk(['put', 'file', 'cooked@master:/b.txt'], { input: 'b' }), message);
    expectError(await tusk(['start', 'commit', 'cooked@master']), message);
    expectError(await tusk(['delete', 'file', 'cooked@master:/a.txt']), message);
    expectError(await tusk(['copy', 'file', 'raw@master:/a.txt', 'cooked@master:/c.txt']), message);
    const forced = await tusk(['put', 'file', 'cooked@master:/fixed.txt', '--force'], { input: 'by hand' });
    expect(forced.code, forced.stderr).toBe(0);
    expect((await tusk(['get', 'file', 'cooked@master:/fixed.txt'])).stdout).toBe('by hand');
    await tuskJson(['delete', 'pipeline', 'cooked']);
  });
});

describe('cron, reference and pinned inputs, warnings', () => {
  it('names ticks in RFC 3339, leaves them empty and catches up the ticks missed since cron.start', async () => {
    const start = new Date(Date.now() - 150 * 60_000).toISOString(); // 2.5 hours ago: ticks at +0, +1h, +2h
    const spec = {
      pipeline: { name: 'ticker' },
      input: { cross: [{ cron: { name: 'all', spec: '@every 1h', start } }, { cron: { name: 'last', spec: '@every 1h', start, overwrite: true } }] },
      transform: { cmd: ['true'] },
    };
    await tusk(['create', 'pipeline', '-f', '-'], { input: JSON.stringify(spec) });
    const all = await until(() => tuskJson<any[]>(['list', 'file', 'ticker_all@master']), (l) => l.length === 3);
    for (const f of all) {
      expect(f.path).toMatch(RFC3339);
      expect(f.sizeBytes).toBe(0);
    }
    expect(all[0].path).toBe(`/${start.replace(/\.\d{3}Z$/, 'Z')}`);
    const last = await until(() => tuskJson<any[]>(['list', 'file', 'ticker_last@master']), (l) => l.length > 0);
    expect(last.map((f) => f.path)).toEqual([all[2].path]);
    await tuskJson(['run', 'cron', 'ticker']);
    expect((await tuskJson<any[]>(['list', 'file', 'ticker_last@master']))[0].path).toMatch(RFC3339);
    await tuskJson(['delete', 'pipeline', 'ticker']);
  });

  it('mounts a reference input whole without triggering, pins input.pfs.commit, and warns about what it ignores', async () => {
    await tuskJson(['create', 'repo', 'data']);
    await tuskJson(['create', 'repo', 'model']);
    const v1 = (await tusk(['put', 'file', 'model@master:/weights'], { input: 'v1' })).stdout.trim();
    await tusk(['put', 'file', 'model@master:/weights'], { input: 'v2' });
    const spec = {
      pipeline: { name: 'scored' },
      input: { cross: [{ pfs: { repo: 'data', glob: '/*' } }, { pfs: { repo: 'model', glob: '/*', reference: true, propagationSpec: { neverSkip: true } } }] },
      transform: { cmd: ['sh', '-c', 'cat $data /pfs/model/weights > /pfs/out/$(basename $data)'], user: 'nobody' },
      resourceLimits: { memory: '1G' },
      tolerations: [{ key: 'gpu' }],
    };
    const created = await tusk(['create', 'pipeline', '-f', '-'], { input: JSON.stringify(spec) });
    expect(created.code, created.stderr).toBe(0);
    expect(created.stderr).toMatch(/^tusk: warning: pipeline scored: transform\.user: .*nobody/m);
    expect(created.stderr).toMatch(/^tusk: warning: pipeline scored: resource_limits: /m);
    expect(created.stderr).toMatch(/^tusk: warning: pipeline scored: tolerations: Kubernetes scheduling/m);

    const id = (await tusk(['put', 'file', 'data@master:/x'], { input: 'x:' })).stdout.trim();
    expect((await tuskJson(['wait', 'job', `scored@${id}`])).datums.total).toBe(1);
    expect((await tusk(['get', 'file', 'scored@master:/x'])).stdout).toBe('x:v2');
    const jobs = (await tuskJson<any[]>(['list', 'job', '-p', 'scored'])).length;
    await tusk(['put', 'file', 'model@master:/weights'], { input: 'v3' });
    expect((await tuskJson<any[]>(['list', 'job', '-p', 'scored'])).length).toBe(jobs); // the reference starts no job
    await tuskJson(['delete', 'pipeline', 'scored']);

    const pinned = { pipeline: { name: 'pinned' }, input: { pfs: { repo: 'model', glob: '/', commit: v1 } }, transform: { cmd: ['sh', '-c', 'cp /pfs/model/weights /pfs/out/'] } };
    const made = await tuskJson(['create', 'pipeline', '-f', '-'], { input: JSON.stringify(pinned) });
    expect(made.name).toBe('pinned');
    const job = await until(() => tuskJson<any[]>(['list', 'job', '-p', 'pinned']), (l) => l.length === 1 && l[0].state === 'success');
    expect((await tusk(['get', 'file', `pinned@${job[0].id}:/weights`])).stdout).toBe('v1');
    await tusk(['put', 'file', 'model@master:/weights'], { input: 'v4' });
    expect((await tuskJson<any[]>(['list', 'job', '-p', 'pinned'])).length).toBe(1);
    const unknown = { ...pinned, pipeline: { name: 'ghost' }, input: { pfs: { repo: 'model', glob: '/', commit: '0123456789abcdef0123456789abcdef' } } };
    expectError(await tusk(['validate', 'pipeline', '-f', '-'], { input: JSON.stringify(unknown) }), /commit 0123456789abcdef0123456789abcdef not found in repo "model"/);
  });
});

describe('pachctl inside a datum', () => {
  it('answers pachctl next datum in a batching loop, maps read-only commands to tusk and refuses the rest', async () => {
    await tuskJson(['create', 'repo', 'batch']);
    const spec = [
      'pipeline:', '  name: looped', 'input:', '  pfs:', '    repo: batch', '    glob: "/*"', 'transform:',
      '  cmd: [sh, -c, \'while true; do eval "$(pachctl next datum)" || exit 1; cp "$batch" /pfs/out/; done\']', '  datum_batching: true', '',
    ].join('\n');
    expect((await tusk(['create', 'pipeline', '-f', '-'], { input: spec })).code).toBe(0);
    await tusk(['start', 'commit', 'batch@master']);
    for (const n of ['one', 'two']) await tusk(['put', 'file', `batch@master:/${n}`], { input: n });
    const id = (await tuskJson(['finish', 'commit', 'batch@master'])).id;
    expect(await tuskJson(['wait', 'job', `looped@${id}`])).toMatchObject({ state: 'success', datums: { processed: 2 } });
    expect((await tusk(['get', 'file', 'looped@master:/two'])).stdout).toBe('two');

    const pachctl = join(ROOT, 'bin/sandbox/pachctl');
    const listed = spawnSync(process.execPath, [pachctl, 'list', 'repo', '-o', 'json'], { env: daemon.env });
    expect(JSON.parse(listed.stdout.toString()).map((r: any) => r.name)).toContain('batch');
    const refused = spawnSync(process.execPath, [pachctl, 'delete', 'repo', 'batch'], { env: daemon.env });
    expect(refused.status).toBe(2);
    expect(refused.stderr.toString()).toMatch(/not available inside a Tusk datum/);
    await tuskJson(['delete', 'pipeline', 'looped']);
  });
});
