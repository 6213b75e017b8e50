// A global commit ID: its commit set (one commit per repo it reached, and the
// jobs it caused) and, for one commit of the set, the provenance graph
// upstream and the subvenance downstream, each node linking to its commit.
import { api } from '../api';
import { ErrorBox, Loading, Page, Progress, State } from '../components/bits';
import { Graph, type GraphEdge, type GraphNode } from '../components/Graph';
import { ago, bytes, short } from '../format';
import { useLive } from '../live';
import { Link, paths } from '../router';
import type { ProvenanceNode } from '../types';

export function CommitView(props: { id: string; repo?: string }) {
  const { id } = props;
  const data = useLive(
    async () => {
      const [commits, jobs] = await Promise.all([api.commitSet(id), api.listJob()]);
      const repo = props.repo ?? commits[commits.length - 1]?.repo;
      const [up, down] = repo ? await Promise.all([api.provenance(`${repo}@${id}`), api.subvenance(`${repo}@${id}`)]) : [undefined, undefined];
      return { commits, jobs: jobs.filter((j) => j.id === id), repo, up, down };
    },
    [id, props.repo],
    (c) => c.id === id,
  );
  if (!data.data) return <Page title={<>Commit {short(id)}</>}>{data.error ? <ErrorBox error={data.error} /> : <Loading />}</Page>;
  const { commits, jobs, repo, up, down } = data.data;
  const graph = provenanceGraph(up, down, repo ?? '');
  return (
    <Page title={<>Commit <code>{id}</code></>} sub={`${commits.length} commits and ${jobs.length} jobs share this ID`}>
      <h2>Commit set</h2>
      <table data-testid="commit-set">
        <thead><tr><th>Repo</th><th>Branch</th><th>Origin</th><th>Size</th><th>Files</th><th>Finished</th><th></th></tr></thead>
        <tbody>
          {commits.map((c) => (
            <tr key={c.repo} class={c.repo === repo ? 'selected' : ''}>
              <td><Link href={paths.files(c.repo, c.id)}>{c.repo}</Link></td>
              <td>{c.branch}</td>
              <td>{c.origin}</td>
              <td>{bytes(c.sizeBytes)}</td>
              <td>{c.fileCount}</td>
              <td>{c.finished ? ago(c.finished) : <em>open</em>}</td>
              <td>{c.repo !== repo && <Link href={paths.commit(id, c.repo)}>provenance</Link>}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {jobs.length > 0 && (
        <>
          <h2>Jobs</h2>
          <table data-testid="commit-jobs">
            <thead><tr><th>Pipeline</th><th>State</th><th>Datums</th></tr></thead>
            <tbody>
              {jobs.map((j) => (
                <tr key={j.pipeline}>
                  <td><Link href={paths.job(j.pipeline, j.id)}>{j.pipeline}</Link></td>
                  <td><State state={j.state} /></td>
                  <td><Progress datums={j.datums} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {repo && (
        <>
          <h2>Provenance and subvenance of {repo}@{short(id)}</h2>
          <p class="muted">Upstream: what it was computed from. Downstream: what was computed from it.</p>
          <div class="graph-box" data-testid="provenance"><Graph nodes={graph.nodes} edges={graph.edges} label="Provenance" /></div>
        </>
      )}
    </Page>
  );
}

/** One graph from both trees: edges point from a commit to what was computed from it. */
function provenanceGraph(up: ProvenanceNode | undefined, down: ProvenanceNode | undefined, repo: string): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const nodes = new Map<string, GraphNode>();
  const edges: GraphEdge[] = [];
  const key = (n: ProvenanceNode) => `${n.commit?.repo}@${n.commit?.id}`;
  const add = (n: ProvenanceNode) => {
    const c = n.commit!;
    nodes.set(key(n), { id: key(n), label: `${c.repo}@${short(c.id)}`, sub: n.pipeline ? `${n.origin} · ${n.pipeline} v${n.pipelineVersion}` : `${n.origin} · ${c.branch}`, href: paths.files(c.repo, c.id), kind: 'commit', highlight: c.repo === repo && n === up });
  };
  const walkUp = (n: ProvenanceNode) => {
    add(n);
    for (const child of n.children) {
      walkUp(child);
      edges.push({ from: key(child), to: key(n) });
    }
  };
  const walkDown = (n: ProvenanceNode) => {
    if (!nodes.has(key(n))) add(n);
    for (const child of n.children) {
      walkDown(child);
      edges.push({ from: key(n), to: key(child) });
    }
  };
  if (up?.commit) walkUp(up);
  if (down?.commit) walkDown(down);
  return { nodes: [...nodes.values()], edges };
}
