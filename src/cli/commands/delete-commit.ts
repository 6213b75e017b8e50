// tusk delete commit REPO@ID [--recursive] [--dry-run] [--force] [--yes]
import { outputOption, type CommandDef } from '../command.js';
import { runRemoval } from '../history-views.js';

export const deleteCommit: CommandDef = {
  words: ['delete', 'commit'],
  summary:
    'Delete a commit without children (a branch head: the branch moves back to its parent); its data leaves the history. Refused when output commits were computed from it, unless --recursive deletes them and their jobs too.',
  examples: ['tusk delete commit images@0f1e2d3c4b5a69788796a5b4c3d2e1f0', 'tusk delete commit images@master --recursive --dry-run', 'tusk delete commit images@master --recursive --yes -o json'],
  define(cmd, ctx) {
    cmd
      .argument('<repo@commit>', 'the commit (REPO@ID, or REPO@BRANCH for its head)')
      .option('-r, --recursive', 'also delete the output commits computed from it, and their jobs (asks first on a terminal)')
      .option('--dry-run', 'only list what would be deleted')
      .option('-f, --force', "delete a commit of a pipeline's output repo by itself (a repair by hand)")
      .option('-y, --yes', 'do not ask before a --recursive delete')
      .addOption(outputOption())
      .action((ref: string, opts) => runRemoval(ctx, 'delete', ref, opts));
  },
};
