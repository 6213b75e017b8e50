// The local secret store behind transform.secrets (pachctl create|list|inspect|
// delete secret): named sets of key → bytes, kept in the daemon's metadata
// (table `secrets`) with every value sealed (src/auth secret-box.ts, purpose
// PIPELINE_SECRET) under $TUSK_HOME/auth/secrets.key — so the metadata store
// alone never reveals a value. Values leave only through `values()`, which
// the worker API hands to the pipeline's own workers; everything else sees
// keys. Nothing here logs.
import { InvalidArgument, SecretExists, SecretNotFound } from '../errors/index.js';
import { PIPELINE_SECRET, seal, unseal } from '../auth/index.js';
import type { MetadataStore, MetadataTable } from '../storage/metadata-store.js';

/** A Kubernetes Secret's name rules (a DNS subdomain), so the same name works on both runtimes. */
const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
/** A Kubernetes Secret's key rules. */
const KEY = /^[-._a-zA-Z0-9]{1,253}$/;

interface SecretRecord {
  name: string;
  created: string;
  /** key → value (base64 of the bytes), sealed. */
  sealed: Record<string, string>;
}

export interface SecretInfo {
  name: string;
  keys: string[];
  created: string;
}

export interface SecretStoreDeps {
  meta: MetadataStore;
  /** The sealing key (read or made on first use). */
  key: () => Promise<Buffer>;
  clock: () => Date;
  random: (n: number) => Buffer;
}

export class SecretStore {
  private readonly table: MetadataTable<SecretRecord>;

  constructor(private readonly deps: SecretStoreDeps) {
    this.table = deps.meta.table('secrets');
  }

  /** Stores a new secret; SecretExists when the name is taken. */
  async create(name: string, data: Readonly<Record<string, Uint8Array>>): Promise<SecretInfo> {
    checkName(name);
    const keys = Object.keys(data);
    if (keys.length === 0) throw new InvalidArgument('EmptySecret', `secret "${name}" has no keys: give --from-literal KEY=VALUE or --from-file KEY=PATH`);
    for (const k of keys) if (!KEY.test(k)) throw new InvalidArgument('InvalidSecretKey', `secret "${name}": key "${k}" is not a valid key (letters, digits, '-', '_', '.')`);
    if (await this.table.get(name)) throw new SecretExists(name);
    const master = await this.deps.key();
    const sealed: Record<string, string> = {};
    for (const k of keys.sort()) sealed[k] = seal(master, Buffer.from(data[k]!).toString('base64'), this.deps.random(12), PIPELINE_SECRET);
    const record: SecretRecord = { name, created: this.deps.clock().toISOString(), sealed };
    await this.deps.meta.batch([this.table.putOp(name, record)], { sync: true });
    return infoOf(record);
  }

  async list(): Promise<SecretInfo[]> {
    return (await this.table.values('')).map(infoOf);
  }

  /** Keys and creation time; SecretNotFound when absent. */
  async inspect(name: string): Promise<SecretInfo> {
    return infoOf(await this.record(name));
  }

  /** The keys of a secret, or undefined when there is none of that name. */
  async keys(name: string): Promise<string[] | undefined> {
    const r = await this.table.get(name);
    return r ? Object.keys(r.sealed) : undefined;
  }

  async delete(name: string): Promise<void> {
    await this.record(name);
    await this.deps.meta.batch([this.table.delOp(name)], { sync: true });
  }

  /** The values of a secret (for the pipeline's workers only); SecretNotFound when absent. */
  async values(name: string): Promise<Record<string, Buffer>> {
    const r = await this.record(name);
    const master = await this.deps.key();
    const out: Record<string, Buffer> = {};
    for (const [k, v] of Object.entries(r.sealed)) out[k] = Buffer.from(unseal(master, v, PIPELINE_SECRET), 'base64');
    return out;
  }

  private async record(name: string): Promise<SecretRecord> {
    const r = await this.table.get(name);
    if (!r) throw new SecretNotFound(name);
    return r;
  }
}

function checkName(name: string): void {
  if (!NAME.test(name)) throw new InvalidArgument('InvalidSecretName', `"${name}" is not a valid secret name (lowercase letters, digits, '-' and '.', as Kubernetes names secrets)`);
}

function infoOf(r: SecretRecord): SecretInfo {
  return { name: r.name, keys: Object.keys(r.sealed).sort(), created: r.created };
}
