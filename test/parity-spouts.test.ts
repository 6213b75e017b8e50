// End to end, for Pachyderm's spouts (issue 16, point 4) against a real tuskd
// with real workers: a spout's one long-running process commits with
// `pachctl put file` as Pachyderm 2 code does, each commit runs the pipeline
// below it, the process is restarted when it exits (with a back-off, seen in
// `tusk logs`), and `spout.overwrite` replaces the output instead of adding to
// it. Specs are written as Pachyderm's docs write them (JSON in camelCase,
// YAML in snake_case).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type DaemonHandle } from './helpers/daemon.js';
import { specDir, type SpecDir } from './helpers/spec-dir.js';
import { tusk as run, tuskJson as runJson, type RunOptions } from './helpers/tusk-cli.js';
import { until } from './helpers/until.js';

let daemon: DaemonHandle;
let specs: SpecDir;
const tusk = (args: string[], opts: RunOptions = {}) => run(args, { env: daemon.env, timeoutMs: 60_000, ...opts });
const tuskJson = <T = any>(args: string[], opts: RunOptions = {}) => runJson<T>(args, { env: daemon.env, timeoutMs: 60_000, ...opts });

beforeAll(async () => {
  daemon = await startDaemon();
  specs = await specDir('tusk-spout-');
}, 60_000);

afterAll(async () => {
  await daemon?.stop();
  await specs?.remove();
});

const specFile = (name: string, text: string) => specs.write(name, text);

describe('spouts', { timeout: 150_000 }, () => {
  it('commits with pachctl put file, runs the pipeline below on each commit, and is restarted when it exits', async () => {
    // Two commits per run, then a crash: the worker runs the code again after a back-off.
    const script = 'for i in 1 2; do echo "event $i" | pachctl put file events@master:/$(date +%s%N) -f - || exit 9; echo "sent $i"; done; exit 3';
    const spout = await tuskJson(['create', 'pipeline', '-f', await specFile('events.json', JSON.stringify({ pipeline: { name: 'events' }, spout: {}, transform: { cmd: ['sh', '-c', script] } }))]);
    expect(spout.type).toBe('spout');
    const below = ['pipeline:', '  name: tally', 'input:', '  pfs: {repo: events, glob: /}', 'transform:', '  cmd: [sh, -c, "ls /pfs/events | wc -l | tr -d \' \' > /pfs/out/count"]'].join('\n');
    await tuskJson(['create', 'pipeline', '-f', await specFile('tally.yaml', below)]);

    const commits = await until(() => tuskJson<any[]>(['list', 'commit', 'events@master']), (l) => l.length >= 3);
    const logs = await until(async () => (await tusk(['logs', '-p', 'events'])).stdout, (text) => /spout restarted \(run 2\)/.test(text));
    expect(logs).toMatch(/sent 1/);
    expect(logs).toMatch(/spout exited \(exit code 3\); restarting in 0\.5s/);
    const inspected = await tuskJson(['inspect', 'pipeline', 'events']);
    expect([inspected.type, inspected.state]).toEqual(['spout', 'running']);

    // The pipeline below ran on the spout's commits: its output for the third commit counts three files.
    const third = commits[commits.length - 3].id;
    const out = await tuskJson(['wait', 'commit', `tally@${third}`]);
    expect(out.finished).not.toBeNull();
    expect((await tusk(['get', 'file', `tally@${third}:/count`])).stdout).toBe('3\n');

    const stopped = await tuskJson(['stop', 'pipeline', 'events']);
    expect(stopped.state).toBe('paused');
    expect((await tuskJson(['inspect', 'pipeline', 'events'])).workers).toBe(0);
  });

  it('with spout.overwrite, each commit replaces the output repo\'s content', async () => {
    const script = 'echo first | pachctl put file latest@master:/first -f -; echo second | pachctl put file latest@master:/second -f -; echo done; exec sleep 600';
    await tuskJson(['create', 'pipeline', '-f', await specFile('latest.json', JSON.stringify({ pipeline: { name: 'latest' }, spout: { overwrite: true }, transform: { cmd: ['sh', '-c', script] } }))]);
    await until(async () => (await tusk(['logs', '-p', 'latest'])).stdout, (text) => /\bdone\b/.test(text));
    const files = await tuskJson<any[]>(['list', 'file', 'latest@master']);
    expect(files.map((f) => f.path)).toEqual(['/second']);
    expect(await tuskJson<any[]>(['list', 'commit', 'latest@master'])).toHaveLength(2);
    expect((await tusk(['delete', 'pipeline', 'latest'])).code).toBe(0);
    expect((await tusk(['inspect', 'pipeline', 'latest'])).code).toBe(1);
  });
});
