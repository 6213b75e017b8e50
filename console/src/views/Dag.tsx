// The DAG: every repo and pipeline as a graph, pipelines coloured by their
// last job's state on the chosen branch, live while jobs run; below it the
// same as a table, and a form to create a repo.
import { api } from '../api';
import { ErrorBox, Loading, Page, Progress, State } from '../components/bits';
import { Graph, type GraphEdge, type GraphNode } from '../components/Graph';
import { OneFieldForm } from '../components/OneFieldForm';
import { bytes, inputRepos } from '../format';
import { useLive } from '../live';
import { Link, navigate, paths } from '../router';
import type { Job } from '../types';

export function DagView(props: { branch: string }) {
  const { branch } = props;
  const data = useLive(async () => {
    const [repos, pipelines, jobs] = await Promise.all([api.listRepo(), api.listPipeline(), api.listJob()]);
    return { repos, pipelines, jobs };
  }, []);
  if (!data.data) return data.error ? <ErrorBox error={data.error} /> : <Loading />;
  const { repos, pipelines, jobs } = data.data;
  const pipelineNames = new Set(pipelines.map((p) => p.name));
  const branches = [...new Set(['master', ...repos.flatMap((r) => r.branches)])].sort();
  // Jobs are newest first: the first one per pipeline on this branch is its last.
  const last = new Map<string, Job>();
  for (const j of jobs) if (j.branch === branch && !last.has(j.pipeline)) last.set(j.pipeline, j);
  const nodes: GraphNode[] = [
    ...repos.filter((r) => !pipelineNames.has(r.name)).map((r): GraphNode => ({ id: r.name, label: r.name, sub: `repo · ${bytes(r.sizeBytes)}`, href: paths.repo(r.name, branch === 'master' ? undefined : branch), kind: 'repo' })),
    ...pipelines.map((p): GraphNode => {
      const job = last.get(p.name);
      const state = job?.state ?? (p.state === 'running' ? 'idle' : p.state);
      const d = job?.datums;
      return { id: p.name, label: p.name, sub: `${state}${d ? ` · ${d.processed + d.skipped + d.failed}/${d.total} datums` : ''}`, href: paths.pipeline(p.name), kind: 'pipeline', state };
    }),
  ];
  const edges: GraphEdge[] = pipelines.flatMap((p) => inputRepos(p.specJson).map((repo) => ({ from: repo, to: p.name })));
  return (
    <Page
      title="DAG"
      sub={`${repos.length - pipelines.length} input repos, ${pipelines.length} pipelines`}
      actions={
        <label>
          Branch{' '}
          <select value={branch} onChange={(e) => navigate(paths.dag((e.currentTarget as HTMLSelectElement).value))} aria-label="Branch">
            {branches.map((b) => <option key={b} value={b}>{b}</option>)}
          </select>
        </label>
      }
    >
      <div class="graph-box">{nodes.length > 0 ? <Graph nodes={nodes} edges={edges} label={`DAG on ${branch}`} /> : <p class="muted">No repos yet: create one below.</p>}</div>
      <h2>Pipelines</h2>
      <table data-testid="pipelines">
        <thead><tr><th>Pipeline</th><th>Inputs</th><th>Version</th><th>Last job on {branch}</th><th>Datums</th></tr></thead>
        <tbody>
          {pipelines.map((p) => {
            const job = last.get(p.name);
            return (
              <tr key={p.name} data-pipeline={p.name}>
                <td><Link href={paths.pipeline(p.name)}>{p.name}</Link>{p.state !== 'running' && <> <State state={p.state} /></>}</td>
                <td>{inputRepos(p.specJson).join(', ')}</td>
                <td>v{p.version}</td>
                <td>{job ? <Link href={paths.job(p.name, job.id)}><State state={job.state} /></Link> : <span class="muted">none</span>}</td>
                <td>{job && <Progress datums={job.datums} />}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <OneFieldForm title="Create a repo" label="New repo name" placeholder="name" button="Create repo" required run={async (name) => (await api.createRepo(name, ''), data.reload())} />
    </Page>
  );
}
