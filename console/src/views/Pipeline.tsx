// A pipeline: state, its workers (local processes or pods) and the datum
// each runs, its spec as YAML, the versions each branch uses, its jobs with
// progress, its datum figures from /metrics and their last hour, the
// right-sizing figures of its datums, and "run pipeline".
import { api, metricsText } from '../api';
import { ErrorBox, Loading, Page, Progress, State } from '../components/bits';
import { LastHour } from '../components/LastHour';
import { OneFieldForm } from '../components/OneFieldForm';
import { ago, bytes, duration, short, span } from '../format';
import { useLive } from '../live';
import { Link, navigate, paths } from '../router';
import type { DatumUsage, Job, Worker } from '../types';
import { parseMetrics } from './Metrics';

export function PipelineView(props: { name: string }) {
  const { name } = props;
  const data = useLive(
    async () => {
      // The YAML printer is loaded with the first pipeline view, not with the console.
      const [pipeline, jobs, text, series, yaml] = await Promise.all([api.inspectPipeline(name), api.listJob(name), metricsText(), api.pipelineSeries(name), import('yaml')]);
      const specYaml = yaml.stringify(trimDefaults(JSON.parse(pipeline.specJson)), { lineWidth: 0 });
      return { pipeline, jobs, figures: figures(text, name), series, specYaml };
    },
    [name],
    (c) => c.pipeline === name && c.kind !== 'datum',
  );
  if (!data.data) return <Page title={<>Pipeline {name}</>}>{data.error ? <ErrorBox error={data.error} /> : <Loading />}</Page>;
  const { pipeline: p, jobs, figures: f, series, specYaml } = data.data;
  const hour = lastHour(jobs);
  return (
    <Page
      title={<>Pipeline {name} {p.state === 'running' ? <span class="badge state-success">running</span> : <State state={p.state} />}</>}
      sub={`version ${p.version} · ${p.workers} worker${p.workers === 1 ? '' : 's'} running · output on ${p.outputBranch}${p.description ? ` · ${p.description}` : ''}`}
      actions={<OneFieldForm label="Branch to run on" placeholder="branch (default: main line)" button="Run pipeline" run={async (branch) => navigate(paths.job(name, (await api.runPipeline(name, branch)).id))} />}
    >
      {p.reason && <div class="error">{p.reason}</div>}
      <div class="columns">
        <div>
          <h2>Jobs</h2>
          <table data-testid="jobs">
            <thead><tr><th>Job</th><th>Branch</th><th>Version</th><th>State</th><th>Datums</th><th>Duration</th><th>Started</th></tr></thead>
            <tbody>
              {jobs.map((j) => (
                <tr key={j.id + j.branch}>
                  <td><Link href={paths.job(name, j.id)}><code>{short(j.id)}</code></Link></td>
                  <td>{j.branch}</td>
                  <td>v{j.pipelineVersion}</td>
                  <td><State state={j.state} /></td>
                  <td><Progress datums={j.datums} /></td>
                  <td>{span(j.started, j.finished)}</td>
                  <td>{ago(j.started)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>Datums</h2>
          <table class="figures" data-testid="pipeline-metrics">
            <thead><tr><th></th><th>Jobs of the last hour</th><th>Since the daemon started</th></tr></thead>
            <tbody>
              <tr><th>Jobs</th><td>{hour.jobs}</td><td></td></tr>
              <tr><th>Processed</th><td>{hour.processed}</td><td>{f.success}</td></tr>
              <tr><th>Skipped (reused)</th><td>{hour.skipped}</td><td>{f.skipped}</td></tr>
              <tr><th>Failed</th><td>{hour.failed}</td><td>{f.failed}</td></tr>
              <tr><th>Mean datum duration</th><td></td><td>{f.count > 0 ? duration((1000 * f.seconds) / f.count) : '–'}</td></tr>
            </tbody>
          </table>
          <LastHour samples={series.samples ?? []} intervalSeconds={series.intervalSeconds ?? 30} />
          <h2>Workers</h2>
          <Workers workers={p.workerList ?? []} pipeline={name} />
          <h2>Right-sizing</h2>
          <RightSizing usage={p.datumUsage} />
          <h2>Versions by branch</h2>
          <table>
            <thead><tr><th>Branch</th><th>Version</th></tr></thead>
            <tbody>
              <tr><td>{p.outputBranch}</td><td>v{p.version}</td></tr>
              {p.branchVersions.map((b) => <tr key={b.branch}><td>{b.branch}</td><td>v{b.version}</td></tr>)}
            </tbody>
          </table>
        </div>
        <div>
          <h2>Spec</h2>
          <pre class="spec" data-testid="spec">{specYaml}</pre>
        </div>
      </div>
    </Page>
  );
}

/** Each worker: its state, pod and restarts, and the datum it runs now (a link to its job). */
function Workers(props: { workers: Worker[]; pipeline: string }) {
  if (props.workers.length === 0) return <p class="muted" data-testid="workers">No workers.</p>;
  return (
    <table data-testid="workers">
      <thead><tr><th>Worker</th><th>State</th><th>Version</th><th>Restarts</th><th>Running</th></tr></thead>
      <tbody>
        {props.workers.map((w) => (
          <tr key={w.id}>
            <td><code>{w.pod || w.id}</code></td>
            <td><State state={w.state} /></td>
            <td>{w.version ? `v${w.version}` : ''}</td>
            <td>{w.restarts}</td>
            <td>{w.datum ? <Link href={paths.job(props.pipeline, w.job)}><code>{short(w.datum)}</code></Link> : 'idle'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** p50 / p95 / max of what the current version's recent datums used (what `tusk inspect pipeline` shows). */
function RightSizing(props: { usage: DatumUsage | undefined }) {
  const u = props.usage;
  if (!u || !u.datums) return <p class="muted" data-testid="right-sizing">No measured datums yet.</p>;
  const row = (label: string, p: { p50: number; p95: number; max: number } | undefined, fmt: (n: number) => string) => (
    <tr><th>{label}</th><td>{p ? fmt(p.p50) : '–'}</td><td>{p ? fmt(p.p95) : '–'}</td><td>{p ? fmt(p.max) : '–'}</td></tr>
  );
  return (
    <table class="figures" data-testid="right-sizing">
      <thead><tr><th>Per datum ({u.datums} datums)</th><th>p50</th><th>p95</th><th>max</th></tr></thead>
      <tbody>
        {row('Peak memory', u.peakMemoryBytes, bytes)}
        {row('CPU time', u.cpuMs, (n) => duration(n))}
        {row('CPU rate', u.cpuMillicores, (n) => `${(n / 1000).toFixed(2)} cores`)}
      </tbody>
    </table>
  );
}

/** Datum counts of the jobs that started in the last hour. */
function lastHour(jobs: Job[]) {
  const since = Date.now() - 3600_000;
  const h = { jobs: 0, processed: 0, skipped: 0, failed: 0 };
  for (const j of jobs) {
    if (Date.parse(j.started) < since) continue;
    h.jobs++;
    h.processed += (j.datums?.processed ?? 0) + (j.datums?.recovered ?? 0);
    h.skipped += j.datums?.skipped ?? 0;
    h.failed += j.datums?.failed ?? 0;
  }
  return h;
}

/** The datum figures /metrics holds for one pipeline. */
function figures(text: string, pipeline: string) {
  const f = { success: 0, skipped: 0, failed: 0, seconds: 0, count: 0 };
  for (const m of parseMetrics(text)) {
    if (m.labels.pipeline !== pipeline) continue;
    if (m.name === 'tusk_datums_total') {
      const s = m.labels.state;
      if (s === 'success' || s === 'recovered') f.success += m.value;
      else if (s === 'skipped') f.skipped += m.value;
      else if (s === 'failed') f.failed += m.value;
    } else if (m.name === 'tusk_datum_duration_seconds_sum') f.seconds += m.value;
    else if (m.name === 'tusk_datum_duration_seconds_count') f.count += m.value;
  }
  return f;
}

/** The spec without fields left at their empty defaults, so it reads like the file it came from. */
function trimDefaults(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(trimDefaults);
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === '' || v === false || (Array.isArray(v) && v.length === 0) || (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0)) continue;
    out[k] = trimDefaults(v);
  }
  return out;
}
