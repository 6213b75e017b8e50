// The file browser at any ref (branch, commit, ancestor): breadcrumbs, a
// folder's entries with sizes, a file's preview and download, and the diff
// of two refs with a line diff of small text files.
import { useState } from 'preact/hooks';
import { api, fileBytes } from '../api';
import { ErrorBox, Loading, Page } from '../components/bits';
import { Preview, TEXT } from '../components/Preview';
import { bytes, short } from '../format';
import { useLive } from '../live';
import { Link, paths } from '../router';

export function FilesView(props: { repo: string; gref: string; path: string }) {
  const { repo, gref, path } = props;
  const at = `${repo}@${gref}:${path}`;
  const data = useLive(
    async () => {
      const [commit, info] = await Promise.all([api.inspectCommit(`${repo}@${gref}`), path === '/' ? undefined : api.inspectFile(at)]);
      const files = !info || info.type === 'dir' ? await api.listFile(at) : [];
      return { commit, info, files };
    },
    [at],
    (c) => c.repo === repo && !/^[0-9a-f]{32}$/.test(gref),
  );
  const crumbs = path.split('/').filter(Boolean);
  const title = (
    <nav class="crumbs" aria-label="Path">
      <Link href={paths.repo(repo)}>{repo}</Link>@<Link href={paths.files(repo, gref)}>{/^[0-9a-f]{32}$/.test(gref) ? short(gref) : gref}</Link>:
      {crumbs.map((c, i) => <span key={i}>/<Link href={paths.files(repo, gref, '/' + crumbs.slice(0, i + 1).join('/'))}>{c}</Link></span>)}
      {crumbs.length === 0 && '/'}
    </nav>
  );
  if (!data.data) return <Page title={title}>{data.error ? <ErrorBox error={data.error} /> : <Loading />}</Page>;
  const { commit, info, files } = data.data;
  const sub = (
    <>
      commit <Link href={paths.commit(commit.id, repo)}><code>{short(commit.id)}</code></Link> ({commit.origin}{commit.finished ? '' : ', open'}) · <Link href={paths.commit(commit.id, repo)}>provenance</Link>
    </>
  );
  if (info && info.type === 'file') {
    return (
      <Page title={title} sub={<>{sub} · {bytes(info.sizeBytes)}</>} actions={<button type="button" onClick={() => download(at, path)}>Download</button>}>
        <Preview file={`${repo}@${commit.id}:${path}`} path={path} size={info.sizeBytes} />
      </Page>
    );
  }
  return (
    <Page title={title} sub={sub}>
      {files.length === 0 ? (
        <p class="muted">This folder is empty.</p>
      ) : (
        <table data-testid="files">
          <thead><tr><th>Name</th><th>Type</th><th>Size</th><th></th></tr></thead>
          <tbody>
            {files.map((f) => (
              <tr key={f.path}>
                <td><Link href={paths.files(repo, gref, f.path)}>{f.path.split('/').filter(Boolean).pop()}{f.type === 'dir' ? '/' : ''}</Link></td>
                <td>{f.type}</td>
                <td data-bytes={f.sizeBytes}>{bytes(f.sizeBytes)}</td>
                <td>{f.type === 'file' && <button type="button" class="link" onClick={() => download(`${repo}@${commit.id}:${f.path}`, f.path)}>download</button>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Page>
  );
}

/** Saves a file through the API (so a token, once needed, is sent with it). */
async function download(file: string, path: string): Promise<void> {
  const blob = await fileBytes(file);
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = path.split('/').pop() || 'file';
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function DiffView(props: { repo: string; newRef: string; oldRef: string }) {
  const { repo, newRef, oldRef } = props;
  const data = useLive(() => api.diffFile(`${repo}@${newRef}`, `${repo}@${oldRef}`), [repo, newRef, oldRef], () => false);
  const label = (r: string) => (/^[0-9a-f]{32}$/.test(r) ? short(r) : r);
  const [open, setOpen] = useState<string>();
  return (
    <Page title={<>Diff of {repo}: {label(newRef)} against {label(oldRef)}</>}>
      {!data.data ? (data.error ? <ErrorBox error={data.error} /> : <Loading />) : data.data.length === 0 ? (
        <p class="muted">No differences.</p>
      ) : (
        <table data-testid="diff">
          <thead><tr><th>Path</th><th>Change</th><th>Old size</th><th>New size</th><th></th></tr></thead>
          <tbody>
            {data.data.flatMap((d) => [
              <tr key={d.path} class={`change-${d.change}`}>
                <td>{d.change === 'deleted' ? d.path : <Link href={paths.files(repo, newRef, d.path)}>{d.path}</Link>}</td>
                <td>{d.change}</td>
                <td>{d.change === 'added' ? '' : bytes(d.oldSizeBytes)}</td>
                <td>{d.change === 'deleted' ? '' : bytes(d.sizeBytes)}</td>
                <td>
                  {d.change === 'modified' && TEXT.test(d.path) && Math.max(d.sizeBytes, d.oldSizeBytes) <= TEXT_DIFF_BYTES && (
                    <button type="button" class="link" onClick={() => setOpen(open === d.path ? undefined : d.path)}>{open === d.path ? 'hide' : 'text diff'}</button>
                  )}
                </td>
              </tr>,
              open === d.path && (
                <tr key={`${d.path}-diff`}>
                  <td colSpan={5}><TextDiff oldFile={`${repo}@${oldRef}:${d.path}`} newFile={`${repo}@${newRef}:${d.path}`} /></td>
                </tr>
              ),
            ])}
          </tbody>
        </table>
      )}
    </Page>
  );
}

/** Text files up to this size get a line diff. */
const TEXT_DIFF_BYTES = 256 * 1024;

function TextDiff(props: { oldFile: string; newFile: string }) {
  const data = useLive(
    async () => {
      const [{ diffLines }, before, after] = await Promise.all([import('diff'), fileBytes(props.oldFile).then((b) => b.text()), fileBytes(props.newFile).then((b) => b.text())]);
      return diffLines(before, after);
    },
    [props.oldFile, props.newFile],
    () => false,
  );
  if (!data.data) return data.error ? <ErrorBox error={data.error} /> : <Loading />;
  return (
    <pre class="text-diff" data-testid="text-diff">
      {data.data.flatMap((part, i) =>
        part.value.replace(/\n$/, '').split('\n').map((line, j) => (
          <div key={`${i}-${j}`} class={part.added ? 'added' : part.removed ? 'removed' : ''}>{part.added ? '+ ' : part.removed ? '- ' : '  '}{line}</div>
        )),
      )}
    </pre>
  );
}
