// The daemon's /metrics as a table of its Tusk series (histogram buckets left
// out), refreshed whenever something changes.
import { metricsText } from '../api';
import { ErrorBox, Loading, Page } from '../components/bits';
import { useLive } from '../live';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Samples of the Prometheus text format (comments skipped). */
export function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, '$1');
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

export function MetricsView() {
  const data = useLive(metricsText, [], (c) => c.kind === 'job' || c.kind === 'commit');
  if (!data.data) return <Page title="Metrics">{data.error ? <ErrorBox error={data.error} /> : <Loading />}</Page>;
  const samples = parseMetrics(data.data).filter((s) => s.name.startsWith('tusk_') && !s.name.endsWith('_bucket'));
  return (
    <Page title="Metrics" sub={<>What Prometheus scrapes at <a href="/metrics">/metrics</a>.</>}>
      <table data-testid="metrics">
        <thead><tr><th>Series</th><th>Labels</th><th>Value</th></tr></thead>
        <tbody>
          {samples.map((s, i) => (
            <tr key={i}>
              <td><code>{s.name}</code></td>
              <td>{Object.entries(s.labels).map(([k, v]) => `${k}=${v}`).join(' ')}</td>
              <td class="num">{Number.isInteger(s.value) ? s.value : s.value.toFixed(3)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Page>
  );
}
