// `npm run bench -- s3-gateway` (quick runs: TUSK_BENCH_SIZE_MB=64 TUSK_BENCH_FILES=500)
// The aws CLI through tuskd's S3 gateway: `aws s3 cp` of one big file of
// random bytes up and down (multipart above 8 MiB), and `aws s3 sync` of a
// folder of small files up and down; the same commands against s3rver on the
// same machine; and our own CLI, `tusk put file` / `get file` of the big file
// and `tusk put file -r` of the folder (there is no recursive get file, so
// that cell stays empty). Each side gets a fresh daemon or s3rver. Prints a
// table and a last line with MB/s, files/s and the gateway/CLI ratios
// (target: the gateway within 1.5x of the CLI, i.e. ratio >= 0.67). The up runs also go to a null
// endpoint (bench/_null-s3.ts: reads each body, stores nothing), the ceiling any server can give the aws CLI
// here, and each up run reports the CPU-seconds of the aws CLI and of the server process.
import { spawn } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT, cpuOf, cpuOfChildren, loadAverage, run, seconds, startDaemon, table, tusk } from './_daemon.js';
import { makeRandomFile } from './_files.js';

const SIZE_MB = Number(process.env.TUSK_BENCH_SIZE_MB ?? '1024');
const FILES = Number(process.env.TUSK_BENCH_FILES ?? '10000');
const SIZE = SIZE_MB * 1024 * 1024;
const AWS = existsSync('/usr/bin/aws') ? '/usr/bin/aws' : 'aws';
const KEY = { id: 'AKIDBENCH', secret: 'bench-secret' };

async function makeSmallFiles(dir: string): Promise<number> {
  let bytes = 0;
  const block = Buffer.allocUnsafe(4096);
  for (let i = 0; i < FILES; i++) {
    const sub = join(dir, `d${i % 100}`);
    if (i < 100) await mkdir(sub, { recursive: true });
    const n = 512 + ((i * 997) % 3584);
    randomFillSync(block, 0, n);
    await writeFile(join(sub, `f${i}.bin`), block.subarray(0, n));
    bytes += n;
  }
  return bytes;
}

/** A server in a child that prints {"port": N} once it listens: s3rver (with the legacy OpenSSL provider, see TOOLCHAIN.md) or the null endpoint. */
async function startServer(args: string[]): Promise<{ port: number; pid: number; stop(): Promise<void> }> {
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', () => reject(new Error(`${args.join(' ')} exited before printing its port`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    port: (JSON.parse(line) as { port: number }).port,
    pid: child.pid!,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

function awsEnv(home: string, id: string, secret: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, LANG: 'C.UTF-8', AWS_EC2_METADATA_DISABLED: 'true', AWS_ACCESS_KEY_ID: id, AWS_SECRET_ACCESS_KEY: secret, AWS_DEFAULT_REGION: 'us-east-1', AWS_PAGER: '' };
  return env;
}

interface Side {
  name: string;
  cpUp?: number;
  cpDown?: number;
  syncUp?: number;
  syncDown?: number;
  /** CPU-seconds of the aws CLI and of the server process (all threads) during cp up and sync up. */
  cpu?: { cpUp: Cpu; syncUp: Cpu };
}

interface Cpu {
  aws: number;
  server: number;
  load: string;
}

/** Seconds `fn` takes, and the CPU-seconds the aws CLI (a waited-for child) and the server used meanwhile. */
async function measured(serverPid: number, fn: () => Promise<unknown>): Promise<[number, Cpu]> {
  const [aws0, server0] = [cpuOfChildren(), cpuOf(serverPid)];
  const s = await seconds(fn);
  return [s, { aws: cpuOfChildren() - aws0, server: cpuOf(serverPid) - server0, load: loadAverage() }];
}

/** cp up and sync up only: the null endpoint keeps nothing to read back. */
async function awsUp(name: string, endpoint: string, serverPid: number, bucket: string, env: NodeJS.ProcessEnv, big: string, small: string): Promise<Side> {
  const aws = (...args: string[]) => run(AWS, ['--endpoint-url', endpoint, '--only-show-errors', ...args], { env });
  await run(AWS, ['--endpoint-url', endpoint, 's3', 'mb', `s3://${bucket}`], { env });
  const [cpUp, cpCpu] = await measured(serverPid, () => aws('s3', 'cp', big, `s3://${bucket}/big.bin`));
  const [syncUp, syncCpu] = await measured(serverPid, () => aws('s3', 'sync', small, `s3://${bucket}/small`));
  return { name, cpUp, syncUp, cpu: { cpUp: cpCpu, syncUp: syncCpu } };
}

async function awsSide(name: string, endpoint: string, serverPid: number, bucket: string, env: NodeJS.ProcessEnv, big: string, small: string, scratch: string): Promise<Side> {
  const aws = (...args: string[]) => run(AWS, ['--endpoint-url', endpoint, '--only-show-errors', ...args], { env });
  await run(AWS, ['--endpoint-url', endpoint, 's3', 'mb', `s3://${bucket}`], { env });
  const side: Side = { name };
  const [cpUp, cpCpu] = await measured(serverPid, () => aws('s3', 'cp', big, `s3://${bucket}/big.bin`));
  side.cpUp = cpUp;
  const back = join(scratch, `${name}-big.back`);
  side.cpDown = await seconds(() => aws('s3', 'cp', `s3://${bucket}/big.bin`, back));
  if ((await stat(back)).size !== SIZE) throw new Error(`${name}: cp down wrote ${(await stat(back)).size} bytes`);
  await run('cmp', [big, back]);
  await rm(back);
  const [syncUp, syncCpu] = await measured(serverPid, () => aws('s3', 'sync', small, `s3://${bucket}/small`));
  side.syncUp = syncUp;
  side.cpu = { cpUp: cpCpu, syncUp: syncCpu };
  const down = join(scratch, `${name}-small.back`);
  side.syncDown = await seconds(() => aws('s3', 'sync', `s3://${bucket}/small`, down));
  await run('diff', ['-rq', small, down]);
  await rm(down, { recursive: true, force: true });
  return side;
}

const scratch = await mkdtemp(join(tmpdir(), 'tusk-bench-s3-'));
try {
  const big = join(scratch, 'big.bin');
  const small = join(scratch, 'small');
  const home = join(scratch, 'awshome');
  await mkdir(home);
  console.log(`creating ${SIZE_MB} MiB of random data and ${FILES} small files in ${scratch}`);
  await makeRandomFile(big, SIZE);
  const smallBytes = await makeSmallFiles(small);
  await run('sh', ['-c', 'cat "$1" > /dev/null', 'sh', big]);
  const sides: Side[] = [];

  const daemon = await startDaemon({ env: { TUSK_S3_ACCESS_KEY_ID: KEY.id, TUSK_S3_SECRET_ACCESS_KEY: KEY.secret, TUSK_RUNTIME: 'none' } });
  try {
    const { s3Port } = JSON.parse(await readFile(join(daemon.home, 'tuskd.json'), 'utf8')) as { s3Port: number };
    sides.push(await awsSide('gateway', `http://127.0.0.1:${s3Port}`, daemon.process.pid!, 'master.bench', awsEnv(home, KEY.id, KEY.secret), big, small, scratch));
  } finally {
    await daemon.stop();
  }
  console.log('gateway done');

  const s3dir = await mkdtemp(join(tmpdir(), 'tusk-bench-s3rver-'));
  const s3rver = await startServer(['--openssl-legacy-provider', join(ROOT, 'test/helpers/s3rver-main.mjs'), s3dir]);
  try {
    sides.push(await awsSide('s3rver', `http://127.0.0.1:${s3rver.port}`, s3rver.pid, 'bench', awsEnv(home, 'S3RVER', 'S3RVER'), big, small, scratch));
  } finally {
    await s3rver.stop();
    await rm(s3dir, { recursive: true, force: true, maxRetries: 5 });
  }
  console.log('s3rver done');

  const nullS3 = await startServer([join(ROOT, 'dist/bench/_null-s3.js')]);
  let ceiling: Side;
  try {
    ceiling = await awsUp('null endpoint', `http://127.0.0.1:${nullS3.port}`, nullS3.pid, 'null', awsEnv(home, 'NULL', 'NULL'), big, small);
  } finally {
    await nullS3.stop();
  }
  console.log('null endpoint done');

  const cli = await startDaemon({ env: { TUSK_RUNTIME: 'none' } });
  const cliSide: Side = { name: 'tusk CLI' };
  try {
    await tusk(cli, ['create', 'repo', 'bench']);
    cliSide.cpUp = await seconds(() => tusk(cli, ['put', 'file', 'bench@master:/big.bin', '-f', big]));
    const back = join(scratch, 'cli-big.back');
    cliSide.cpDown = await seconds(() => tusk(cli, ['get', 'file', 'bench@master:/big.bin', '-o', back]));
    await run('cmp', [big, back]);
    await rm(back);
    cliSide.syncUp = await seconds(() => tusk(cli, ['put', 'file', 'bench@master:/small', '-f', small, '-r']));
  } finally {
    await cli.stop();
  }
  sides.push(cliSide);

  const mbps = (s?: number) => (s ? SIZE / 1e6 / s : NaN);
  const fps = (s?: number) => (s ? FILES / s : NaN);
  const f = (x: number, digits = 0) => (Number.isNaN(x) ? '-' : x.toFixed(digits));
  table(
    ['through', `cp up MB/s`, `cp down MB/s`, `sync up files/s`, `sync down files/s`],
    [...sides, ceiling].map((s) => [s.name, f(mbps(s.cpUp)), f(mbps(s.cpDown)), f(fps(s.syncUp)), f(fps(s.syncDown))]),
  );
  const withCpu = [...sides, ceiling].filter((s) => s.cpu);
  table(
    ['CPU-s during', 'cp up: aws', 'server', 'load', 'sync up: aws', 'server', 'load'],
    withCpu.map((s) => [s.name, f(s.cpu!.cpUp.aws, 2), f(s.cpu!.cpUp.server, 2), s.cpu!.cpUp.load, f(s.cpu!.syncUp.aws, 2), f(s.cpu!.syncUp.server, 2), s.cpu!.syncUp.load]),
  );
  console.log('The null endpoint reads each body and stores nothing: its row is the most any server can give the aws CLI here.');
  console.log(`${SIZE_MB} MiB file (aws s3 cp / tusk put|get file); ${FILES} files of ${(smallBytes / FILES / 1024).toFixed(1)} KiB on average (aws s3 sync / tusk put file -r).`);
  console.log('The gateway makes one commit per PutObject (as S3 clients expect each put to be visible), tusk put file -r one commit for the folder.');
  const [g, s, c] = sides as [Side, Side, Side];
  console.log(
    `s3-gateway: size_mb=${SIZE_MB} files=${FILES}` +
      ` gateway_up_mbps=${f(mbps(g.cpUp))} gateway_down_mbps=${f(mbps(g.cpDown))} gateway_sync_up_fps=${f(fps(g.syncUp))} gateway_sync_down_fps=${f(fps(g.syncDown))}` +
      ` s3rver_up_mbps=${f(mbps(s.cpUp))} s3rver_down_mbps=${f(mbps(s.cpDown))} s3rver_sync_up_fps=${f(fps(s.syncUp))} s3rver_sync_down_fps=${f(fps(s.syncDown))}` +
      ` cli_up_mbps=${f(mbps(c.cpUp))} cli_down_mbps=${f(mbps(c.cpDown))} cli_put_r_fps=${f(fps(c.syncUp))}` +
      ` null_up_mbps=${f(mbps(ceiling.cpUp))} null_sync_up_fps=${f(fps(ceiling.syncUp))}` +
      ` null_vs_s3rver_up=${f(mbps(ceiling.cpUp) / mbps(s.cpUp), 2)} null_vs_s3rver_sync_up=${f(fps(ceiling.syncUp) / fps(s.syncUp), 2)}` +
      ` ratio_up=${f(mbps(g.cpUp) / mbps(c.cpUp), 2)} ratio_down=${f(mbps(g.cpDown) / mbps(c.cpDown), 2)} ratio_small_up=${f(fps(g.syncUp) / fps(c.syncUp), 3)}`,
  );
} finally {
  await rm(scratch, { recursive: true, force: true, maxRetries: 5 });
}
