// The Tusk web console: a header with the main sections, and the view the
// URL names. Served by tuskd on its HTTP port; talks to it through ./api.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { setToken, UNAUTHENTICATED_EVENT } from './api';
import { Link, paths, useLocation } from './router';
import { CommitView } from './views/Commit';
import { DagView } from './views/Dag';
import { ExperimentsView } from './views/Experiments';
import { DiffView, FilesView } from './views/Files';
import { JobView } from './views/Job';
import { MetricsView } from './views/Metrics';
import { PipelineView } from './views/Pipeline';
import { RepoView } from './views/Repo';
import './style.css';

function route(path: string, query: URLSearchParams) {
  let m: RegExpExecArray | null;
  if (path === '/') return <DagView branch={query.get('branch') || 'master'} />;
  if ((m = /^\/repos\/([^/]+)\/files\/([^/]+)(\/.*)?$/.exec(path))) return <FilesView repo={m[1]!} gref={m[2]!} path={(m[3] ?? '/').replace(/(.)\/$/, '$1')} />;
  if ((m = /^\/repos\/([^/]+)\/diff\/([^/]+)\/([^/]+)$/.exec(path))) return <DiffView repo={m[1]!} newRef={m[2]!} oldRef={m[3]!} />;
  if ((m = /^\/repos\/([^/]+)\/?$/.exec(path))) return <RepoView repo={m[1]!} branch={query.get('branch') || 'master'} />;
  if ((m = /^\/commits\/([0-9a-f]+)(?:\/([^/]+))?$/.exec(path))) return <CommitView id={m[1]!} repo={m[2]} />;
  if ((m = /^\/pipelines\/([^/]+)\/jobs\/([0-9a-f]+)(?:\/datums\/([0-9a-f]+))?$/.exec(path))) return <JobView pipeline={m[1]!} id={m[2]!} datum={m[3]} failedOnly={query.get('failed') === '1'} />;
  if ((m = /^\/pipelines\/([^/]+)\/?$/.exec(path))) return <PipelineView name={m[1]!} />;
  if ((m = /^\/experiments(?:\/([^/]+))?\/?$/.exec(path))) return <ExperimentsView branch={m[1]} />;
  if (path === '/stats') return <MetricsView />;
  return <p class="error">No view at {path}. <Link href="/">Back to the DAG</Link></p>;
}

function App() {
  const { path, query } = useLocation();
  // Once any call answers Unauthenticated (access control is on and the token is missing, expired or revoked),
  // the console shows its sign-in page instead of a view that cannot load.
  const [signIn, setSignIn] = useState<string | undefined>(undefined);
  useEffect(() => {
    const onUnauthenticated = (e: Event) => setSignIn((e as CustomEvent<string>).detail);
    window.addEventListener(UNAUTHENTICATED_EVENT, onUnauthenticated);
    return () => window.removeEventListener(UNAUTHENTICATED_EVENT, onUnauthenticated);
  }, []);
  if (signIn !== undefined) return <SignIn reason={signIn} />;
  const section = path.startsWith('/experiments') ? 'experiments' : path === '/stats' ? 'metrics' : 'dag';
  return (
    <>
      <header class="top">
        <Link href="/" class="brand">Tusk</Link>
        <nav aria-label="Sections">
          <Link href="/" class={section === 'dag' ? 'active' : ''}>DAG</Link>
          <Link href={paths.experiments()} class={section === 'experiments' ? 'active' : ''}>Experiments</Link>
          <Link href={paths.metrics()} class={section === 'metrics' ? 'active' : ''}>Metrics</Link>
        </nav>
        <TokenButton />
      </header>
      <main>{route(path, query)}</main>
    </>
  );
}

/** The sign-in page: access control is on and the daemon wants a token (`tusk auth get-robot-token user:NAME` makes one). */
function SignIn({ reason }: { reason: string }) {
  const [value, setValue] = useState('');
  return (
    <main class="sign-in">
      <h1>Sign in to Tusk</h1>
      <p>Access control is on for this daemon: give an access token ({reason}).</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setToken(value.trim());
          location.reload();
        }}
      >
        <label>
          Access token{' '}
          <input type="password" autoFocus value={value} onInput={(e) => setValue((e.currentTarget as HTMLInputElement).value)} />
        </label>{' '}
        <button type="submit">Sign in</button>
      </form>
      <p class="muted">A token comes from <code>tusk auth activate</code> (the root token) or <code>tusk auth get-robot-token user:NAME</code>.</p>
    </main>
  );
}

/** Where a person gives the console an access token once the daemon's access control is on. */
function TokenButton() {
  const [open, setOpen] = useState(false);
  const [value, setValue] = useState('');
  if (!open) return <button type="button" class="link token" onClick={() => setOpen(true)}>Access token</button>;
  return (
    <form
      class="token"
      onSubmit={(e) => {
        e.preventDefault();
        setToken(value.trim());
        setOpen(false);
        location.reload();
      }}
    >
      <input type="password" value={value} onInput={(e) => setValue((e.currentTarget as HTMLInputElement).value)} placeholder="token (empty: none)" aria-label="Access token" />
      <button type="submit">Use</button>
    </form>
  );
}

render(<App />, document.getElementById('app')!);
