// A temporary folder for the spec files an end-to-end test hands to
// `tusk create pipeline -f`, removed when the test file ends.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SpecDir {
  /** Writes `text` to NAME in the folder and returns its path. */
  write(name: string, text: string): Promise<string>;
  remove(): Promise<void>;
}

export async function specDir(prefix: string): Promise<SpecDir> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return {
    async write(name, text) {
      const path = join(dir, name);
      await writeFile(path, text);
      return path;
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
