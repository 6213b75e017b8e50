// tusk fsck [REPO[@REF]]
import { TuskError } from '../../errors/index.js';
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { fsckJson, fsckText } from '../history-views.js';

export const fsckCommand: CommandDef = {
  clients: 'files',
  words: ['fsck'],
  summary:
    'Check that every tree node and chunk the commits reach is stored intact (read back and checked against its hash); names each file whose data is missing or corrupt by repo, commit and path, and exits 1 when it finds any.',
  examples: ['tusk fsck', 'tusk fsck images', 'tusk fsck images@master -o json'],
  define(cmd, ctx) {
    cmd
      .argument('[repo[@ref]]', 'check one repo (all its commits) or one commit; default: every repo')
      .addOption(outputOption())
      .action(async (scope: string | undefined, opts) => {
        const report = await ctx.client().fsck(scope ?? '');
        emit(ctx, formatOf(opts), () => fsckJson(report), () => fsckText(report));
        if (report.problems.length > 0) {
          const files = new Set(report.problems.map((p) => `${p.repo}@${p.commit}:${p.path}`)).size;
          throw new TuskError('data_loss', 'DataLoss', `fsck found ${report.problems.length} problem${report.problems.length === 1 ? '' : 's'} affecting ${files} file${files === 1 ? '' : 's'}`);
        }
      });
  },
};
