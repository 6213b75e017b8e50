// The pipeline view's last hour: one row per figure /metrics exports for a
// pipeline, each a small inline SVG of bars (one per 30 s sample, the last
// being the interval in progress) beside the hour's total or current value.
import { duration } from '../format';
import type { SeriesSample } from '../types';

type Figure = keyof Omit<SeriesSample, 'at'>;

const W = 242;
const H = 24;
/** An hour of 30 s samples and the interval in progress: the newest bar is always at the right. */
const SLOTS = 121;

/** Bars of `values` (oldest first) scaled to the largest, on an hour-wide axis; a thin baseline when all are 0. */
export function Bars(props: { values: number[]; label: string }) {
  const { values } = props;
  const max = Math.max(1, ...values);
  const step = W / Math.max(values.length, SLOTS);
  const left = W - values.length * step;
  return (
    <svg class="bars" width={W} height={H} viewBox={`0 0 ${W} ${H}`} role="img" aria-label={props.label}>
      <line x1="0" y1={H - 0.5} x2={W} y2={H - 0.5} />
      {values.map((v, i) => v > 0 && <rect key={i} x={left + i * step} y={H - (H * v) / max} width={Math.max(step - 1, 1)} height={(H * v) / max} />)}
    </svg>
  );
}

export function LastHour(props: { samples: SeriesSample[]; intervalSeconds: number }) {
  const s = props.samples;
  if (s.length === 0) return <p class="muted" data-testid="last-hour">No samples yet.</p>;
  const of = (f: Figure) => s.map((x) => x[f] ?? 0);
  const sum = (f: Figure) => of(f).reduce((a, b) => a + b, 0);
  const now = (f: Figure) => s[s.length - 1]![f] ?? 0;
  // The hour's mean datum time, weighted by the datums that ended in each interval.
  const timed = s.reduce((a, x) => a + (x.processed ?? 0) + (x.failed ?? 0), 0);
  const mean = timed > 0 ? s.reduce((a, x) => a + (x.meanDatumMs ?? 0) * ((x.processed ?? 0) + (x.failed ?? 0)), 0) / timed : 0;
  const row = (id: string, label: string, f: Figure, value: string | number) => (
    <tr data-testid={`series-${id}`}>
      <th>{label}</th>
      <td class="value">{value}</td>
      <td><Bars values={of(f)} label={`${label} per ${props.intervalSeconds} s`} /></td>
    </tr>
  );
  return (
    <table class="figures" data-testid="last-hour">
      <thead><tr><th>Last hour ({props.intervalSeconds} s per bar)</th><th>Total / now</th><th></th></tr></thead>
      <tbody>
        {row('processed', 'Datums processed', 'processed', sum('processed'))}
        {row('skipped', 'Datums skipped', 'skipped', sum('skipped'))}
        {row('failed', 'Datums failed', 'failed', sum('failed'))}
        {row('duration', 'Mean datum duration', 'meanDatumMs', mean > 0 ? duration(mean) : '–')}
        {row('running', 'Jobs running', 'running', now('running'))}
        {row('success', 'Jobs succeeded', 'success', now('success'))}
        {row('failure', 'Jobs failed', 'failure', now('failure'))}
        {row('workers', 'Workers running', 'workers', now('workers'))}
      </tbody>
    </table>
  );
}
