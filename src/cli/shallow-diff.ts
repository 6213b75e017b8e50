// `diff file --shallow` (pachctl's -s): the changes one level below the folder
// compared. A change deeper down shows as its top folder, with the sizes of the
// changed files under it summed: added when every change under it is an
// addition and the folder was not there before, deleted when every one is a
// deletion and it is gone, else modified.
import type { DiffEntry } from '../client/index.js';

/** The folder a ref's `:/path` names, as a prefix ending in "/" ("/" when the ref has none). */
export function diffBase(ref: string): string {
  const colon = ref.indexOf(':');
  const path = colon < 0 ? '/' : ref.slice(colon + 1) || '/';
  return path.endsWith('/') ? path : `${path}/`;
}

/** `exists(side, folder)`: whether the folder is in the old or the new commit (asked only of all-added or all-deleted folders). */
export async function shallowDiff(entries: Iterable<DiffEntry>, base: string, exists: (side: 'old' | 'new', folder: string) => Promise<boolean>): Promise<DiffEntry[]> {
  const out = new Map<string, DiffEntry>();
  for (const e of entries) {
    const rel = e.path.startsWith(base) ? e.path.slice(base.length) : e.path.replace(/^\//, '');
    const slash = rel.indexOf('/');
    if (slash < 0) {
      out.set(e.path, e);
      continue;
    }
    const dir = `${base}${rel.slice(0, slash)}/`;
    const seen = out.get(dir);
    if (!seen) out.set(dir, { path: dir, change: e.change, sizeBytes: e.sizeBytes, oldSizeBytes: e.oldSizeBytes });
    else out.set(dir, { path: dir, change: seen.change === e.change ? e.change : 'modified', sizeBytes: seen.sizeBytes + e.sizeBytes, oldSizeBytes: seen.oldSizeBytes + e.oldSizeBytes });
  }
  for (const e of out.values()) {
    if (!e.path.endsWith('/') || e.change === 'modified') continue;
    if (await exists(e.change === 'added' ? 'old' : 'new', e.path)) e.change = 'modified';
  }
  return [...out.values()];
}
