// tusk put file REPO@BRANCH[:/PATH] -f LOCAL|-|s3://BUCKET/KEY [-r] [--append] [-m MSG]
// Everything goes through ONE ModifyFile stream, so a folder of 100,000 files
// (or every object under an S3 prefix) becomes one commit (or lands in the open
// commit); a read error, local or S3, aborts the stream and nothing is written.
import { InvalidArgumentError, type Command } from 'commander';
import type { FileWriter } from '../../client/index.js';
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import type { CliContext } from '../context.js';
import { loadLocal, readLocal, statLocal, walkFiles } from '../local-files.js';
import type { Format } from '../output.js';
import { progressWanted, startProgress } from '../progress.js';
import { dirEntryDestination, fileDestination, stdinDestination } from '../put-plan.js';
import { splitFileRef } from '../refs.js';
import { usageError } from '../usage.js';
import { commitJson } from '../views.js';

/** Files up to this size are read whole (and queued by the daemon without a round trip each). */
const SMALL = 256 * 1024;

interface PutOptions {
  file: string;
  recursive?: boolean;
  append?: boolean;
  message?: string;
  output?: string;
  s3Endpoint?: string;
  s3Region?: string;
}

export const putFile: CommandDef = {
  words: ['put', 'file'],
  summary: 'Put a file, a folder (-r), standard input (-f -) or S3 objects (-f s3://...) into a branch, as one commit; prints the commit ID.',
  examples: [
    'tusk put file images@master:/cats/tabby.png -f tabby.png',
    'tusk put file images@master -f ./photos -r          # photos/a/b.png → /a/b.png',
    'tusk put file images@master:/2024 -f ./photos -r    # photos/a/b.png → /2024/a/b.png',
    'curl -s https://example.com/log | tusk put file logs@master:/today.log -f - --append',
    'tusk put file images@master:/raw -f s3://bucket/photos -r   # s3://bucket/photos/a/b.png → /raw/a/b.png',
  ],
  define(cmd, ctx) {
    cmd
      .argument('<repo@branch[:/path]>', 'where to put it: a branch (or an open commit\'s ID) and an optional path')
      .requiredOption('-f, --file <local>', 'local file or folder, - for standard input, or s3://bucket/key (an object; with -r, every object under the prefix)', once)
      .option('-r, --recursive', 'put a folder\'s contents (or every object under an S3 prefix)')
      .option('-a, --append', 'append to existing files instead of replacing them')
      .option('-m, --message <text>', 'description of the commit, when one is made for this write')
      .option('--s3-endpoint <url>', 'S3 endpoint for -f s3://... (default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, else AWS)')
      .option('--s3-region <region>', 'S3 region for -f s3://... (default: AWS_REGION, AWS_DEFAULT_REGION, else us-east-1)')
      .addOption(outputOption())
      .action((target: string, opts: PutOptions, command: Command) => run(ctx, target, opts, command));
  },
};

function once(value: string, previous: string | undefined): string {
  if (previous !== undefined) throw new InvalidArgumentError('give one -f per put file (put a folder with -r)');
  return value;
}

async function run(ctx: CliContext, target: string, opts: PutOptions, _command: Command): Promise<void> {
  const format = formatOf(opts);
  const { ref, path } = splitFileRef(target);
  const plan = await planPut(opts, path, format, ctx);
  let response;
  try {
    const progress = await startProgress(ctx, format, 'put', plan.totalBytes, plan.totalFiles);
    const writer = await ctx.client().modifyFile(ref, { description: opts.message, onBytes: (n) => progress.add(n) });
    try {
      await plan.write(writer, { append: !!opts.append }, () => progress.fileDone());
      response = await writer.close();
    } catch (err) {
      writer.abort();
      throw err;
    } finally {
      progress.stop();
    }
  } finally {
    plan.close?.();
  }
  const commit = response.commit!;
  emit(ctx, format, () => ({ ...commitJson(commit), filesWritten: response.filesWritten, bytesWritten: response.bytesWritten }), () => commit.id);
}

interface PutPlan {
  totalBytes: number;
  totalFiles: number;
  write(writer: FileWriter, options: { append: boolean }, fileDone: () => void): Promise<void>;
  /** Releases what the plan holds open (an S3 client). */
  close?(): void;
}

async function planPut(opts: PutOptions, repoPath: string | undefined, format: Format, ctx: CliContext): Promise<PutPlan> {
  if (/^s3:\/\//i.test(opts.file)) {
    // Loaded here so that other commands do not pay for the AWS SDK at start-up.
    const { planS3Put } = await import('../s3-put.js');
    const s3 = { url: opts.file, recursive: !!opts.recursive, endpoint: opts.s3Endpoint, region: opts.s3Region, wantTotals: progressWanted(ctx.stderrIsTTY, format) };
    return planS3Put(s3, repoPath, ctx.env);
  }
  if (opts.s3Endpoint !== undefined || opts.s3Region !== undefined) throw usageError('--s3-endpoint and --s3-region go with -f s3://...');
  if (opts.file === '-') {
    const dest = stdinDestination(repoPath);
    return {
      totalBytes: 0,
      totalFiles: 1,
      write: (w, o) => w.putFile(dest, ctx.stdin as AsyncIterable<Uint8Array>, o),
    };
  }
  const st = await statLocal(opts.file);
  if (st.isDirectory()) {
    if (!opts.recursive) throw usageError(`${opts.file} is a folder: add -r to put its contents`);
    const root = opts.file;
    let totalBytes = 0;
    let totalFiles = 0;
    if (progressWanted(ctx.stderrIsTTY, format)) {
      for await (const f of walkFiles(root)) {
        totalBytes += (await statLocal(f.abs)).size;
        totalFiles++;
      }
    }
    return {
      totalBytes,
      totalFiles,
      async write(w, o, fileDone) {
        for await (const f of walkFiles(root)) {
          await w.putFile(dirEntryDestination(repoPath, f.rel), loadLocal(f.abs, SMALL, { reuse: true }), { ...o, reusedBuffer: true });
          fileDone();
        }
      },
    };
  }
  if (!st.isFile()) throw usageError(`${opts.file} is not a regular file or folder`);
  const dest = fileDestination(repoPath, opts.file);
  return { totalBytes: st.size, totalFiles: 1, write: (w, o) => w.putFile(dest, readLocal(opts.file, { reuse: true }), { ...o, reusedBuffer: true }) };
}
