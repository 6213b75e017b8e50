// Where access control keeps its state: $TUSK_HOME/auth/state.json (token
// hashes, role bindings, sealed S3 secrets) and $TUSK_HOME/auth/master.key
// (the key sealing S3 secrets and deriving pipeline tokens), both mode 0600,
// and $TUSK_HOME/auth/secrets.key (the key sealing pipeline secrets, made on
// the first `create secret`, whether or not access control is on),
// each written to a temporary file, synced and renamed into place.
import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuthState } from './authority.js';

export class AuthFile {
  /** The secrets key being read or made, so concurrent first uses share one key. */
  private secretsKeyOnce: Promise<Buffer> | undefined;

  constructor(private readonly dir: string) {}

  /** The saved state, or undefined when access control was never activated. */
  async load(): Promise<{ state: AuthState; key: Buffer } | undefined> {
    let text: string;
    try {
      text = await readFile(join(this.dir, 'state.json'), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const key = await readFile(join(this.dir, 'master.key'));
    return { state: JSON.parse(text) as AuthState, key };
  }

  /** Creates the master key (on activation). */
  async createKey(): Promise<Buffer> {
    const key = randomBytes(32);
    await this.write('master.key', key);
    return key;
  }

  /**
   * The key sealing pipeline secrets (secret-box.ts PIPELINE_SECRET): read, or
   * made on first use. Concurrent first uses, in this process or another, all
   * end with the one key on disk: a new key is linked into place only if no
   * key is there yet (link fails on an existing name), never renamed over one,
   * which would orphan every secret sealed with the first.
   */
  secretsKey(): Promise<Buffer> {
    this.secretsKeyOnce ??= this.readOrMakeSecretsKey().catch((err: unknown) => {
      this.secretsKeyOnce = undefined;
      throw err;
    });
    return this.secretsKeyOnce;
  }

  private async readOrMakeSecretsKey(): Promise<Buffer> {
    const path = join(this.dir, 'secrets.key');
    try {
      return await readFile(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const tmp = await this.writeTemp('secrets.key', randomBytes(32));
    try {
      await link(tmp, path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      await unlink(tmp);
    }
    return readFile(path);
  }

  async save(state: AuthState): Promise<void> {
    await this.write('state.json', JSON.stringify(state, null, 1) + '\n');
  }

  private async write(name: string, data: string | Buffer): Promise<void> {
    await rename(await this.writeTemp(name, data), join(this.dir, name));
  }

  /** Writes `data` to a synced temporary file of its own (mode 0600) beside `name`; returns its path. */
  private async writeTemp(name: string, data: string | Buffer): Promise<string> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await chmod(this.dir, 0o700);
    const tmp = join(this.dir, `.${name}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    const file = await open(tmp, 'wx', 0o600);
    try {
      await file.writeFile(data);
      await file.sync();
    } finally {
      await file.close();
    }
    return tmp;
  }
}
