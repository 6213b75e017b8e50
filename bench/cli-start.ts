// `npm run bench -- cli-start [--runs 20] [--args "version --help"]`
// How long the CLI takes to start: `tusk version --help` (bin/tusk run as a
// program, as a shell runs it, no daemon needed) against `node -e 0` measured
// here in turns (tusk, node, tusk, node, ...), so both see the same load.
// Wall time is the median over the runs; CPU time (user + sys of the child,
// from this process's cutime + cstime in /proc/self/stat, 10 ms ticks) is the
// total over the runs divided by their number, which a busy machine disturbs
// far less.
// When NODE_EXTRA_CA_CERTS is set (this machine sets it), every Node process
// parses that file at start (40-60 ms), except tusk, whose launcher lines
// defer it (bin/tusk): `node -e 0` in that environment is then slower than a
// bare Node start, which would flatter the ratio. So both are also run with
// the variable removed, and the headline ratio is that one: tusk against
// Node's own start, like for like. The ratio in the caller's environment is
// printed too (ratio_env).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { arg, median, table, TUSK } from './_daemon.js';

const RUNS = Number(arg('runs', '20'));
const ARGS = arg('args', 'version --help').split(' ').filter(Boolean);
const TICK_S = 0.01; // USER_HZ

/** CPU seconds (user + sys) of this process's children that have ended. */
function childrenCpu(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) * TICK_S; // cutime, cstime (fields 16 and 17)
}

interface Sample {
  command: string;
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  wall: number[];
  cpu: number;
}

function sample(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Sample {
  return { command, args, env, wall: [], cpu: 0 };
}

function measure(s: Sample): void {
  const cpuBefore = childrenCpu();
  const start = process.hrtime.bigint();
  const result = spawnSync(s.command, s.args, { env: s.env, stdio: ['ignore', 'ignore', 'pipe'] });
  s.wall.push(Number(process.hrtime.bigint() - start) / 1e9);
  s.cpu += childrenCpu() - cpuBefore;
  if (result.status !== 0) throw new Error(`${s.command} ${s.args.join(' ')} exited ${result.status}: ${result.stderr}`);
}

const extraCa = process.env.NODE_EXTRA_CA_CERTS;
const withoutCa: NodeJS.ProcessEnv = { ...process.env };
delete withoutCa.NODE_EXTRA_CA_CERTS;
const tusk = sample(TUSK, ARGS, process.env);
const node = sample(process.execPath, ['-e', '0'], process.env);
const bare = extraCa ? { tusk: sample(TUSK, ARGS, withoutCa), node: sample(process.execPath, ['-e', '0'], withoutCa) } : { tusk, node };
const samples = extraCa ? [tusk, node, bare.tusk, bare.node] : [tusk, node];

const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
const loadBefore = load();
for (const s of samples) measure(s); // warm the page cache; not counted
for (const s of samples) {
  s.wall.length = 0;
  s.cpu = 0;
}
for (let r = 0; r < RUNS; r++) for (const s of samples) measure(s);
const loadAfter = load();

const wall = (s: Sample) => median(s.wall);
const cpu = (s: Sample) => s.cpu / RUNS;
const ms = (x: number) => (x * 1000).toFixed(0);
const without = ', without NODE_EXTRA_CA_CERTS';
table(
  ['what', 'wall ms (median)', 'cpu ms (user+sys, mean)'],
  [
    [`tusk ${ARGS.join(' ')}`, ms(wall(tusk)), ms(cpu(tusk))],
    ['node -e 0 (reference)', ms(wall(node)), ms(cpu(node))],
    ...(extraCa
      ? [
          [`tusk ${ARGS.join(' ')}${without}`, ms(wall(bare.tusk)), ms(cpu(bare.tusk))],
          [`node -e 0${without}`, ms(wall(bare.node)), ms(cpu(bare.node))],
        ]
      : []),
  ],
);
if (extraCa) console.log(`NODE_EXTRA_CA_CERTS=${extraCa} is set: node -e 0 parses it at start, tusk defers it; ratio compares the two without it (like for like), ratio_env as set`);
console.log(`runs: ${RUNS} of each, in turns; load average ${loadBefore} before, ${loadAfter} after; ratio = tusk / node (target <= 1.3)`);
console.log(
  `cli-start: runs=${RUNS} tusk_ms=${ms(wall(bare.tusk))} node_ms=${ms(wall(bare.node))} ratio=${(wall(bare.tusk) / wall(bare.node)).toFixed(2)} ` +
    `tusk_cpu_ms=${ms(cpu(bare.tusk))} node_cpu_ms=${ms(cpu(bare.node))} cpu_ratio=${(cpu(bare.tusk) / cpu(bare.node)).toFixed(2)} ` +
    `ratio_env=${(wall(tusk) / wall(node)).toFixed(2)} load=${loadBefore}`,
);
