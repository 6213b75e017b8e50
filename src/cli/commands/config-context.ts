// tusk config set context NAME --address HOST:PORT [--token T]
// tusk config use context NAME
// tusk config list context
import { Argument } from 'commander';
import { NotFound } from '../../errors/index.js';
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { configPath, readConfig, writeConfig } from '../contexts.js';
import { formatTable } from '../output.js';
import { usageError } from '../usage.js';

const kind = () => new Argument('<kind>', 'what to configure').choices(['context', 'contexts']);

export const configSetContext: CommandDef = {
  words: ['config', 'set'],
  summary: 'Save a named context: the address of a daemon (and a token for it), kept in $TUSK_HOME/config.json, readable by you only.',
  examples: ['tusk config set context laptop --address localhost:1650', 'tusk config set context prod --address tusk.example.com:1650 --token "$TOKEN"'],
  define(cmd, ctx) {
    cmd
      .addArgument(kind())
      .argument('<name>', 'context name')
      .requiredOption('--address <host:port>', 'the daemon\'s gRPC address')
      .option('--token <token>', 'the auth token sent to that daemon (never printed)')
      .addOption(outputOption())
      .action(async (_kind: string, name: string, opts) => {
        if (!/^[A-Za-z0-9_.-]{1,63}$/.test(name)) throw usageError(`context name "${name}": use letters, digits, ., _ and - (at most 63)`);
        const config = readConfig(ctx.env);
        config.contexts[name] = { address: opts.address, ...(opts.token ? { token: opts.token } : {}) };
        writeConfig(ctx.env, config);
        emit(ctx, formatOf(opts), () => ({ name, address: opts.address, token: Boolean(opts.token), active: config.active === name }), () => `context ${name}: ${opts.address}${config.active === name ? '' : ` (use it: tusk config use context ${name})`}`);
      });
  },
};

export const configUseContext: CommandDef = {
  words: ['config', 'use'],
  summary: 'Make a saved context the one commands talk to (TUSK_ADDRESS, when set, still wins).',
  examples: ['tusk config use context prod', 'tusk config use context laptop -o json'],
  define(cmd, ctx) {
    cmd
      .addArgument(kind())
      .argument('<name>', 'context name')
      .addOption(outputOption())
      .action(async (_kind: string, name: string, opts) => {
        const config = readConfig(ctx.env);
        const entry = config.contexts[name];
        if (!entry) throw new NotFound('ContextNotFound', `context "${name}" not found in ${configPath(ctx.env)}; create it with \`tusk config set context ${name} --address HOST:PORT\``, { context: name });
        config.active = name;
        writeConfig(ctx.env, config);
        emit(ctx, formatOf(opts), () => ({ name, address: entry.address, token: Boolean(entry.token), active: true }), () => `using context ${name} (${entry.address})`);
      });
  },
};

export const configListContext: CommandDef = {
  words: ['config', 'list'],
  summary: 'List the saved contexts; * marks the active one.',
  examples: ['tusk config list context', 'tusk config list contexts -o json'],
  define(cmd, ctx) {
    cmd
      .addArgument(kind())
      .addOption(outputOption())
      .action(async (_kind: string, opts) => {
        const config = readConfig(ctx.env);
        const rows = Object.entries(config.contexts).map(([name, e]) => ({ name, address: e.address, token: Boolean(e.token), active: config.active === name }));
        emit(ctx, formatOf(opts), () => rows, () => formatTable(['ACTIVE', 'NAME', 'ADDRESS', 'TOKEN'], rows.map((r) => [r.active ? '*' : '', r.name, r.address, r.token ? 'set' : '-'])));
      });
  },
};
