// tusk completion bash|zsh|fish
import { Argument } from 'commander';
import type { Command } from 'commander';
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { SHELLS, completionScript, type Shell } from '../completion.js';

export const completion: CommandDef = {
  words: ['completion'],
  summary: 'Print a shell completion script for bash, zsh or fish (verbs, nouns and options).',
  examples: ['source <(tusk completion bash)', 'tusk completion zsh > "${fpath[1]}/_tusk"', 'tusk completion fish | source'],
  define(cmd, ctx) {
    cmd
      .addArgument(new Argument('<shell>', 'the shell').choices(SHELLS as string[]))
      .addOption(outputOption())
      .action(async (shell: Shell, opts, self: Command) => {
        let root = self;
        while (root.parent) root = root.parent;
        const script = completionScript(root, shell);
        emit(ctx, formatOf(opts), () => ({ shell, script }), () => script);
      });
  },
};
