// tusk create secret NAME --from-literal K=V [--from-file K=PATH] | -f SECRET.json|yaml
// tusk list secret   tusk inspect secret NAME   tusk delete secret NAME
// The secrets transform.secrets names (pachctl create secret -f takes a
// Kubernetes Secret manifest: `metadata.name`, base64 `data`, plain
// `stringData`). Values go to the daemon and never come back: every answer
// and every -o json carries names and keys only.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { formatFields, formatTable } from '../output.js';
import { usageError } from '../usage.js';
import type { SecretInfo } from '../../client/index.js';

const repeat = (value: string, all: string[] = []) => [...all, value];

function view(s: SecretInfo) {
  return { name: s.name, keys: s.keys, created: s.created };
}

/** KEY=REST, split at the first '='. */
function pair(text: string, flag: string): [string, string] {
  const i = text.indexOf('=');
  if (i <= 0) throw usageError(`${flag} ${JSON.stringify(text)}: expected KEY=${flag === '--from-file' ? 'PATH' : 'VALUE'}`);
  return [text.slice(0, i), text.slice(i + 1)];
}

/** A Kubernetes Secret manifest (JSON or YAML) → its name and data. */
export function secretManifest(text: string, file: string): { name: string; data: Record<string, Buffer> } {
  const { parse } = createRequire(import.meta.url)('yaml') as typeof import('yaml'); // loaded only here: most commands never need it
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw usageError(`${file}: not JSON or YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const m = (doc ?? {}) as { kind?: unknown; metadata?: { name?: unknown }; data?: Record<string, unknown>; stringData?: Record<string, unknown> };
  if (m.kind !== undefined && m.kind !== 'Secret') throw usageError(`${file}: kind is ${JSON.stringify(m.kind)}, expected a Kubernetes Secret`);
  const name = m.metadata?.name;
  if (typeof name !== 'string' || !name) throw usageError(`${file}: metadata.name is missing`);
  const data: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(m.data ?? {})) {
    if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) throw usageError(`${file}: data.${k} is not base64`);
    data[k] = Buffer.from(v, 'base64');
  }
  for (const [k, v] of Object.entries(m.stringData ?? {})) data[k] = Buffer.from(String(v), 'utf8');
  return { name, data };
}

export const createSecret: CommandDef = {
  words: ['create', 'secret'],
  summary: 'Store a secret for transform.secrets (values are sealed in the daemon and never shown again).',
  examples: ['tusk create secret db --from-literal user=app --from-literal password=s3cr3t', 'tusk create secret tls --from-file ca.pem=./ca.pem', 'tusk create secret -f secret.json'],
  define(cmd, ctx) {
    cmd
      .argument('[name]', 'the secret name (lowercase letters, digits, - and .)')
      .option('--from-literal <key=value>', 'a key and its value (repeatable)', repeat)
      .option('--from-file <key=path>', "a key and the file holding its value (repeatable)", repeat)
      .option('-f, --file <secret.json>', "a Kubernetes Secret manifest, as pachctl create secret -f takes (JSON or YAML)")
      .addOption(outputOption())
      .action(async (name: string | undefined, opts: { fromLiteral?: string[]; fromFile?: string[]; file?: string; output?: string }) => {
        let data: Record<string, Buffer> = {};
        if (opts.file) {
          if (name || opts.fromLiteral || opts.fromFile) throw usageError('-f takes the name and keys from the manifest: give no NAME, --from-literal or --from-file with it');
          const m = secretManifest(readFileSync(opts.file, 'utf8'), opts.file);
          name = m.name;
          data = m.data;
        } else {
          if (!name) throw usageError('give the secret a NAME (or -f SECRET.json)');
          for (const text of opts.fromLiteral ?? []) {
            const [k, v] = pair(text, '--from-literal');
            data[k] = Buffer.from(v, 'utf8');
          }
          for (const text of opts.fromFile ?? []) {
            const [k, path] = pair(text, '--from-file');
            data[k] = readFileSync(path);
          }
        }
        const s = await ctx.pps().createSecret(name, data);
        emit(ctx, formatOf(opts), () => view(s), () => `${s.name}\n`);
      });
  },
};

export const listSecret: CommandDef = {
  words: ['list', 'secret'],
  summary: 'List the stored secrets and their keys (never their values).',
  examples: ['tusk list secret', 'tusk list secret -o json'],
  define(cmd, ctx) {
    cmd.addOption(outputOption()).action(async (opts) => {
      const list = await ctx.pps().listSecrets();
      emit(ctx, formatOf(opts), () => list.map(view), () => formatTable(['NAME', 'KEYS', 'CREATED'], list.map((s) => [s.name, s.keys.join(','), s.created])));
    });
  },
};

export const inspectSecret: CommandDef = {
  words: ['inspect', 'secret'],
  summary: 'Show a secret: its keys and when it was made (never its values).',
  examples: ['tusk inspect secret db', 'tusk inspect secret db -o json'],
  define(cmd, ctx) {
    cmd
      .argument('<name>', 'the secret')
      .addOption(outputOption())
      .action(async (name: string, opts) => {
        const s = await ctx.pps().inspectSecret(name);
        emit(ctx, formatOf(opts), () => view(s), () => formatFields([['Name', s.name], ['Keys', s.keys.join(', ')], ['Created', s.created]]));
      });
  },
};

export const deleteSecret: CommandDef = {
  words: ['delete', 'secret'],
  summary: 'Delete a secret (pipelines naming it fail to start their workers until it exists again).',
  examples: ['tusk delete secret db'],
  define(cmd, ctx) {
    cmd
      .argument('<name>', 'the secret')
      .addOption(outputOption())
      .action(async (name: string, opts) => {
        await ctx.pps().deleteSecret(name);
        emit(ctx, formatOf(opts), () => ({ name, deleted: true }), () => '');
      });
  },
};
