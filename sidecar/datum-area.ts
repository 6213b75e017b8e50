// The datum area: $TUSK_PFS, where user code finds its inputs and writes its
// output, and the staging folder beside it where datums are prepared ahead of
// time. A datum named by the worker (its slot) is staged in a slot folder
// (`<stage>/s<N>/in/<input>/...`); activating it renames its input folders
// into $TUSK_PFS, and finishing it renames them back together with what the
// code wrote to $TUSK_PFS/out (into `<stage>/s<N>/out`), uploads that if asked,
// and empties the slot folder for the next datum. So switching datums costs a
// few renames, the next datums' files are fetched and the last output uploaded
// while the code runs, and folders are reused rather than created per datum
// (creating a folder costs ~1 ms on some disks, more than a whole datum should).
// $TUSK_PFS/out itself is never replaced, only emptied: a sandbox holds it
// bind-mounted for the worker's whole life. With datum batching the worker
// does the renames of activating and collecting itself, on the slot folders
// `prepare` answers, and tells `collected` what it moved. The stage must be on the same mount
// as $TUSK_PFS (reset() checks). Renames and small listings use the synchronous calls:
// they take microseconds, where a trip through the thread pool per call cost
// more than the rest of a trivial datum. A released slot's input files are
// kept as spare files that later datums' small inputs are written into,
// instead of being deleted and created anew (see fetch-inputs.ts): left in
// place in the slot's in/ for the next datum prepared in it (one rename each,
// to its new name, when that datum's files are all small and top-level), else
// moved to `<stage>/spare` (up to SPARES); outputs, which the code may still
// hold open, are deleted.
import { lstatSync, mkdirSync, readdirSync, renameSync, rmdirSync, rmSync, unlinkSync } from 'node:fs';
import { mkdir, readdir, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { FailedPrecondition } from '../src/errors/index.js';
import { fetchInputs, type FileSource, type SpareFiles } from './fetch-inputs.js';
import { nodeOutputFs, walkOutput, withListing, SANDBOX_OUT, type InputArea } from './output-walk.js';
import { kindOf, type CollectedEntry, type DatumInput, type DatumRef, type EntryKind, type SlotDirs } from '../src/worker-protocol/index.js';
import type { Limit } from './serial.js';
import { storeOutput, type DatumOutput, type OutputSink } from './upload.js';

/** A reusable slot folder and the folders known to exist in it. */
interface SlotDir {
  path: string;
  made: Set<string>;
  /** Input names of the datum staged in it. */
  names: string[];
  /** Inputs of the datum staged in it whose files are empty stand-ins (empty_files): name → `repo@commit`. */
  standIns: Map<string, string>;
  /** Input names staged in it since it was made: the folders its in/ may hold (release empties them without listing in/). */
  staged: Set<string>;
  /** Input files of the datum released last, left where they were in in/<input>: spares for the next datum prepared here. */
  kept: string[];
  /** What the code left in out/, as listed when it was moved to the slot's out/ (so the upload need not list it again). */
  collected?: { name: string; kind: EntryKind }[];
  /**
   * What the one collect of this slot (the sidecar's, or the worker's listing) moved into out/: all it holds, which
   * release removes without listing out/ again; null once more may be there (a second collect, or a failed one).
   */
  movedOut?: Entry[] | null;
}

/** An entry of a folder: its name and what it is. */
interface Entry {
  name: string;
  kind: EntryKind;
}

/** Spare files kept at most (each a small file: an inode and a block or so). */
const SPARES = 1024;

export class DatumArea {
  private readonly slots = new Map<string, SlotDir>();
  private spares: string[] = [];
  private sparesMade = 0;
  private readonly spareFiles: SpareFiles = { take: () => this.spares.pop() };
  private readonly free: SlotDir[] = [];
  private created = 0;
  private active: { slot: string; dir: SlotDir } | undefined;
  /** out/ was emptied by a collect in this run of the microtask queue (no I/O since: nothing new can be in it). */
  private outJustEmptied = false;
  readonly out: string;

  constructor(
    readonly pfs: string,
    readonly stage: string,
    private readonly source: FileSource,
    private readonly sink: OutputSink,
    private readonly fetchLimit: Limit,
  ) {
    this.out = join(pfs, 'out');
  }

  /** Empties $TUSK_PFS (keeping out/ itself) and drops every slot. */
  async reset(): Promise<void> {
    await mkdir(this.out, { recursive: true });
    await emptyDir(this.out);
    for (const name of await readdir(this.pfs)) if (name !== 'out') await rm(join(this.pfs, name), { recursive: true, force: true });
    await rm(this.stage, { recursive: true, force: true });
    await mkdir(join(this.stage, 'spare'), { recursive: true });
    this.checkRenames();
    this.spares = [];
    this.slots.clear();
    this.free.length = 0;
    this.active = undefined;
  }

  /**
   * Switching datums renames folders between the stage and $TUSK_PFS: refuses to start, with the
   * reason, where that cannot work (two mounts, e.g. two volumes of a pod), rather than failing
   * every datum later.
   */
  private checkRenames(): void {
    const probe = join(this.stage, 'rename-probe');
    const there = join(this.pfs, '.tusk-rename-probe');
    mkdirSync(probe);
    try {
      renameSync(probe, there);
      rmdirSync(there);
    } catch (err) {
      rmSync(probe, { recursive: true, force: true });
      const why = (err as NodeJS.ErrnoException).code === 'EXDEV' ? 'they are on different mounts' : (err as Error).message;
      throw new FailedPrecondition('StageNotBesidePfs', `the stage ${this.stage} and $TUSK_PFS ${this.pfs} must be on one mount (datums are switched by renaming folders between them): ${why}`, {
        stage: this.stage,
        pfs: this.pfs,
      });
    }
  }

  /** Fetches a datum's inputs into a slot folder; `dirs` are its folders, for a worker that switches datums itself. */
  async prepare(slot: string, inputs: readonly DatumInput[]): Promise<{ files: number; bytes: number; dirs: SlotDirs }> {
    if (this.slots.has(slot)) throw new FailedPrecondition('SlotInUse', `datum slot ${slot} is already prepared`, { slot });
    const dir = this.free.pop() ?? (await this.newSlotDir());
    this.slots.set(slot, dir);
    dir.names = [...new Set(inputs.map((i) => i.name))];
    dir.standIns = new Map(inputs.filter((i) => i.emptyFiles).map((i) => [i.name, `${i.repo}@${i.commit}`]));
    for (const name of dir.names) dir.staged.add(name);
    // The last datum's files still in in/ are written over when every file of this one is written at once and
    // top-level (no folder to make where a kept file is, no download to land on one); else they become spares.
    const kept = new Set(dir.kept);
    dir.kept = [];
    if (kept.size > 0 && !inputs.every((i) => i.files.every((f) => (i.emptyFiles || f.data !== undefined) && TOP_LEVEL.test(f.path)))) this.toSpares(kept);
    const spares: SpareFiles = kept.size === 0 ? this.spareFiles : { take: (target) => takeKept(kept, target) ?? this.spares.pop() };
    try {
      const fetched = await fetchInputs(this.source, this.fetchLimit, join(dir.path, 'in'), inputs, dir.made, spares);
      return { ...fetched, dirs: { in: join(dir.path, 'in'), out: join(dir.path, 'out') } };
    } finally {
      // Not written over: out of the way of this datum's code.
      this.toSpares(kept);
    }
  }

  /**
   * The worker collected the slot itself (worker/datum-switch.ts): its inputs are back in `in/` and
   * what the code wrote is in `out/`, as `listed`; the upload walks that listing.
   */
  collected(slot: string, listed: readonly CollectedEntry[]): void {
    const dir = this.slotDir(slot);
    if (this.active?.slot === slot) throw new FailedPrecondition('SlotActive', `datum slot ${slot} is active in $TUSK_PFS: the sidecar collects it`, { slot });
    dir.collected = listed.map((e) => ({ name: e.name, kind: e.kind }));
    // The worker lists all it moved (a collect of its that fails sends no listing: see the protocol).
    dir.movedOut = dir.movedOut === undefined ? dir.collected : null;
  }

  /** Moves the slot's inputs to $TUSK_PFS/<input> and makes sure out/ is empty. */
  async activate(slot: string): Promise<void> {
    const dir = this.slotDir(slot);
    if (this.active) await this.collect(this.active.slot);
    for (const name of dir.names) {
      const target = join(this.pfs, name);
      try {
        renameSync(join(dir.path, 'in', name), target);
      } catch {
        await rm(target, { recursive: true, force: true });
        renameSync(join(dir.path, 'in', name), target);
      }
    }
    this.active = { slot, dir };
    // A collect just now moved everything out of out/ (the worker sends `finish` and `activate` together): no second listing.
    if (!this.outJustEmptied) await emptyDir(this.out);
  }

  async clearOut(): Promise<void> {
    await emptyDir(this.out);
  }

  /** Moves what the code wrote to the slot's out/ and the inputs back to its in/. */
  async collect(slot: string): Promise<void> {
    if (this.active?.slot !== slot) return;
    const { dir } = this.active;
    this.active = undefined;
    const saved = join(dir.path, 'out');
    const first = dir.movedOut === undefined;
    dir.movedOut = null;
    const moved = list(this.out);
    for (const entry of moved) renameSync(join(this.out, entry.name), join(saved, entry.name));
    dir.collected = moved;
    if (first) dir.movedOut = moved;
    this.outJustEmptied = true;
    process.nextTick(() => (this.outJustEmptied = false)); // after the microtasks queued now, before any I/O
    for (const name of dir.names) {
      try {
        renameSync(join(this.pfs, name), join(dir.path, 'in', name));
      } catch {
        await rm(join(this.pfs, name), { recursive: true, force: true });
      }
    }
  }

  /** Uploads the collected output of a slot as the output of `datum`, or returns it inline when small. */
  upload(slot: string, datum: DatumRef): Promise<DatumOutput> {
    const dir = this.slotDir(slot);
    const standIns = dir.standIns;
    const inputs: InputArea = {
      aliases: ['/pfs', this.pfs],
      root: join(dir.path, 'in'),
      standIns: { names: new Set(standIns.keys()), read: (name, path) => this.source.getFile(`${standIns.get(name)}:${path}`) },
    };
    const root = join(dir.path, 'out');
    const fs = dir.collected ? withListing(nodeOutputFs, root, dir.collected) : nodeOutputFs;
    return storeOutput(this.sink, datum, walkOutput(fs, root, [SANDBOX_OUT, this.out], inputs));
  }

  /** Forgets the slot, emptying its folder for another datum. */
  async release(slot: string): Promise<void> {
    const dir = this.slots.get(slot);
    if (!dir) return;
    await this.collect(slot);
    this.slots.delete(slot);
    dir.collected = undefined;
    // The output's files are unlinked here, not through the thread pool: a trip through the pool per file cost
    // several times the unlink in CPU (a thread woken and switched to per datum). A release runs after the answers
    // of its finish and of the next datum's activate are written (server.ts), while that datum's code runs; an
    // unlink slowed by a journal under fsync load holds up the sidecar's next request for that long.
    const movedOut = dir.movedOut ?? undefined;
    dir.movedOut = undefined;
    try {
      await emptyDir(join(dir.path, 'out'), 'inline', undefined, movedOut);
      // What in/ holds: the input folders staged in this slot (only those are ever made there, or moved back there).
      for (const name of [...dir.staged]) {
        const folder = join(dir.path, 'in', name);
        const entries = dir.names.includes(name) ? listIfThere(folder) : undefined;
        if (entries) await emptyDir(folder, 'background', (path) => keepInPlace(dir, path), entries);
        else {
          await rm(folder, { recursive: true, force: true });
          dir.made.delete(folder);
          dir.staged.delete(name);
        }
      }
      // Sub-folders of the inputs are gone: only in/ and the input folders are known to exist now.
      if (dir.made.size > dir.names.length + 1) dir.made = new Set([...dir.made].filter((p) => dir.names.some((n) => p === join(dir.path, 'in', n)) || p === join(dir.path, 'in')));
      this.free.push(dir);
    } catch {
      // A slot folder that cannot be emptied is dropped, not reused.
      await rm(dir.path, { recursive: true, force: true }).catch(() => {});
    }
  }

  /** Moves kept files to the spares (or deletes them); `kept` is empty after. */
  private toSpares(kept: Set<string>): void {
    for (const path of kept) {
      if (this.keepSpare(path)) continue;
      try {
        unlinkSync(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    kept.clear();
  }

  /** Keeps a released input file as a spare (true), unless there are enough or it has other names. */
  private keepSpare(path: string): boolean {
    if (this.spares.length >= SPARES) return false;
    const spare = join(this.stage, 'spare', `f${++this.sparesMade}`);
    try {
      if (lstatSync(path).nlink !== 1) return false;
      renameSync(path, spare);
    } catch {
      return false;
    }
    this.spares.push(spare);
    return true;
  }

  private slotDir(slot: string): SlotDir {
    const dir = this.slots.get(slot);
    if (!dir) throw new FailedPrecondition('SlotNotPrepared', `datum slot ${slot} was not prepared`, { slot });
    return dir;
  }

  private async newSlotDir(): Promise<SlotDir> {
    const path = join(this.stage, `s${++this.created}`);
    await mkdir(join(path, 'in'), { recursive: true });
    await mkdir(join(path, 'out'));
    return { path, made: new Set([join(path, 'in')]), names: [], standIns: new Map(), staged: new Set(), kept: [] };
  }
}

/** Leaves a released input file where it is, for the next datum prepared in the slot (true), unless it keeps enough. */
function keepInPlace(dir: SlotDir, path: string): boolean {
  if (dir.kept.length >= SPARES) return false;
  dir.kept.push(path);
  return true;
}

/** A repo path of one segment ('/a.txt'): the file goes straight into its input's folder. */
const TOP_LEVEL = /^\/*[^/]+\/*$/;

/** The kept file at `target` itself (the same name again), else any kept file; undefined when none is left. */
function takeKept(kept: Set<string>, target: string): string | undefined {
  if (kept.delete(target)) return target;
  for (const path of kept) {
    kept.delete(path);
    return path;
  }
  return undefined;
}

/** A folder's entries. */
function list(dir: string): Entry[] {
  return readdirSync(dir, { withFileTypes: true }).map((d) => ({ name: d.name, kind: kindOf(d) }));
}

/** A folder's entries, or undefined when there is no such folder (one system call fewer than a check and a listing). */
function listIfThere(dir: string): Entry[] | undefined {
  try {
    return list(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Removes what a folder holds, keeping the folder: files one unlink each, sub-folders in the background
 * thread pool. `background`: files through the pool too (a released input folder's files that are not kept,
 * which may be many). `keep`: a file it takes (returns true for) is left to it. `entries`: the folder's listing,
 * when the caller has it.
 */
async function emptyDir(dir: string, files: 'inline' | 'background' = 'inline', keep?: (file: string) => boolean, entries: readonly Entry[] = list(dir)): Promise<void> {
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.kind === 'dir') await rm(path, { recursive: true, force: true });
    else if (keep && entry.kind === 'file' && keep(path)) continue;
    else if (files === 'background') await unlink(path);
    else unlinkSync(path);
    // Yield now and then, so a huge output does not hold up every other request.
    if (entries.length > 64) await new Promise((r) => setImmediate(r));
  }
}
