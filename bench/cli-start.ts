// `npm run bench -- cli-start [--runs 20] [--args "version --help"]`
// How long the CLI takes to start: `tusk version --help` (the bundled CLI run
// by bin/tusk, no daemon needed) against `node -e 0` measured here in turns
// (tusk, node, tusk, node, ...), so both see the same load. Wall time is the
// median over the runs; CPU time (user + sys of the child, from this
// process's cutime + cstime in /proc/self/stat, 10 ms ticks) is the total over
// the runs divided by their number, which a busy machine disturbs far less.
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
  wall: number[];
  cpu: number;
}

function measure(sample: Sample, args: readonly string[]): void {
  const cpuBefore = childrenCpu();
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  sample.wall.push(Number(process.hrtime.bigint() - start) / 1e9);
  sample.cpu += childrenCpu() - cpuBefore;
  if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stderr}`);
}

const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
const loadBefore = load();
const tusk: Sample = { wall: [], cpu: 0 };
const node: Sample = { wall: [], cpu: 0 };
measure(tusk, [TUSK, ...ARGS]); // warm the page cache; not counted
measure(node, ['-e', '0']);
tusk.wall.length = node.wall.length = 0;
tusk.cpu = node.cpu = 0;
for (let r = 0; r < RUNS; r++) {
  measure(tusk, [TUSK, ...ARGS]);
  measure(node, ['-e', '0']);
}
const loadAfter = load();

const wall = { tusk: median(tusk.wall), node: median(node.wall) };
const cpu = { tusk: tusk.cpu / RUNS, node: node.cpu / RUNS };
const ms = (s: number) => (s * 1000).toFixed(0);
table(
  ['what', 'wall ms (median)', 'cpu ms (user+sys, mean)'],
  [
    [`tusk ${ARGS.join(' ')}`, ms(wall.tusk), ms(cpu.tusk)],
    ['node -e 0 (reference)', ms(wall.node), ms(cpu.node)],
  ],
);
console.log(`runs: ${RUNS} of each, in turns; load average ${loadBefore} before, ${loadAfter} after; ratio = tusk / node (target <= 1.3)`);
console.log(
  `cli-start: runs=${RUNS} tusk_ms=${ms(wall.tusk)} node_ms=${ms(wall.node)} ratio=${(wall.tusk / wall.node).toFixed(2)} ` +
    `tusk_cpu_ms=${ms(cpu.tusk)} node_cpu_ms=${ms(cpu.node)} cpu_ratio=${(cpu.tusk / cpu.node).toFixed(2)} load=${loadBefore}`,
);
