// End to end, for Pachyderm's S3-enabled pipelines (issue 16, point 5):
// input.pfs.s3 and s3_out served by the sidecar as the buckets `<input>` and
// `out`, read and written with `aws s3 cp` exactly as Pachyderm's docs
// example does. Its own file (and daemon) so it runs beside
// parity-sandbox.test.ts: the aws CLI is slow to start.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type DaemonHandle } from './helpers/daemon.js';
import { tusk as run, tuskJson as runJson, expectError, type RunOptions } from './helpers/tusk-cli.js';

let daemon: DaemonHandle;
const tusk = (args: string[], opts: RunOptions = {}) => run(args, { env: daemon.env, timeoutMs: 60_000, ...opts });
const tuskJson = <T = any>(args: string[], opts: RunOptions = {}) => runJson<T>(args, { env: daemon.env, timeoutMs: 60_000, ...opts });

beforeAll(async () => {
  daemon = await startDaemon();
});
afterAll(async () => {
  await daemon?.stop();
});

describe('input.pfs.s3 and s3_out', () => {
  it.skipIf(!existsSync('/usr/bin/aws'))('serves the input and the output as S3 buckets that `aws s3 cp` reads and writes, as in Pachyderm\'s example', async () => {
    await tuskJson(['create', 'repo', 'labresults']);
    await tusk(['put', 'file', 'labresults@master:/t1/result.csv'], { input: 'patient,value\n1,42\n' });
    // Pachyderm's S3-enabled pipeline example, as its docs write it, plus a 9 MiB file the code
    // makes, which `aws s3 cp` sends as a multipart upload (its threshold is 8 MiB).
    const spec = {
      pipeline: { name: 's3_protocol_enabled_pipeline' },
      input: { pfs: { glob: '/', repo: 'labresults', name: 'labresults', s3: true } },
      transform: {
        cmd: ['sh'],
        stdin: ['set -x && mkdir -p /tmp/result && aws --endpoint-url $S3_ENDPOINT s3 ls && aws --endpoint-url $S3_ENDPOINT s3 cp s3://labresults/ /tmp/result/ --recursive && yes tusk | head -c 9437184 > /tmp/result/big.txt && aws --endpoint-url $S3_ENDPOINT s3 cp /tmp/result/ s3://out --recursive'],
        image: 'pachyderm/ubuntu-with-s3-clients:v0.0.1',
      },
      s3_out: true,
    };
    const created = await tusk(['create', 'pipeline', '-f', '-'], { input: JSON.stringify(spec) });
    expect(created.code, created.stderr).toBe(0);
    const job = (await tuskJson<any[]>(['list', 'job', '-p', 's3_protocol_enabled_pipeline']))[0];
    const waited = await tusk(['wait', 'job', `s3_protocol_enabled_pipeline@${job.id}`]);
    expect(waited.code, waited.stderr + (await tusk(['logs', '-p', 's3_protocol_enabled_pipeline'])).stdout).toBe(0);
    expect((await tusk(['get', 'file', 's3_protocol_enabled_pipeline@master:/t1/result.csv'])).stdout).toBe('patient,value\n1,42\n');
    const big = (await tusk(['get', 'file', 's3_protocol_enabled_pipeline@master:/big.txt'], { timeoutMs: 120_000 })).stdout;
    expect(big.length).toBe(9437184);
    expect(big).toBe('tusk\n'.repeat(9437184 / 5 + 1).slice(0, 9437184));

    const wrongGlob = { ...spec, pipeline: { name: 'globbed' }, input: { pfs: { glob: '/*', repo: 'labresults', s3: true } } };
    expectError(await tusk(['create', 'pipeline', '-f', '-'], { input: JSON.stringify(wrongGlob) }), /its glob must be "\/"/);
    await tuskJson(['delete', 'pipeline', 's3_protocol_enabled_pipeline']);
  }, 180_000);
});
