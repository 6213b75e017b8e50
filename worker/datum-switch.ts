// Switching datums in $TUSK_PFS from the worker itself, for datum batching:
// when the code asks for its next datum, what it wrote to out/ is moved to the
// finished datum's slot folder and its inputs back there, and the next datum's
// inputs (fetched ahead by the sidecar into its slot's `in` folder) are moved
// to $TUSK_PFS/<input> — a few renames on the code's path, without a round
// trip to the sidecar. The sidecar then uploads the slot's output from the
// listing taken here (its `finish` with `collected`). Only slots the sidecar
// has prepared and not yet been told to finish are touched here, and the
// sidecar leaves $TUSK_PFS alone meanwhile (it is not asked to activate), so
// the two never move the same folder. out/ itself is never replaced (the
// sandbox holds it bind-mounted), only emptied by moving its entries away.
import { readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { kindOf, type CollectedEntry, type SlotDirs } from '../src/worker-protocol/index.js';

export class DatumSwitch {
  private active: { dirs: SlotDirs; names: readonly string[] } | undefined;
  private readonly out: string;

  /** `pfs`: the host path of $TUSK_PFS. */
  constructor(private readonly pfs: string) {
    this.out = join(pfs, 'out');
  }

  /** True while a datum's inputs are in $TUSK_PFS. */
  get busy(): boolean {
    return this.active !== undefined;
  }

  /** Moves a prepared slot's inputs (`names`) into $TUSK_PFS, the active datum collected first; out/ is left empty. */
  activate(dirs: SlotDirs, names: readonly string[]): void {
    if (this.active) this.collect();
    // Normally empty already (collect moved everything); left over after a failure to move.
    for (const entry of readdirSync(this.out)) rmSync(join(this.out, entry), { recursive: true, force: true });
    for (const name of names) {
      const target = join(this.pfs, name);
      try {
        renameSync(join(dirs.in, name), target);
      } catch {
        rmSync(target, { recursive: true, force: true });
        renameSync(join(dirs.in, name), target);
      }
    }
    this.active = { dirs, names };
  }

  /**
   * Moves what the code wrote to the active slot's out folder and its inputs back to its in folder;
   * returns the entries moved (undefined when no datum is active). Throws when the output could not be
   * moved whole (the inputs are moved back all the same).
   */
  collect(): CollectedEntry[] | undefined {
    const a = this.active;
    if (!a) return undefined;
    this.active = undefined;
    const listed: CollectedEntry[] = [];
    try {
      for (const entry of readdirSync(this.out, { withFileTypes: true })) {
        renameSync(join(this.out, entry.name), join(a.dirs.out, entry.name));
        listed.push({ name: entry.name, kind: kindOf(entry) });
      }
    } finally {
      for (const name of a.names) {
        try {
          renameSync(join(this.pfs, name), join(a.dirs.in, name));
        } catch {
          rmSync(join(this.pfs, name), { recursive: true, force: true });
        }
      }
    }
    return listed;
  }
}
