// tusk subscribe commit REPO@BRANCH [--new] [--limit N]
// Prints each finished commit of a branch as it appears, oldest first, until
// interrupted or until --limit commits were printed. The daemon is asked every
// POLL_MS for the branch's newest commits (a listing bounded by PAGE).
import type { Commit } from '../../client/index.js';
import { formatOf, outputOption, positiveInt, type CommandDef } from '../command.js';
import { printYaml } from '../output.js';
import { splitRepoRef } from '../refs.js';
import { usageError } from '../usage.js';
import { commitJson } from '../views.js';

const POLL_MS = 250;
const PAGE = 100;

export const subscribeCommit: CommandDef = {
  clients: 'files',
  words: ['subscribe', 'commit'],
  summary: 'Print each finished commit of a branch as it appears (first the existing ones, unless --new), until interrupted or --limit.',
  examples: ['tusk subscribe commit images@master', 'tusk subscribe commit images@master --new --limit 1 -o json   # wait for the next commit'],
  define(cmd, ctx) {
    cmd
      .argument('<repo@branch>', 'the branch to follow')
      .option('--new', 'only commits finished from now on')
      .option('--limit <n>', 'stop after n commits', positiveInt)
      .addOption(outputOption())
      .addHelpText('after', '\nOutput: one line per commit (REPO@BRANCH ID); with -o json one JSON object per line, with -o yaml one YAML document each.')
      .action(async (ref: string, opts) => {
        const { repo, name } = splitRepoRef(ref);
        if (!name) throw usageError(`subscribe commit needs a branch: ${repo}@BRANCH`);
        const format = formatOf(opts);
        const limit: number = opts.limit ?? Infinity;
        const seen = new Set<string>();
        const client = ctx.client();
        await client.inspectBranch(`${repo}@${name}`); // an unknown branch is an error now, not silence
        const finished = async () => (await client.listCommits(repo, name, PAGE)).filter((c) => c.finished).reverse();
        if (opts.new) for (const c of await finished()) seen.add(c.id);
        let printed = 0;
        while (printed < limit) {
          for (const c of await finished()) {
            if (seen.has(c.id) || printed >= limit) continue;
            seen.add(c.id);
            if (!print(c)) return;
            printed++;
          }
          if (printed < limit) await new Promise((r) => setTimeout(r, POLL_MS));
        }

        function print(c: Commit): boolean {
          if (ctx.stdout.destroyed || ctx.stdout.writableEnded) return false;
          if (format === 'json') ctx.stdout.write(JSON.stringify(commitJson(c)) + '\n');
          else if (format === 'yaml') {
            ctx.stdout.write('---\n');
            printYaml(ctx.stdout, commitJson(c));
          } else ctx.stdout.write(`${c.repo}@${c.branch} ${c.id}\n`);
          return true;
        }
      });
  },
};
