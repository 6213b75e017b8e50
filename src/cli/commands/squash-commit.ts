// tusk squash commit REPO@ID [--recursive] [--dry-run] [--force] [--yes]
import { outputOption, type CommandDef } from '../command.js';
import { runRemoval } from '../history-views.js';

export const squashCommit: CommandDef = {
  words: ['squash', 'commit'],
  summary:
    'Fold a finished commit into its children: they take its parent as theirs and keep every file they had; the commit leaves the history. Refused for a commit without children or a branch head, and when output commits were computed from it, unless --recursive squashes them too (their jobs are deleted).',
  examples: ['tusk squash commit images@0f1e2d3c4b5a69788796a5b4c3d2e1f0', 'tusk squash commit images@master^ --recursive --dry-run -o json'],
  define(cmd, ctx) {
    cmd
      .argument('<repo@commit>', 'the commit (REPO@ID, or a ref such as REPO@BRANCH^)')
      .option('-r, --recursive', 'also squash the output commits computed from it (their jobs are deleted; asks first on a terminal)')
      .option('--dry-run', 'only list what would be squashed')
      .option('-f, --force', "squash a commit of a pipeline's output repo by itself (a repair by hand)")
      .option('-y, --yes', 'do not ask before a --recursive squash')
      .addOption(outputOption())
      .action((ref: string, opts) => runRemoval(ctx, 'squash', ref, opts));
  },
};
