// A job: state, failure reason, inputs and output, progress; its datums
// (state, input files, tries, duration; filter to failed); a datum's logs;
// the job's logs, followed live while it runs.
import { useEffect, useState } from 'preact/hooks';
import { api, follow } from '../api';
import { ErrorBox, Loading, Page, Progress, State } from '../components/bits';
import { bytes, duration, short, span } from '../format';
import { useLive } from '../live';
import { Link, navigate, paths } from '../router';
import type { Datum, LogLine } from '../types';

const FINISHED = new Set(['success', 'failure', 'killed']);

export function JobView(props: { pipeline: string; id: string; datum?: string; failedOnly: boolean }) {
  const { pipeline, id, datum } = props;
  const data = useLive(
    async () => {
      const [job, datums] = await Promise.all([api.inspectJob(pipeline, id), api.listDatum(pipeline, id)]);
      return { job, datums };
    },
    [pipeline, id],
    (c) => c.pipeline === pipeline && c.id === id,
  );
  if (!data.data) return <Page title={<>Job {pipeline}@{short(id)}</>}>{data.error ? <ErrorBox error={data.error} /> : <Loading />}</Page>;
  const { job, datums } = data.data;
  const shown = props.failedOnly ? datums.filter((d) => d.state === 'failed') : datums;
  const selected = datum ? datums.find((d) => d.id === datum) : undefined;
  return (
    <Page
      title={<>Job <Link href={paths.pipeline(pipeline)}>{pipeline}</Link>@<code>{short(id)}</code> <State state={job.state} /></>}
      sub={<>version {job.pipelineVersion} on {job.branch} · {span(job.started, job.finished)} · output <Link href={paths.files(pipeline, job.outputCommit)}>{pipeline}@{short(job.outputCommit)}</Link> · <Link href={paths.commit(id, pipeline)}>commit set and provenance</Link></>}
    >
      {job.reason && <div class="error" data-testid="job-reason"><strong>Failure: </strong>{job.reason}</div>}
      <p>
        <Progress datums={job.datums} />
      </p>
      <p class="muted">
        Inputs: {job.inputs.map((i, n) => <span key={i.repo}>{n > 0 && ', '}<Link href={paths.files(i.repo, i.id)}>{i.repo}@{short(i.id)}</Link></span>)}
      </p>
      <div class="columns">
        <div>
          <h2>
            Datums{' '}
            <label class="filter">
              <input type="checkbox" checked={props.failedOnly} onChange={(e) => navigate(paths.job(pipeline, id, (e.currentTarget as HTMLInputElement).checked) )} /> failed only
            </label>
          </h2>
          <DatumTable pipeline={pipeline} job={id} datums={shown} selected={datum} />
        </div>
        <div>
          {selected ? <DatumDetail datum={selected} /> : datum ? <ErrorBox error={new Error(`no datum ${datum} in this job`)} /> : <JobLogs pipeline={pipeline} job={id} live={!FINISHED.has(job.state)} />}
        </div>
      </div>
    </Page>
  );
}

function DatumTable(props: { pipeline: string; job: string; datums: Datum[]; selected?: string }) {
  if (props.datums.length === 0) return <p class="muted">No datums.</p>;
  return (
    <table data-testid="datums">
      <thead><tr><th>Datum</th><th>State</th><th>Input files</th><th>Tries</th><th>Duration</th></tr></thead>
      <tbody>
        {props.datums.map((d) => (
          <tr key={d.id} class={d.id === props.selected ? 'selected' : ''} data-state={d.state}>
            <td><Link href={paths.datum(props.pipeline, props.job, d.id)}><code>{short(d.id)}</code></Link></td>
            <td><State state={d.state} /></td>
            <td>{d.files.map((f) => f.path).join(', ')}</td>
            <td>{d.tries}</td>
            <td>{d.state === 'skipped' ? '' : duration(d.durationMs)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function DatumDetail(props: { datum: Datum }) {
  const d = props.datum;
  const logs = useLive(() => api.logs(d.pipeline, d.job, d.id), [d.pipeline, d.job, d.id, d.state], () => false);
  const [restart, setRestart] = useState<{ ok?: string; error?: Error }>({});
  return (
    <div data-testid="datum">
      <h2>Datum <code>{short(d.id)}</code> <State state={d.state} /> <Link class="small" href={paths.job(d.pipeline, d.job)}>job logs</Link></h2>
      {d.reason && <div class="error" data-testid="datum-reason">{d.reason}</div>}
      <table>
        <thead><tr><th>Input</th><th>File</th><th>Size</th></tr></thead>
        <tbody>
          {d.files.map((f) => <tr key={f.input + f.path}><td>{f.input}</td><td>{f.path}</td><td>{bytes(f.sizeBytes)}</td></tr>)}
        </tbody>
      </table>
      <p class="muted">{d.tries} tr{d.tries === 1 ? 'y' : 'ies'} · {duration(d.durationMs)}</p>
      {d.state === 'failed' && (
        <p>
          <button type="button" onClick={() => api.restartDatum(d.pipeline, d.job, d.id).then(() => setRestart({ ok: 'Restarted.' }), (error: Error) => setRestart({ error }))}>Restart datum</button>
          {restart.ok}
          <ErrorBox error={restart.error} />
        </p>
      )}
      <h2>Logs of this datum</h2>
      {logs.data ? <LogView lines={logs.data} /> : logs.error ? <ErrorBox error={logs.error} /> : <Loading />}
    </div>
  );
}

function JobLogs(props: { pipeline: string; job: string; live: boolean }) {
  const [lines, setLines] = useState<LogLine[]>([]);
  const [error, setError] = useState<Error>();
  useEffect(() => {
    setLines([]);
    setError(undefined);
    const abort = new AbortController();
    const add = (l: LogLine) => setLines((all) => [...all, l]);
    follow<LogLine>('tusk.pps.PpsApi/GetLogs', { pipeline: props.pipeline, job: props.job, follow: props.live }, add, abort.signal).catch((e: Error) => abort.signal.aborted || setError(e));
    return () => abort.abort();
  }, [props.pipeline, props.job, props.live]);
  return (
    <div>
      <h2>Job logs {props.live && <span class="badge state-running">following</span>}</h2>
      <ErrorBox error={error} />
      <LogView lines={lines} />
    </div>
  );
}

function LogView(props: { lines: LogLine[] }) {
  if (props.lines.length === 0) return <p class="muted">No log lines.</p>;
  return (
    <pre class="logs" data-testid="logs">
      {props.lines.map((l, i) => (
        <div key={i} class={`log-${l.stream}`}>
          <span class="muted">{l.time.slice(11, 19)} {l.datum ? short(l.datum) : 'job     '} </span>
          {l.message}
        </div>
      ))}
    </pre>
  );
}
