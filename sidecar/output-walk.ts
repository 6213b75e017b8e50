// What user code left in /pfs/out, as the files of a datum output: a walk of
// the output folder in sorted order that yields each regular file with its
// path relative to out ('/sub/x.txt'). A symlink is followed while it stays
// inside out and ends at a regular file, or when it points straight at a
// regular file among the datum's inputs (/pfs/<input>/..., stored as that
// file, as Pachyderm stores such links); anything else — a symlink
// pointing outside out (relative `../..` or absolute), a dangling symlink, a
// symlink to a folder, a FIFO, a socket, a device — rejects the whole output
// with a DatumOutputRejected naming the path. Links are resolved segment by
// segment over a small file-system interface, so the rules are tested without
// a disk, and absolute targets are read as the code saw them (/pfs/out/...).
import { readdirSync } from 'node:fs';
import { lstat, readlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { DatumOutputRejected } from '../src/errors/index.js';
import { kindOf, type EntryKind } from '../src/worker-protocol/index.js';


/** The file-system calls the walk needs; paths are host paths. */
export interface OutputFs {
  /** lstat: the entry's kind, or null when it does not exist. */
  kind(path: string): Promise<EntryKind | null>;
  readlink(path: string): Promise<string>;
  list(dir: string): Promise<{ name: string; kind: EntryKind }[]>;
}

export interface OutputFile {
  /** Path inside the output, '/sub/x.txt'. */
  path: string;
  /** Where to read its bytes (a symlink's resolved target). */
  hostPath: string;
  /** Its bytes when they are not at hostPath: a link to an input file given as an empty stand-in (empty_files). */
  read?: () => AsyncIterable<Uint8Array>;
}

/** How user code names the output folder. */
export const SANDBOX_OUT = '/pfs/out';
const MAX_HOPS = 40;

/**
 * Walks `root` (a folder holding what the code wrote to out). `aliases` are the
 * absolute paths under which the code saw that folder (/pfs/out, and the host
 * path when it ran unsandboxed); absolute symlink targets under them stay inside.
 */
export async function* walkOutput(fs: OutputFs, root: string, aliases: readonly string[] = [SANDBOX_OUT], inputs?: InputArea): AsyncIterable<OutputFile> {
  yield* walkDir(fs, root, [], aliases, inputs);
}

/**
 * Where the datum's inputs are, for links from the output to an input file (Pachyderm's shuffle
 * example links inputs into /pfs/out): `aliases` are the folders under which the code saw the
 * inputs (/pfs, and the host folder when unsandboxed), `root` where they are now (root/<input>/...).
 */
export interface InputArea {
  aliases: readonly string[];
  root: string;
  /** The inputs whose files are empty stand-ins (empty_files: true), and how to read such a file's real bytes ('/a/b.txt'). */
  standIns?: { names: ReadonlySet<string>; read(name: string, path: string): AsyncIterable<Uint8Array> };
}

async function* walkDir(fs: OutputFs, root: string, dir: string[], aliases: readonly string[], inputs?: InputArea): AsyncIterable<OutputFile> {
  const entries = await fs.list(join(root, ...dir));
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const segments = [...dir, entry.name];
    const path = '/' + segments.join('/');
    switch (entry.kind) {
      case 'file':
        yield { path, hostPath: join(root, ...segments) };
        break;
      case 'dir':
        yield* walkDir(fs, root, segments, aliases, inputs);
        break;
      case 'symlink': {
        const resolved = await resolveLink(fs, root, segments, aliases);
        if ('problem' in resolved) {
          const input = inputs && (await resolveInputLink(fs, root, segments, aliases, inputs));
          if (input) {
            // An empty stand-in's link stores the input file itself, as Pachyderm does, not the stand-in's no bytes.
            const [name, ...rest] = input.segments as [string, ...string[]];
            const standIns = inputs.standIns?.names.has(name) ? inputs.standIns : undefined;
            yield { path, hostPath: input.hostPath, ...(standIns && { read: () => standIns.read(name, '/' + rest.join('/')) }) };
            break;
          }
          throw new DatumOutputRejected(path, resolved.problem);
        }
        yield { path, hostPath: join(root, ...resolved.segments) };
        break;
      }
      default:
        throw new DatumOutputRejected(path, 'is not a regular file, folder or symlink');
    }
  }
}

export type Resolution = { segments: string[] } | { problem: string };

/**
 * A link from the output straight to a regular file among the datum's inputs (`/pfs/images/a.png`,
 * or `../images/a.png` from /pfs/out): the input file's path now and its segments under the inputs'
 * root (input name first), else undefined. The file is stored as the link's content, as Pachyderm
 * stores such links.
 */
export async function resolveInputLink(fs: OutputFs, root: string, link: readonly string[], aliases: readonly string[], inputs: InputArea): Promise<{ hostPath: string; segments: string[] } | undefined> {
  const target = await fs.readlink(join(root, ...link));
  let seen: string; // the target as the code saw it, under the first input alias
  const pfs = inputs.aliases[0] ?? '/pfs';
  if (target.startsWith('/')) {
    const alias = inputs.aliases.find((a) => target.startsWith(a.endsWith('/') ? a : a + '/'));
    if (alias === undefined) return undefined;
    seen = posix.join(pfs, target.slice(alias.length));
  } else {
    const outAlias = aliases.find((a) => a.startsWith(pfs + '/')) ?? SANDBOX_OUT;
    seen = posix.resolve(posix.join(outAlias, ...link.slice(0, -1)), target);
  }
  const rest = seen.startsWith(pfs + '/') ? seen.slice(pfs.length + 1).split('/') : [];
  if (rest.length < 2 || rest[0] === 'out' || rest.some((s) => s === '..' || s === '')) return undefined;
  const host = join(inputs.root, ...rest);
  return (await fs.kind(host)) === 'file' ? { hostPath: host, segments: rest } : undefined;
}

/** Resolves the symlink at `link` (segments under root) to a regular file under root, or says why it cannot be. */
export async function resolveLink(fs: OutputFs, root: string, link: readonly string[], aliases: readonly string[]): Promise<Resolution> {
  const outside: Resolution = { problem: `is a symlink pointing outside ${SANDBOX_OUT}` };
  let parts = link.slice(0, -1);
  let hops = 1;
  // Segments of a link target, resetting `parts` for an absolute one; null when it leaves the output.
  const targetSegments = (target: string): string[] | null => {
    if (!target.startsWith('/')) return target.split('/');
    const alias = aliases.find((a) => target === a || target.startsWith(a.endsWith('/') ? a : a + '/'));
    if (alias === undefined) return null;
    parts = [];
    return target.slice(alias.length).split('/');
  };
  const first = targetSegments(await fs.readlink(join(root, ...link)));
  if (!first) return outside;
  const queue = first;
  while (queue.length > 0) {
    const segment = queue.shift()!;
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (parts.length === 0) return outside;
      parts.pop();
      continue;
    }
    parts.push(segment);
    const kind = await fs.kind(join(root, ...parts));
    if (kind === null) return { problem: 'is a dangling symlink' };
    if (kind === 'symlink') {
      if (++hops > MAX_HOPS) return { problem: 'is a symlink loop (too many levels of links)' };
      const target = await fs.readlink(join(root, ...parts));
      parts.pop();
      const next = targetSegments(target);
      if (!next) return outside;
      queue.unshift(...next);
    } else if (kind !== 'dir' && queue.some((s) => s !== '' && s !== '.')) {
      return { problem: 'is a dangling symlink' };
    }
  }
  const kind = parts.length === 0 ? 'dir' : await fs.kind(join(root, ...parts));
  if (kind === 'file') return { segments: parts };
  if (kind === 'dir') return { problem: 'is a symlink to a folder (only links to files are followed)' };
  return { problem: 'is a symlink to something that is not a regular file' };
}

/** OutputFs over the real file system. */
export const nodeOutputFs: OutputFs = {
  async kind(path) {
    try {
      return kindOf(await lstat(path));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
      throw err;
    }
  },
  readlink: (path) => readlink(path),
  async list(dir) {
    return readdirSync(dir, { withFileTypes: true }).map((d) => ({ name: d.name, kind: kindOf(d) }));
  },
};

/**
 * `fs`, answering the listing of `root` from `listed` instead of reading the folder again: the
 * entries as they were listed when they were moved there (the datum area lists /pfs/out once, to
 * move what the code wrote into the slot folder it is uploaded from).
 */
export function withListing(fs: OutputFs, root: string, listed: readonly { name: string; kind: EntryKind }[]): OutputFs {
  return { ...fs, list: (dir) => (dir === root ? Promise.resolve(listed.map((e) => ({ ...e }))) : fs.list(dir)) };
}

