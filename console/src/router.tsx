// Client-side routes: every view has its own URL (repo, ref, path, job and
// datum in the path), so a view can be bookmarked and shared; the daemon
// answers any such path with the console's index.html.
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
  return { path: decodeURI(location.pathname), query: new URLSearchParams(location.search) };
}

/** A link that changes the view without reloading the page (new tab and copy-link work as usual). */
export function Link(props: { href: string; class?: string; title?: string; children: ComponentChildren }) {
  return (
    <a
      href={encodeURI(props.href)}
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
  repo: (repo: string, branch?: string) => `/repos/${repo}${branch ? `?branch=${encodeURIComponent(branch)}` : ''}`,
  files: (repo: string, ref: string, path = '/') => `/repos/${repo}/files/${ref}${path === '/' ? '/' : path}`,
  diff: (repo: string, newRef: string, oldRef: string) => `/repos/${repo}/diff/${newRef}/${oldRef}`,
  commit: (id: string, repo?: string) => `/commits/${id}${repo ? `/${repo}` : ''}`,
  pipeline: (name: string) => `/pipelines/${name}`,
  job: (pipeline: string, id: string, failedOnly = false) => `/pipelines/${pipeline}/jobs/${id}${failedOnly ? '?failed=1' : ''}`,
  datum: (pipeline: string, job: string, datum: string) => `/pipelines/${pipeline}/jobs/${job}/datums/${datum}`,
  experiments: (branch?: string) => `/experiments${branch ? `/${branch}` : ''}`,
  metrics: () => '/stats',
};
