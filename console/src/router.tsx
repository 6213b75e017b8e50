// Client-side routes: every view has its own URL (repo, ref, path, job and
// datum in the path), so a view can be bookmarked and shared; the daemon
// answers any such path with the console's index.html. The names in a path
// are percent-encoded one segment at a time (paths.*), so a file called
// `a#b.txt`, `what?.csv` or `100%.txt` is a path segment, not a fragment, a
// query or a broken escape; useLocation() decodes them back.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';

export function navigate(to: string): void {
  if (to === location.pathname + location.search) return;
  history.pushState(null, '', to);
  dispatchEvent(new PopStateEvent('popstate'));
}

/** The current path and query, re-rendering on navigation. */
export function useLocation(): { path: string; query: URLSearchParams } {
  const [, setTick] = useState(0);
  useEffect(() => {
    const onPop = () => setTick((t) => t + 1);
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);
  return { path: decodePath(location.pathname), query: new URLSearchParams(location.search) };
}

/** A path as typed or linked, each segment decoded (one that is not a valid escape, such as a bare `%`, stays as it is). */
export function decodePath(pathname: string): string {
  return pathname
    .split('/')
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    })
    .join('/');
}

/** Each segment of a path percent-encoded: what paths.* put in a URL. */
function enc(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/** A link that changes the view without reloading the page (new tab and copy-link work as usual). `href`: from paths.*. */
export function Link(props: { href: string; class?: string; title?: string; children: ComponentChildren }) {
  return (
    <a
      href={props.href}
      class={props.class}
      title={props.title}
      onClick={(e) => {
        if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
        e.preventDefault();
        navigate(props.href);
      }}
    >
      {props.children}
    </a>
  );
}

export const paths = {
  dag: (branch?: string) => (branch && branch !== 'master' ? `/?branch=${encodeURIComponent(branch)}` : '/'),
  repo: (repo: string, branch?: string) => `/repos/${enc(repo)}${branch ? `?branch=${encodeURIComponent(branch)}` : ''}`,
  files: (repo: string, ref: string, path = '/') => `/repos/${enc(repo)}/files/${enc(ref)}${path === '/' ? '/' : enc(path)}`,
  diff: (repo: string, newRef: string, oldRef: string) => `/repos/${enc(repo)}/diff/${enc(newRef)}/${enc(oldRef)}`,
  commit: (id: string, repo?: string) => `/commits/${enc(id)}${repo ? `/${enc(repo)}` : ''}`,
  pipeline: (name: string) => `/pipelines/${enc(name)}`,
  job: (pipeline: string, id: string, failedOnly = false) => `/pipelines/${enc(pipeline)}/jobs/${enc(id)}${failedOnly ? '?failed=1' : ''}`,
  datum: (pipeline: string, job: string, datum: string) => `/pipelines/${enc(pipeline)}/jobs/${enc(job)}/datums/${enc(datum)}`,
  experiments: (branch?: string) => `/experiments${branch ? `/${enc(branch)}` : ''}`,
  metrics: () => '/stats',
};
