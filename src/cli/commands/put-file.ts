// tusk put file REPO@BRANCH[:/PATH] [-f LOCAL|-|URL|s3://BUCKET/KEY ... | -i LIST] [-r] [--untar] [--full-path] [--append|--overwrite] [-m MSG]
// Everything goes through ONE ModifyFile stream, so a folder of 100,000 files
// (or every object under an S3 prefix) becomes one commit (or lands in the open
// commit); a read error, local or S3, aborts the stream and nothing is written.
// One large local file for a daemon on this machine, which reads it itself,
// goes over the daemon's HTTP API instead (local-gateway.ts): the call carries
// no bytes, and the CLI then loads neither grpc-js nor http2.
import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { FileWriter, ModifyFileResponse } from '../../client/index.js';
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import type { FilesContext } from '../context.js';
import { loadLocal, localError, readLocal, statLocal, walkFiles } from '../local-files.js';
import { gatewayModifyFile, localGateway } from '../local-gateway.js';
import { isLocalRefusal, LazyProof, localTransferWanted } from '../local-transfer.js';
import type { Format } from '../output.js';
import { progressWanted, startProgress } from '../progress.js';
import { dirEntryDestination, fileDestination, fullPathDestination, stdinDestination } from '../put-plan.js';
import { splitFileRef } from '../refs.js';
import { usageError } from '../usage.js';
import { commitJson } from '../views.js';

/** Files up to this size are read whole (and queued by the daemon without a round trip each). */
const SMALL = 256 * 1024;

interface PutOptions {
  file?: string[];
  inputFile?: string;
  untar?: boolean;
  fullPath?: boolean;
  overwrite?: boolean;
  force?: boolean;
  recursive?: boolean;
  append?: boolean;
  message?: string;
  output?: string;
  s3Endpoint?: string;
  s3Region?: string;
}

export const putFile: CommandDef = {
  clients: 'files-on-demand', // one large local file for a daemon on this machine needs no gRPC client (local-gateway.ts)
  words: ['put', 'file'],
  summary: 'Put a file, a folder (-r), standard input (no -f, or -f -), a URL or S3 objects into a branch, as one commit; prints the commit ID.',
  examples: [
    'tusk put file images@master:/cats/tabby.png -f tabby.png',
    'tusk put file images@master -f ./photos -r          # photos/a/b.png → /a/b.png',
    'tusk put file images@master:/2024 -f ./photos -r    # photos/a/b.png → /2024/a/b.png',
    'curl -s https://example.com/log | tusk put file logs@master:/today.log -f - --append',
    'tusk put file images@master:/raw -f s3://bucket/photos -r   # s3://bucket/photos/a/b.png → /raw/a/b.png',
    'tusk put file images@master:/raw/ -f https://example.com/data/cat.png   # → /raw/cat.png',
    'tusk put file images@master:/raw -i urls.txt                # each line a path, URL or s3:// object, → /raw/<its name>',
    'tusk put file images@master:/raw -f a.png -f b.png          # several sources → /raw/a.png, /raw/b.png',
    'tusk put file images@master -f photos/a.png --full-path     # → /photos/a.png (the path as given, not its base name)',
    'tusk put file images@master:/2024 -f photos.tar.gz --untar  # the archive\'s files under /2024',
    'echo hello | tusk put file notes@master:/hello.txt',
  ],
  define(cmd, ctx) {
    cmd
      .argument('<repo@branch[:/path]>', 'where to put it: a branch (or an open commit\'s ID) and an optional path')
      .option('-f, --file <local>', 'local file or folder, - for standard input (the default), an http(s) URL, or s3://bucket/key (an object; with -r, every object under the prefix); repeat -f for several sources, each to PATH/<its name>', collectFiles)
      .option('-i, --input-file <list>', 'a file (- for standard input) listing one source per line: local paths, URLs or s3:// objects; each goes to PATH/<its name>')
      .option('-r, --recursive', 'put a folder\'s contents (or every object under an S3 prefix)')
      .option('--untar', 'the source is a tar archive (gzipped or not): put its files under PATH')
      .option('--full-path', 'a local source goes to its path as given (photos/a.png → PATH/photos/a.png), not to its base name')
      .addOption(new Option('-c, --compress', 'accepted for pachctl scripts: no effect (a daemon on this machine reads large files itself)'))
      .addOption(new Option('-p, --parallelism <n>', 'accepted for pachctl scripts: no effect (one stream carries every file)'))
      .option('-a, --append', 'append to existing files instead of replacing them')
      .option('--force', 'write to a pipeline\'s output repo anyway (a repair by hand)')
      .option('--overwrite', 'replace existing files (the default; pachctl\'s -o, which is the output format here)')
      .option('-m, --message <text>', 'description of the commit, when one is made for this write')
      .option('--s3-endpoint <url>', 'S3 endpoint for -f s3://... (default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, else AWS)')
      .option('--s3-region <region>', 'S3 region for -f s3://... (default: AWS_REGION, AWS_DEFAULT_REGION, else us-east-1)')
      .addOption(outputOption())
      .addHelpText('after', '\nWithout -f or -i, standard input is read (REPO@BRANCH:/PATH names the file). -o is the output format (table, json, yaml),\nnot pachctl\'s --overwrite: replacing is the default here, --append appends.')
      .action((target: string, opts: PutOptions, command: Command) => run(ctx, target, opts, command));
  },
};

function collectFiles(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

async function run(ctx: FilesContext, target: string, opts: PutOptions, _command: Command): Promise<void> {
  const format = formatOf(opts);
  const { ref, path } = splitFileRef(target);
  if (opts.append && opts.overwrite) throw usageError('--append and --overwrite contradict each other');
  if (opts.file !== undefined && opts.inputFile !== undefined) throw usageError('give -f or -i, not both');
  const files = opts.file ?? ['-'];
  const plan = opts.inputFile !== undefined
    ? await planSources(opts, await readList(opts.inputFile, ctx), path, format, ctx)
    : files.length > 1
      ? await planSources(opts, files, path, format, ctx)
      : await planPut({ ...opts, file: files[0]! }, path, format, ctx);
  const local = localTransferWanted(ctx) ? new LazyProof() : undefined;
  let response: ModifyFileResponse | undefined;
  try {
    let via = local;
    if (local && plan.byPath) {
      response = await putOverGateway(ctx, ref, opts, format, plan.byPath, local).catch((err: unknown) => {
        if (!isLocalRefusal(err)) throw err;
        via = undefined; // the daemon may not read our files: nothing was applied; send the bytes
        return undefined;
      });
    }
    if (response) return done(ctx, format, response);
    await ctx.loadClient();
    const write = async (via: LazyProof | undefined) => {
      const progress = await startProgress(ctx, format, 'put', plan.totalBytes, plan.totalFiles);
      const writer = await ctx.client().modifyFile(ref, { description: opts.message, onBytes: (n) => progress.add(n), force: !!opts.force });
      try {
        await plan.write(writer, { append: !!opts.append, local: via }, () => progress.fileDone());
        return await writer.close();
      } catch (err) {
        writer.abort();
        throw err;
      } finally {
        progress.stop();
      }
    };
    try {
      response = await write(via);
    } catch (err) {
      // The daemon may not read our files (another user, machine or container): nothing was applied; send the bytes.
      if (!via?.used || !isLocalRefusal(err)) throw err;
      response = await write(undefined);
    }
  } finally {
    plan.close?.();
    await local?.dispose();
  }
  done(ctx, format, response);
}

function done(ctx: FilesContext, format: Format, response: ModifyFileResponse): void {
  const commit = response.commit!;
  emit(ctx, format, () => ({ ...commitJson(commit), filesWritten: response.filesWritten, bytesWritten: response.bytesWritten }), () => commit.id);
}

/**
 * The put of one large local file that the daemon reads itself, over the daemon's HTTP API (local-gateway.ts):
 * undefined when that daemon has no such API or did not take the call (nothing was applied: over gRPC instead).
 * Throws the daemon's error, LocalFileRefused when it may not read the file.
 */
async function putOverGateway(ctx: FilesContext, ref: string, opts: PutOptions, format: Format, file: ByPath, local: LazyProof): Promise<ModifyFileResponse | undefined> {
  const gateway = localGateway(ctx);
  if (!gateway) return undefined;
  const proof = await local.get();
  const progress = await startProgress(ctx, format, 'put', file.size, 1);
  try {
    const answer = await gatewayModifyFile(ctx, gateway, [
      { open: { target: ref, description: opts.message ?? '', force: !!opts.force } },
      { localFile: { path: file.dest, append: !!opts.append, source: file.source, proof: proof.proof, nonce: proof.nonce } },
      { close: {} },
    ]);
    if (answer) progress.add(file.size);
    return answer;
  } finally {
    progress.stop();
  }
}

/** Files at least this large are handed to a daemon on this machine by path (below, sending them costs little). */
const LOCAL_MIN = 4 * 1024 * 1024;

/** A local file: by path to a daemon that may read it (large files), else its bytes. */
async function putLocal(w: FileWriter, dest: string, file: string, o: WriteOptions, size?: number): Promise<void> {
  const bytes = size ?? (o.local ? (await statLocal(file)).size : 0);
  if (o.local && bytes >= LOCAL_MIN) {
    await w.putLocalFile(dest, resolve(file), await o.local.get(), { append: o.append, size: bytes });
    return;
  }
  await w.putFile(dest, readLocal(file, { reuse: true }), { ...o, reusedBuffer: true });
}

interface WriteOptions {
  append: boolean;
  /** Hand large local files to the daemon by path (see src/server/local-file.ts). */
  local?: LazyProof;
}

/** One local file that a daemon on this machine may read itself: where it goes, its absolute path, its size. */
interface ByPath {
  dest: string;
  source: string;
  size: number;
}

interface PutPlan {
  totalBytes: number;
  totalFiles: number;
  /** Set when the plan is one local file of at least LOCAL_MIN bytes. */
  byPath?: ByPath;
  write(writer: FileWriter, options: WriteOptions, fileDone: () => void): Promise<void>;
  /** Releases what the plan holds open (an S3 client). */
  close?(): void;
}

/** `-i LIST`: the sources the list names, one a line (blank lines and # comments skipped). */
async function readList(inputFile: string, ctx: FilesContext): Promise<string[]> {
  const list = inputFile === '-' ? await readAll(ctx.stdin) : await readFile(inputFile, 'utf8').catch((err) => {
    throw localError(inputFile, err);
  });
  const sources = list.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  if (sources.length === 0) throw usageError(`${inputFile}: lists no source`);
  if (sources.includes('-')) throw usageError(`${inputFile}: standard input (-) cannot be a listed source`);
  return sources;
}

/**
 * Several sources (`-i LIST`, or -f given more than once, as pachctl allows): each to PATH/<its name> (or under
 * PATH with -r / --untar), all in one commit.
 */
async function planSources(opts: PutOptions, sources: string[], repoPath: string | undefined, format: Format, ctx: FilesContext): Promise<PutPlan> {
  if (sources.includes('-')) throw usageError('standard input (-) cannot be one of several sources');
  const folder = repoPath === undefined || repoPath === '' || repoPath.endsWith('/') ? repoPath : `${repoPath}/`;
  const plans: PutPlan[] = [];
  for (const file of sources) plans.push(await planPut({ ...opts, file }, opts.recursive || opts.untar ? repoPath : folder, format, ctx));
  return {
    totalBytes: plans.reduce((n, p) => n + p.totalBytes, 0),
    totalFiles: plans.reduce((n, p) => n + p.totalFiles, 0),
    async write(w, o, fileDone) {
      for (const p of plans) await p.write(w, o, fileDone);
    },
    close: () => plans.forEach((p) => p.close?.()),
  };
}

async function readAll(stream: AsyncIterable<Buffer | string>): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  return text;
}

async function planPut(opts: Omit<PutOptions, 'file'> & { file: string }, repoPath: string | undefined, format: Format, ctx: FilesContext): Promise<PutPlan> {
  if (opts.fullPath && (opts.untar || opts.file === '-' || /^(https?|s3):\/\//i.test(opts.file))) {
    throw usageError(`${opts.file}: --full-path goes with local files and folders`);
  }
  if (opts.untar) return planUntar(opts, repoPath, ctx);
  if (/^https?:\/\//i.test(opts.file)) {
    if (opts.recursive) throw usageError(`${opts.file}: -r goes with folders and S3 prefixes, not URLs`);
    const dest = fileDestination(repoPath, urlName(opts.file));
    return { totalBytes: 0, totalFiles: 1, write: async (w, o) => w.putFile(dest, await fetchBody(opts.file), o) };
  }
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
    await boundHeapGrowth();
    const root = opts.file;
    if (opts.fullPath) repoPath = fullPathDestination(repoPath, root); // photos -r --full-path: photos/a.png → PATH/photos/a.png
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
        const skip = (path: string, why: string) => void ctx.stderr.write(`tusk: ${path}: skipped: ${why}\n`);
        for await (const f of walkFiles(root, skip)) {
          const dest = dirEntryDestination(repoPath, f.rel);
          const data = loadLocal(f.abs, SMALL, { reuse: true });
          if (data instanceof Uint8Array) await w.putFile(dest, data, { append: o.append });
          else await putLocal(w, dest, f.abs, o); // larger than SMALL: not read yet
          fileDone();
        }
      },
    };
  }
  if (!st.isFile() && !st.isFIFO()) throw usageError(`${opts.file} is not a regular file, folder or pipe`);
  const dest = opts.fullPath && (repoPath === undefined || repoPath === '' || repoPath.endsWith('/')) ? fullPathDestination(repoPath, opts.file) : fileDestination(repoPath, opts.file);
  if (st.isFIFO()) {
    // a named pipe, or process substitution (`-f <(gunzip -c a.gz)` names /dev/fd/N): streamed to its end, as stdin is
    return { totalBytes: 0, totalFiles: 1, write: (w, o) => w.putFile(dest, readLocal(opts.file, { reuse: true }), { ...o, reusedBuffer: true }) };
  }
  const byPath = st.size >= LOCAL_MIN ? { dest, source: resolve(opts.file), size: st.size } : undefined;
  return { totalBytes: st.size, totalFiles: 1, byPath, write: (w, o) => putLocal(w, dest, opts.file, o, st.size) };
}

/**
 * Old-generation growth of 1.5x the live heap after a full collection, not V8's default of up to 4x. Walking a
 * folder holds its names (a million names are ~35 MB of live heap), and some of every batch sent lives just long
 * enough to be promoted; with the default, how far the old generation grew before it was collected depended on
 * the GC's timing: the CLI's peak RSS during `put -r` of a million tiny files was ~150 MB in most runs and 210-256
 * in others. Set for this process only (tuskd sets its own in bin/tuskd).
 */
async function boundHeapGrowth(): Promise<void> {
  const { setFlagsFromString } = await import('node:v8');
  setFlagsFromString('--heap-growing-percent=50');
}

/** `--untar`: the archive (a local file, standard input or a URL) is unpacked into PATH as it streams. */
async function planUntar(opts: Omit<PutOptions, 'file'> & { file: string }, repoPath: string | undefined, ctx: FilesContext): Promise<PutPlan> {
  if (opts.recursive) throw usageError('--untar reads one archive: drop -r');
  if (/^s3:\/\//i.test(opts.file)) throw usageError('--untar reads a local file, standard input or an http(s) URL');
  const { untar } = await import('../untar.js');
  const open = async (): Promise<AsyncIterable<Uint8Array>> => {
    if (opts.file === '-') return ctx.stdin as AsyncIterable<Uint8Array>;
    if (/^https?:\/\//i.test(opts.file)) return fetchBody(opts.file);
    const st = await statLocal(opts.file);
    if (!st.isFile() && !st.isFIFO()) throw usageError(`${opts.file}: --untar needs an archive file or a pipe`);
    return readLocal(opts.file);
  };
  return {
    totalBytes: 0,
    totalFiles: 0,
    async write(w, o, fileDone) {
      const skip = (path: string, why: string) => void ctx.stderr.write(`tusk: ${opts.file}: skipped ${path}: ${why}\n`);
      for await (const entry of untar(await open(), skip)) {
        await w.putFile(dirEntryDestination(repoPath, entry.path), entry.data, o);
        fileDone();
      }
    },
  };
}

/** The last segment of a URL's path, decoded (`https://h/a/cat%201.png?x=1` → `cat 1.png`). */
function urlName(url: string): string {
  const name = basename(decodeURIComponent(new URL(url).pathname));
  if (!name || name === '/') throw usageError(`${url} names no file: give the path, REPO@BRANCH:/PATH`);
  return name;
}

/** A URL's body, streamed; a failure or a status other than 2xx names the URL (nothing is committed). */
async function fetchBody(url: string): Promise<AsyncIterable<Uint8Array>> {
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'follow' });
  } catch (err) {
    throw localError(url, new Error(`cannot fetch: ${((err as Error).cause as Error | undefined)?.message ?? (err as Error).message}`));
  }
  if (!res.ok || !res.body) throw localError(url, new Error(`HTTP ${res.status} ${res.statusText}`));
  return res.body as unknown as AsyncIterable<Uint8Array>;
}
