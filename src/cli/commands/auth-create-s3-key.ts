// tusk auth create-s3-key [--user U]
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { formatFields } from '../output.js';

export const authCreateS3Key: CommandDef = {
  words: ['auth', 'create-s3-key'],
  summary: "Create an S3 access key for yourself (or, as clusterAdmin, for --user); the secret is shown only once.",
  examples: ['tusk auth create-s3-key', 'tusk auth create-s3-key --user alice'],
  define(cmd, ctx) {
    cmd
      .option('--user <subject>', 'the key speaks for this user (NAME) or robot (robot:NAME)')
      .addOption(outputOption())
      .action(async (opts: { user?: string; output?: string }) => {
        const key = await ctx.auth().createS3Key(opts.user ?? '');
        emit(
          ctx,
          formatOf(opts),
          () => ({ subject: key.subject, accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey }),
          () => formatFields([['SUBJECT', key.subject], ['ACCESS KEY ID', key.accessKeyId], ['SECRET ACCESS KEY', key.secretAccessKey]]),
        );
      });
  },
};
