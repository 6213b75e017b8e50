// The datum area: $TUSK_PFS, where user code finds its inputs and writes its
// output, and the staging folder beside it where datums are prepared ahead of
// time. Each datum gets a slot (`<stage>/<slot>/in`, later `<stage>/<slot>/out`);
// activating a slot renames its inputs into $TUSK_PFS and collecting it renames
// them back together with what the code wrote to $TUSK_PFS/out, so switching
// datums costs a few renames and the next datum's files are fetched, and the
// last one's output uploaded, while the code runs. $TUSK_PFS/out itself is
// never replaced, only emptied: a sandbox holds it bind-mounted for the
// worker's whole life. The stage must be on the same file system as $TUSK_PFS.
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { FailedPrecondition, InvalidArgument } from '../src/errors/index.js';
import { fetchInputs, type FileSource } from './fetch-inputs.js';
import { nodeOutputFs, walkOutput, SANDBOX_OUT } from './output-walk.js';
import type { DatumInput } from './protocol.js';
import type { Limit } from './serial.js';
import { uploadOutput, type DatumOutput, type OutputSink } from './upload.js';

export class DatumArea {
  private active: { slot: string; names: string[] } | undefined;
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
    await mkdir(this.stage, { recursive: true });
    this.active = undefined;
  }

  async prepare(slot: string, inputs: readonly DatumInput[]): Promise<{ files: number; bytes: number }> {
    const dir = join(this.slotDir(slot), 'in');
    await mkdir(dir, { recursive: true });
    return fetchInputs(this.source, this.fetchLimit, dir, inputs);
  }

  /** Moves the slot's inputs to $TUSK_PFS/<input> and makes sure out/ is empty. */
  async activate(slot: string): Promise<void> {
    if (this.active) await this.collect(this.active.slot);
    const dir = join(this.slotDir(slot), 'in');
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      throw new FailedPrecondition('SlotNotPrepared', `datum slot ${slot} was not prepared`, { slot });
    }
    for (const name of names) {
      await rm(join(this.pfs, name), { recursive: true, force: true });
      await rename(join(dir, name), join(this.pfs, name));
    }
    this.active = { slot, names };
    await emptyDir(this.out);
  }

  async clearOut(): Promise<void> {
    await emptyDir(this.out);
  }

  /** Moves what the code wrote to `<slot>/out` and the inputs back to `<slot>/in`. */
  async collect(slot: string): Promise<void> {
    const saved = join(this.slotDir(slot), 'out');
    await mkdir(saved, { recursive: true });
    for (const name of await readdir(this.out)) await rename(join(this.out, name), join(saved, name));
    if (this.active?.slot === slot) {
      const dir = join(this.slotDir(slot), 'in');
      for (const name of this.active.names) await rename(join(this.pfs, name), join(dir, name)).catch(() => rm(join(this.pfs, name), { recursive: true, force: true }));
      this.active = undefined;
    }
  }

  /** Uploads the collected output of a slot as the datum output `target` (`pipeline/job/datum`). */
  upload(slot: string, target: string): Promise<DatumOutput> {
    return uploadOutput(this.sink, target, walkOutput(nodeOutputFs, join(this.slotDir(slot), 'out'), [SANDBOX_OUT, this.out]));
  }

  async discard(slot: string): Promise<void> {
    if (this.active?.slot === slot) await this.collect(slot);
    await rm(this.slotDir(slot), { recursive: true, force: true });
  }

  private slotDir(slot: string): string {
    if (!/^[A-Za-z0-9_.-]{1,100}$/.test(slot) || slot === '.' || slot === '..') throw new InvalidArgument('InvalidSlot', `invalid datum slot name ${JSON.stringify(slot)}`, { slot });
    return join(this.stage, slot);
  }
}

async function emptyDir(dir: string): Promise<void> {
  for (const name of await readdir(dir)) await rm(join(dir, name), { recursive: true, force: true });
}
