// A repo: its branches (heads, triggers), the commits of one branch newest
// first, and the writes a person needs: create a branch, upload a file into
// a new commit, compare two refs.
import { useState } from 'preact/hooks';
import { api, upload } from '../api';
import { ErrorBox, Loading, Page } from '../components/bits';
import { ago, bytes, short } from '../format';
import { useLive } from '../live';
import { Link, navigate, paths } from '../router';
import type { Branch, Commit, Repo, Trigger } from '../types';

export function RepoView(props: { repo: string; branch: string }) {
  const { repo, branch } = props;
  const data = useLive(
    async () => {
      const [info, branches] = await Promise.all([api.inspectRepo(repo), api.listBranch(repo)]);
      const commits = branches.some((b) => b.name === branch) ? await api.listCommit(repo, branch) : [];
      return { info, branches, commits };
    },
    [repo, branch],
    (c) => c.repo === repo || c.pipeline === repo || c.kind === 'repo',
  );
  if (!data.data && data.error) return <ErrorBox error={data.error} />;
  // The forms stay mounted while another branch loads: a file chosen meanwhile is kept.
  return (
    <Page title={<>Repo {repo}</>} sub={data.data && describeRepo(data.data.info)} actions={<Link class="button" href={paths.files(repo, branch)}>Browse files on {branch}</Link>}>
      {data.data ? <RepoState repo={repo} branch={branch} {...data.data} /> : <Loading />}
      <div class="forms">
        <CreateBranch repo={repo} onDone={data.reload} />
        <Upload repo={repo} branch={branch} onDone={data.reload} />
        <CompareRefs repo={repo} branch={branch} />
      </div>
    </Page>
  );
}

function describeRepo(info: Repo): string {
  return `${bytes(info.sizeBytes)}${info.description ? ` · ${info.description}` : ''}`;
}

function RepoState(props: { repo: string; branch: string; branches: Branch[]; commits: Commit[] }) {
  const { repo, branch, branches, commits } = props;
  return (
    <>
      <h2>Branches</h2>
      <table data-testid="branches">
        <thead><tr><th>Branch</th><th>Head</th><th>Trigger</th></tr></thead>
        <tbody>
          {branches.map((b) => (
            <tr key={b.name}>
              <td><Link href={paths.repo(repo, b.name)}>{b.name}</Link>{b.name === branch && <span class="muted"> (shown)</span>}</td>
              <td>{b.head ? <Link href={paths.files(repo, b.head)}>{short(b.head)}</Link> : <span class="muted">empty</span>}</td>
              <td>{b.trigger ? describeTrigger(b.trigger) : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Commits on {branch}</h2>
      {commits.length === 0 ? (
        <p class="muted">No commits on {branch}.</p>
      ) : (
        <table data-testid="commits">
          <thead><tr><th>Commit</th><th>Origin</th><th>Size</th><th>Files</th><th>Description</th><th>Finished</th><th></th></tr></thead>
          <tbody>
            {commits.map((c, i) => (
              <tr key={c.id}>
                <td><Link href={paths.files(repo, c.id)}><code>{short(c.id)}</code></Link></td>
                <td>{c.origin}</td>
                <td>{bytes(c.sizeBytes)}</td>
                <td>{c.fileCount}</td>
                <td>{c.description}</td>
                <td title={c.finished || 'open'}>{c.finished ? ago(c.finished) : <em>open</em>}</td>
                <td>
                  <Link href={paths.commit(c.id, repo)}>provenance</Link>
                  {c.parentId && i < commits.length && <> · <Link href={paths.diff(repo, c.id, c.parentId)}>diff</Link></>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function describeTrigger(t: Trigger): string {
  const when = [t.size && `size ≥ ${t.size}`, t.commits > 0 && `${t.commits} commits`, t.cronSpec && `cron ${t.cronSpec}`].filter(Boolean).join(t.all ? ' and ' : ' or ');
  return `from ${t.branch}${when ? ` when ${when}` : ''}`;
}

function CreateBranch(props: { repo: string; onDone: () => void }) {
  const [name, setName] = useState('');
  const [head, setHead] = useState('master');
  const [error, setError] = useState<Error>();
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        setError(undefined);
        api.createBranch(`${props.repo}@${name.trim()}`, head.trim() ? `${props.repo}@${head.trim()}` : '').then(() => {
          setName('');
          props.onDone();
        }, setError);
      }}
    >
      <h2>Create a branch</h2>
      <label>Name <input value={name} onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)} required aria-label="New branch name" /></label>
      <label>Head <input value={head} onInput={(e) => setHead((e.currentTarget as HTMLInputElement).value)} placeholder="branch or commit (empty: none)" aria-label="New branch head" /></label>
      <button type="submit">Create branch</button>
      <ErrorBox error={error} />
    </form>
  );
}

function Upload(props: { repo: string; branch: string; onDone: () => void }) {
  const [file, setFile] = useState<File>();
  const [path, setPath] = useState('');
  const [message, setMessage] = useState('');
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        if (!file) return;
        setError(undefined);
        setBusy(true);
        upload(`${props.repo}@${props.branch}`, path || `/${file.name}`, file, message).then(
          (r) => {
            setBusy(false);
            props.onDone();
            navigate(paths.files(props.repo, r.commit.id));
          },
          (err: Error) => {
            setBusy(false);
            setError(err);
          },
        );
      }}
    >
      <h2>Upload a file to {props.branch}</h2>
      <input type="file" aria-label="File to upload" onChange={(e) => setFile((e.currentTarget as HTMLInputElement).files?.[0])} required />
      <label>Path <input value={path} onInput={(e) => setPath((e.currentTarget as HTMLInputElement).value)} placeholder={file ? `/${file.name}` : '/name'} aria-label="Path in the repo" /></label>
      <label>Message <input value={message} onInput={(e) => setMessage((e.currentTarget as HTMLInputElement).value)} aria-label="Commit message" /></label>
      <button type="submit" disabled={busy}>{busy ? 'Uploading…' : 'Upload in a new commit'}</button>
      <ErrorBox error={error} />
    </form>
  );
}

function CompareRefs(props: { repo: string; branch: string }) {
  const [newRef, setNew] = useState(props.branch);
  const [oldRef, setOld] = useState(`${props.branch}^`);
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        navigate(paths.diff(props.repo, newRef.trim(), oldRef.trim()));
      }}
    >
      <h2>Compare two refs</h2>
      <label>New <input value={newRef} onInput={(e) => setNew((e.currentTarget as HTMLInputElement).value)} aria-label="New ref" /></label>
      <label>Old <input value={oldRef} onInput={(e) => setOld((e.currentTarget as HTMLInputElement).value)} aria-label="Old ref" /></label>
      <button type="submit">Diff</button>
    </form>
  );
}
