// Experiments: branches other than the main line; for one, `experiment diff`
// per repo against the main line, the impact preview of its input repos,
// and promote (after a confirmation; a refusal is shown as the daemon says it).
import { useState } from 'preact/hooks';
import { api } from '../api';
import { ErrorBox, Loading, Page } from '../components/bits';
import { bytes, short } from '../format';
import { useLive } from '../live';
import { Link, paths } from '../router';

export function ExperimentsView(props: { branch?: string }) {
  const repos = useLive(() => api.listRepo(), [], (c) => c.kind === 'branch' || c.kind === 'repo');
  if (!repos.data) return <Page title="Experiments">{repos.error ? <ErrorBox error={repos.error} /> : <Loading />}</Page>;
  const branches = [...new Set(repos.data.flatMap((r) => r.branches))].filter((b) => b !== 'master').sort();
  return (
    <Page title="Experiments" sub="Branches beside the main line, compared with it.">
      <nav class="tabs" aria-label="Experiment branches">
        {branches.length === 0 && <p class="muted">No experiment branches: create one from a repo's page.</p>}
        {branches.map((b) => <Link key={b} class={b === props.branch ? 'tab active' : 'tab'} href={paths.experiments(b)}>{b}</Link>)}
      </nav>
      {props.branch && <Experiment branch={props.branch} inputRepos={repos.data.filter((r) => r.branches.includes(props.branch!)).map((r) => r.name)} />}
    </Page>
  );
}

function Experiment(props: { branch: string; inputRepos: string[] }) {
  const { branch } = props;
  const data = useLive(
    async () => {
      const diff = await api.experimentDiff(branch);
      const inputs = diff.filter((r) => !r.isPipeline).map((r) => r.repo);
      const impact = (await Promise.all(inputs.map((repo) => api.impact(`${repo}@${branch}`).catch(() => [])))).flat();
      return { diff, impact };
    },
    [branch],
    (c) => c.kind !== 'datum',
  );
  const [promoted, setPromoted] = useState<{ ok?: string; error?: Error }>({});
  if (!data.data) return data.error ? <ErrorBox error={data.error} /> : <Loading />;
  const { diff, impact } = data.data;
  return (
    <div>
      <h2>experiment diff {branch}</h2>
      <table data-testid="experiment-diff">
        <thead><tr><th>Repo</th><th>Against</th><th>Head</th><th>Pipeline version</th><th>Added</th><th>Modified</th><th>Deleted</th></tr></thead>
        <tbody>
          {diff.map((r) => (
            <tr key={r.repo} data-repo={r.repo}>
              <td><Link href={paths.repo(r.repo, branch)}>{r.repo}</Link></td>
              <td>{r.base}</td>
              <td>{r.head ? <Link href={paths.diff(r.repo, r.head, r.baseHead || r.base)}>{short(r.head)}</Link> : <span class="muted">none</span>}</td>
              <td>{r.isPipeline ? (r.version === r.baseVersion ? `v${r.version}` : `v${r.version} (main v${r.baseVersion})`) : ''}</td>
              <td>{r.added} ({bytes(r.bytesAdded)})</td>
              <td>{r.modified} ({bytes(r.bytesModified)})</td>
              <td>{r.deleted} ({bytes(r.bytesDeleted)})</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Impact of the branch's input commits</h2>
      {impact.length === 0 ? <p class="muted">Nothing would run.</p> : (
        <table data-testid="impact">
          <thead><tr><th>Pipeline</th><th>Branch</th><th>Version</th><th>Datums</th><th>Would run</th><th>Reused</th><th>Note</th></tr></thead>
          <tbody>
            {impact.map((r, i) => (
              <tr key={i}>
                <td><Link href={paths.pipeline(r.pipeline)}>{r.pipeline}</Link></td>
                <td>{r.branch}</td>
                <td>v{r.version}</td>
                <td>{r.total}{r.exact ? '' : '?'}</td>
                <td>{r.run}</td>
                <td>{r.reused}</td>
                <td>{r.note}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Promote</h2>
      <p class="muted">Fast-forwards the main line of every repo to this branch and makes its pipeline versions the main ones.</p>
      <button
        type="button"
        onClick={() => {
          if (!confirm(`Promote ${branch} to the main line? Branches move and pipeline versions change.`)) return;
          setPromoted({});
          api.promote(branch).then(() => {
            setPromoted({ ok: `Promoted ${branch}.` });
            data.reload();
          }, (error: Error) => setPromoted({ error }));
        }}
      >
        Promote {branch}…
      </button>
      {promoted.ok && <p role="status">{promoted.ok}</p>}
      <ErrorBox error={promoted.error} />
    </div>
  );
}
