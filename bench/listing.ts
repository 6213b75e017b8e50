// `npm run bench -- listing [--files 1000000] [--data DIR] [--home DIR]`
// A flat folder of N tiny files (default a million, as ML datasets have them):
// `tusk put file -r` of it, then `tusk list file` (table and -o json) and a
// prefix glob (`/f00001*`: 1/100,000 of the names with N = 1M), all by the
// real CLI against a real daemon, with the peak RSS of the CLI
// (/usr/bin/time, else /proc polling) and of the daemon (/proc VmHWM; the
// daemon is restarted after the put so that the listing's peak is its own).
// First-line latency is measured from the CLI's spawn and, apart from the
// CLI's start-up, from the gRPC call of an in-process client. Every `tusk`
// runs as a program, as from a shell (see `cli`). Reference in the
// same run: `ls -f DIR | head -1`, `ls -f DIR | wc -l` and `find DIR -name
// 'f00001*'` on the local folder of the same files.
// The CLI's start-up rows (`--limit 1` and the glob: first line < 100 ms is
// the target) are the median of --starts runs, in turns with `node -e 0`
// measured the same way; `tusk` runs as a program, as from a shell. When
// NODE_EXTRA_CA_CERTS is set (this machine sets it), every Node process reads
// and parses that file before running any code (~65-70 ms of CPU for the
// Debian bundle; bin/tusk defers it, `node -e 0` does not), so the same three
// are measured again without it.
// --data reuses a folder of files named f0000000, f0000001, ... (making a
// million files takes minutes); --home reuses a daemon home whose repo `big`
// holds them already (the put is then skipped: no put figures).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { TuskClient } from '../src/client/index.js';
import { arg, median, startDaemon, table, TUSK, tusk, type BenchDaemon } from './_daemon.js';

const FILES = Number(arg('files', '1000000'));
const DATA = arg('data', '');
const HOME = arg('home', '');
const STARTS = Number(arg('starts', '7'));
const PREFIX = 'f00001';
const TIME = '/usr/bin/time';

function name(i: number): string {
  return `f${String(i).padStart(7, '0')}`;
}

async function makeFolder(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < FILES; i += 1000) {
    const writes: Promise<void>[] = [];
    for (let j = i; j < Math.min(FILES, i + 1000); j++) writes.push(writeFile(join(dir, name(j)), `${j}\n`));
    await Promise.all(writes);
  }
}

interface Measured {
  /** ms from spawn to the first byte, and to the first line after the table's header (or the first byte for -o json). */
  firstByteMs: number;
  firstLineMs: number;
  totalMs: number;
  /** Peak RSS of the command, MB. */
  rssMb: number;
  lines: number;
}

/** Runs `cmd args` with stdout counted, not kept; its peak RSS from /usr/bin/time -f %M, else by polling /proc. */
function measure(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv, skipHeader: boolean): Promise<Measured> {
  const timed = existsSync(TIME);
  const start = process.hrtime.bigint();
  const ms = () => Number(process.hrtime.bigint() - start) / 1e6;
  const child = timed ? spawn(TIME, ['-f', 'tusk-bench-rss-kb=%M', cmd, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] }) : spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let firstByteMs = 0;
  let firstLineMs = 0;
  let lines = 0;
  let polled = 0;
  const poll = timed ? undefined : setInterval(() => (polled = Math.max(polled, vmHwmKb(child.pid!))), 20);
  child.stdout.on('data', (b: Buffer) => {
    if (!firstByteMs) firstByteMs = ms();
    for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) {
      lines++;
      if (!firstLineMs && lines === (skipHeader ? 2 : 1)) firstLineMs = ms();
    }
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (poll) clearInterval(poll);
      const totalMs = ms();
      const m = /tusk-bench-rss-kb=(\d+)/.exec(stderr);
      if (code !== 0) return reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr.trim()}`));
      resolve({ firstByteMs: firstByteMs || totalMs, firstLineMs: firstLineMs || firstByteMs || totalMs, totalMs, rssMb: (m ? Number(m[1]) : polled) / 1024, lines });
    });
  });
}

function vmHwmKb(pid: number): number {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

function daemonPeakMb(d: BenchDaemon): number {
  return vmHwmKb(d.process.pid!) / 1024;
}

/**
 * `tusk ARGS` run as a program, as a shell runs it (bin/tusk's launcher lines apply: NODE_EXTRA_CA_CERTS is
 * deferred). `node bin/tusk` skips them, and with the variable set (as on this machine) every such row paid Node's
 * parse of the CA file at start, ~50-70 ms of CPU that a user typing `tusk` does not pay: the table's first line
 * showed 40-90 ms more than `--limit 1`'s, which was run as a program.
 */
const cli = (d: BenchDaemon, args: string[], skipHeader = false) => measure(TUSK, args, d.env, skipHeader);

interface Starts {
  list: number;
  glob: number;
  node: number;
}

/** Median ms to the first line of `list --limit 1` and of the prefix glob, and to the end of `node -e 0`, over STARTS runs in turns. */
async function startTimes(d: BenchDaemon, env: NodeJS.ProcessEnv): Promise<Starts> {
  const runs: Record<keyof Starts, number[]> = { list: [], glob: [], node: [] };
  for (let r = 0; r < STARTS; r++) {
    // bin/tusk run as a program, as a shell runs it: its launcher lines apply (the deferred NODE_EXTRA_CA_CERTS)
    runs.list.push((await measure(TUSK, ['list', 'file', 'big@master:/', '--limit', '1'], env, true)).firstLineMs);
    runs.glob.push((await measure(TUSK, ['glob', 'file', `big@master:/${PREFIX}*`], env, true)).firstLineMs);
    runs.node.push((await measure(process.execPath, ['-e', '0'], env, false)).totalMs);
  }
  return { list: median(runs.list), glob: median(runs.glob), node: median(runs.node) };
}

function withoutExtraCa(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const rest = { ...env };
  delete rest.NODE_EXTRA_CA_CERTS;
  return rest;
}
const sh = (script: string, skipHeader = false) => measure('sh', ['-c', script], process.env, skipHeader);

/** In-process client: ms to the first batch and to the end of a listing, apart from any CLI start-up. */
async function clientTimes(d: BenchDaemon, list: (c: TuskClient) => AsyncIterable<unknown[]>): Promise<{ firstMs: number; totalMs: number; count: number }> {
  const client = new TuskClient(d.address);
  try {
    await client.inspectCommit('big@master'); // connected
    const start = process.hrtime.bigint();
    let firstMs = 0;
    let count = 0;
    for await (const batch of list(client)) {
      if (!firstMs) firstMs = Number(process.hrtime.bigint() - start) / 1e6;
      count += batch.length;
    }
    return { firstMs, totalMs: Number(process.hrtime.bigint() - start) / 1e6, count };
  } finally {
    client.close();
  }
}

const scratch = await mkdtemp(join(tmpdir(), 'tusk-bench-listing-'));
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
try {
  const data = DATA || join(scratch, 'big');
  if (!DATA) {
    console.log(`creating ${FILES} tiny files in ${data}`);
    await makeFolder(data);
  }
  const home = HOME || join(scratch, 'home');
  const loads: string[] = [load()];
  let put: Measured | undefined;
  let daemonPutMb = 0;
  if (!HOME) {
    const d = await startDaemon({ home });
    try {
      await tusk(d, ['create', 'repo', 'big']);
      console.log(`putting ${FILES} files (load ${load()})`);
      put = await cli(d, ['put', 'file', 'big@master', '-f', data, '-r']);
      daemonPutMb = daemonPeakMb(d);
    } finally {
      await d.stop({ keepHome: true });
    }
  }
  const d = await startDaemon({ home });
  try {
    loads.push(load());
    const start = await cli(d, ['version']);
    await tusk(d, ['list', 'file', 'big@master:/', '--limit', '1']); // warm: the page cache and the daemon's root nodes, as for any later listing
    const list = await cli(d, ['list', 'file', 'big@master:/'], true);
    if (list.lines !== FILES + 1) throw new Error(`list file printed ${list.lines} lines; expected ${FILES + 1}`);
    const json = await cli(d, ['list', 'file', 'big@master:/', '-o', 'json']);
    const page = await cli(d, ['list', 'file', 'big@master:/', '--limit', '1000', '--start-after', name(Math.floor(FILES / 2))], true);
    const glob = await cli(d, ['glob', 'file', `big@master:/${PREFIX}*`], true);
    const listRpc = await clientTimes(d, (c) => c.listFileBatches('big@master:/'));
    const globRpc = await clientTimes(d, (c) => c.globFileBatches('big@master', `/${PREFIX}*`));
    const starts = await startTimes(d, d.env);
    const extraCa = d.env.NODE_EXTRA_CA_CERTS;
    const startsNoCa = extraCa ? await startTimes(d, withoutExtraCa(d.env)) : undefined;
    const daemonListMb = daemonPeakMb(d);
    loads.push(load());
    const lsFirst = await sh(`ls -f '${data}' | head -1`);
    const lsAll = await sh(`ls -f '${data}' | wc -l`);
    const find = await sh(`find '${data}' -name '${PREFIX}*'`);
    loads.push(load());
    const f = (ms: number) => ms.toFixed(0);
    table(
      ['what', 'first line ms', 'total ms', 'peak RSS MB', 'note'],
      [
        ...(put ? [['tusk put file -r (CLI)', '-', f(put.totalMs), put.rssMb.toFixed(0), `daemon peak ${daemonPutMb.toFixed(0)} MB`]] : []),
        ['tusk version (CLI start-up alone)', '-', f(start.totalMs), start.rssMb.toFixed(0), ''],
        ['tusk list file (table)', f(list.firstLineMs), f(list.totalMs), list.rssMb.toFixed(0), `${list.lines - 1} entries`],
        ['tusk list file -o json', f(json.firstByteMs), f(json.totalMs), json.rssMb.toFixed(0), 'first byte'],
        ['tusk list file --limit 1000 --start-after (mid)', f(page.firstLineMs), f(page.totalMs), page.rssMb.toFixed(0), `${page.lines - 1} entries`],
        [`tusk glob file /${PREFIX}*`, f(glob.firstLineMs), f(glob.totalMs), glob.rssMb.toFixed(0), `${glob.lines - 1} matches`],
        [`tusk list file --limit 1 (median of ${STARTS})`, f(starts.list), '-', '-', 'CLI start-up + first batch'],
        [`tusk glob file /${PREFIX}* (median of ${STARTS})`, f(starts.glob), '-', '-', ''],
        [`node -e 0 (median of ${STARTS}, reference)`, '-', f(starts.node), '-', ''],
        ...(startsNoCa
          ? [
              ['  the same --limit 1, without NODE_EXTRA_CA_CERTS', f(startsNoCa.list), '-', '-', ''],
              ['  the same glob, without NODE_EXTRA_CA_CERTS', f(startsNoCa.glob), '-', '-', ''],
              ['  node -e 0, without NODE_EXTRA_CA_CERTS', '-', f(startsNoCa.node), '-', ''],
            ]
          : []),
        ['ListFile RPC, in-process client', f(listRpc.firstMs), f(listRpc.totalMs), '-', `${listRpc.count} entries`],
        [`GlobFile RPC /${PREFIX}*, in-process client`, f(globRpc.firstMs), f(globRpc.totalMs), '-', `${globRpc.count} matches`],
        ['daemon during the listings', '-', '-', daemonListMb.toFixed(0), 'VmHWM since its restart'],
        ['ls -f | head -1 (reference)', f(lsFirst.firstLineMs), f(lsFirst.totalMs), '-', ''],
        ['ls -f | wc -l (reference)', '-', f(lsAll.totalMs), '-', ''],
        [`find -name '${PREFIX}*' (reference)`, '-', f(find.totalMs), '-', `${find.lines} matches`],
      ],
    );
    console.log(`load average (1, 5, 15 min) at start, before the listings, after them, at the end: ${loads.join(' | ')}`);
    if (extraCa) console.log(`NODE_EXTRA_CA_CERTS=${extraCa} is set: every node process (tusk's and node -e 0) parses it at start; the rows "without" show the start-up without it`);
    console.log(
      `listing: files=${FILES} first_line_ms=${f(list.firstLineMs)} cli_start_ms=${f(start.totalMs)} rpc_first_batch_ms=${f(listRpc.firstMs)} table_s=${(list.totalMs / 1000).toFixed(2)} json_first_byte_ms=${f(json.firstByteMs)} json_s=${(json.totalMs / 1000).toFixed(2)} ` +
        `glob_ms=${f(glob.totalMs)} glob_rpc_ms=${f(globRpc.totalMs)} cli_list_rss_mb=${list.rssMb.toFixed(0)} daemon_list_rss_mb=${daemonListMb.toFixed(0)}` +
        (put ? ` put_s=${(put.totalMs / 1000).toFixed(2)} cli_put_rss_mb=${put.rssMb.toFixed(0)} daemon_put_rss_mb=${daemonPutMb.toFixed(0)}` : '') +
        ` limit1_first_line_ms=${f(starts.list)} glob_first_line_ms=${f(starts.glob)} node_ms=${f(starts.node)}` +
        (startsNoCa ? ` limit1_first_line_no_extra_ca_ms=${f(startsNoCa.list)} glob_first_line_no_extra_ca_ms=${f(startsNoCa.glob)} node_no_extra_ca_ms=${f(startsNoCa.node)}` : '') +
        ` ls_head_ms=${f(lsFirst.totalMs)} ls_wc_ms=${f(lsAll.totalMs)} find_ms=${f(find.totalMs)}`,
    );
  } finally {
    await d.stop({ keepHome: !!HOME });
  }
} finally {
  await rm(scratch, { recursive: true, force: true, maxRetries: 5 });
}
