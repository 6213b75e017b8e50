// tusk get file REPO@REF:/PATH [-o LOCAL] [-r]
// Streams the file to standard output, or to LOCAL through a temporary file
// that is renamed into place only when every byte arrived and is durable;
// with -r, a folder's files over one call, each the same way (folder-download.ts).
import { rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InvalidArgumentError } from 'commander';
import type { CommandDef } from '../command.js';
import type { FilesContext } from '../context.js';
import { localError } from '../local-files.js';
import { confirmed, gatewayGetFile, localGateway } from '../local-gateway.js';
import { isLocalRefusal, LazyProof, localTransferWanted } from '../local-transfer.js';
import { downloadFolder } from '../folder-download.js';
import { startProgress, type Progress } from '../progress.js';
import { splitFileRef } from '../refs.js';
import { TuskError } from '../../errors/index.js';
import { usageError } from '../usage.js';

export const getFile: CommandDef = {
  clients: 'files-on-demand', // a local file from a daemon on this machine needs no gRPC client (local-gateway.ts)
  words: ['get', 'file'],
  summary: 'Write a file\'s content to standard output or to a local file (-o); with -r, a folder\'s files into a local folder.',
  examples: ['tusk get file images@master:/cats/tabby.png -o tabby.png', 'tusk get file logs@master^:/today.log | tail', 'tusk get file images@master:/cats -r -o ./cats   # /cats/a/b.png → ./cats/a/b.png'],
  define(cmd, ctx) {
    cmd
      .argument('<repo@ref:/path>', 'the file: a branch or commit and a path')
      .option('-o, --output <local>', 'write to this local file (or into this folder) instead of standard output (- is standard output; as in pachctl, -o is the file here, not a format)')
      .option('-r, --recursive', 'get every file under a folder into the local folder -o (created if needed)')
      .option('--offset <bytes>', 'skip this many bytes of the file first (to standard output)', nonNegativeInt)
      .action(async (file: string, opts: { output?: string; recursive?: boolean; offset?: number }) => {
        const { path } = splitFileRef(file);
        if (path === undefined || path === '') throw usageError(`get file needs a path: ${file}:/PATH`);
        if (opts.output === '-') {
          // `-o -` is standard output, as `put file -f -` is standard input (it made a file named "-").
          if (opts.recursive) throw usageError('get file -r writes a folder\'s files into a local folder: -o DIR, not -o -');
          opts = { ...opts, output: undefined };
        }
        if (opts.offset !== undefined && (opts.recursive || opts.output !== undefined)) throw usageError('--offset goes with standard output: drop -o and -r (redirect the output instead)');
        const local = opts.output !== undefined && localTransferWanted(ctx) ? new LazyProof() : undefined;
        try {
          if (opts.recursive) {
            if (opts.output === undefined) throw usageError('get file -r needs a local folder: -o DIR');
            await ctx.loadClient();
            await downloadTree(ctx, file, opts.output, local);
          } else if (opts.output === undefined) {
            await ctx.loadClient();
            await pipeline(Readable.from(ctx.client().getFile(file, { offset: opts.offset })), ctx.stdout, { end: false }).catch((err) => {
              throw withFolderHint(err, file, './DIR');
            });
          } else {
            await download(ctx, file, path, opts.output, local).catch((err) => {
              throw withFolderHint(err, file, opts.output!);
            });
          }
        } finally {
          await local?.dispose();
        }
      });
  },
};

/** A folder asked for as a file: the daemon's NotAFile, with how to get a folder (as pachctl users would try). */
function withFolderHint(err: unknown, file: string, dir: string): unknown {
  if (!(err instanceof TuskError) || err.code !== 'NotAFile' || !/is a directory/.test(err.message)) return err;
  return new TuskError(err.kind, err.code, `${err.message}: get a folder with -r, e.g. tusk get file ${file} -r -o ${dir}`, err.data);
}

/**
 * Every file under the path of `file` (read at one commit, so the copy is consistent) into `dir`, keeping the
 * relative layout: over one call (folder-download.ts), files larger than INLINE_MAX with a call each when the
 * daemon is on this machine (it writes those itself).
 */
async function downloadTree(ctx: FilesContext, file: string, dir: string, local: LazyProof | undefined): Promise<void> {
  const { ref } = splitFileRef(file);
  const at = await ctx.client().inspectFile(file);
  const repo = ref.slice(0, ref.indexOf('@') < 0 ? ref.length : ref.indexOf('@'));
  if (at.type === 'file') {
    const dest = join(dir, basename(at.path));
    await mkdir(dir, { recursive: true }).catch((err) => {
      throw localError(dir, err);
    });
    await download(ctx, `${repo}@${at.commit}:${at.path}`, at.path, dest, local);
    return;
  }
  const root = at.path === '/' ? '' : at.path;
  const progress = await startProgress(ctx, 'table', 'get', at.sizeBytes);
  try {
    await downloadFolder({
      messages: ctx.client().getFiles(`${repo}@${at.commit}:${at.path}`, local ? INLINE_MAX : 0),
      place: (path) => join(dir, ...path.slice(root.length + 1).split('/')),
      fetchAlone: (path, dest) => download(ctx, `${repo}@${at.commit}:${path}`, path, dest, local, progress),
      onBytes: (bytes) => progress.add(bytes),
    });
  } finally {
    progress.stop();
  }
}

/**
 * Files of a folder larger than this come with a call each when the daemon is on this machine: it then
 * writes them itself (no copies through gRPC), which pays for the call's own cost of a few ms from
 * about this size.
 */
const INLINE_MAX = 4 * 1024 * 1024;

/**
 * With `via` (a daemon on this machine), the daemon writes the temporary file
 * itself; if it refuses, the bytes are fetched as usual.
 */
async function download(ctx: FilesContext, file: string, repoPath: string, local: string, via?: LazyProof, shared?: Progress): Promise<void> {
  let dest = local;
  const existing = await stat(local).catch(() => undefined);
  if (existing?.isDirectory()) dest = join(local, basename(repoPath));
  if (via) {
    try {
      if (!(await downloadTo(ctx, file, dest, via, shared))) await downloadTo(ctx, file, dest, via, shared, false); // the HTTP answer proved nothing: over gRPC
      return;
    } catch (err) {
      if (!isLocalRefusal(err)) throw err;
    }
  }
  await downloadTo(ctx, file, dest, undefined, shared);
}

/**
 * With `shared`, the bytes count on that progress bar (a folder's) rather than on one of the file's own.
 * Resolves false, leaving nothing behind, when the daemon's HTTP API did not confirm the call (overHttp).
 */
async function downloadTo(ctx: FilesContext, file: string, dest: string, via: LazyProof | undefined, shared?: Progress, overHttp = true): Promise<boolean> {
  // A device or a pipe (-o /dev/null, a FIFO) is written straight into: renaming a file onto it would replace it.
  if (await stat(dest).then((s) => !s.isFile() && !s.isDirectory(), () => false)) {
    await ctx.loadClient();
    const progress = shared ?? (await startProgress(ctx, 'table', 'get', 0));
    try {
      const fh = await open(dest, 'w').catch((err) => {
        throw localError(dest, err);
      });
      const out = fh.createWriteStream();
      out.on('error', () => {}); // reported by pipeline
      await pipeline(Readable.from(counted(ctx.client().getFile(file), progress)), out).catch((err) => {
        throw (err as NodeJS.ErrnoException).syscall ? localError(dest, err) : err;
      });
      return true;
    } finally {
      if (!shared) progress.stop();
    }
  }
  // Over the daemon's HTTP API when it will write the file itself (and no progress bar asks the size first).
  const gateway = via && overHttp && !ctx.stderrIsTTY ? localGateway(ctx) : undefined;
  if (!gateway) await ctx.loadClient();
  const info = ctx.stderrIsTTY && !shared ? await ctx.client().inspectFile(file) : undefined;
  const progress = shared ?? (await startProgress(ctx, 'table', 'get', info?.sizeBytes ?? 0));
  const temp = `${dest}.tusk-partial-${process.pid}`;
  // Interrupted (Ctrl-C): leave no partial file behind.
  const onSignal = (signal: NodeJS.Signals) => {
    try {
      rmSync(temp, { force: true });
    } finally {
      process.kill(process.pid, signal);
    }
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const tally = { bytes: 0 };
  try {
    // Created before the call: with `via` the daemon writes into it (and we write only what it might send anyway).
    const fh = await open(temp, 'w').catch((err) => {
      throw localError(dest, err);
    });
    const target = via ? { path: resolve(temp), proof: await via.get() } : undefined;
    let answer: IncomingMessage | undefined; // the daemon's HTTP answer: no bytes when it wrote the file
    if (gateway && target) {
      answer = await gatewayGetFile(ctx, gateway, file, { path: target.path, proof: target.proof.proof, nonce: target.proof.nonce }).catch(async (err) => {
        await fh.close();
        throw err;
      });
      if (!answer) await ctx.loadClient(); // nothing answered at the HTTP port: over gRPC
    }
    // Durable before it is renamed into place, as after `cp` and `sync` of the file. The stream always
    // fsyncs before it closes: also when a daemon asked to write the bytes itself declined and sent them
    // instead; when it did write them (and fsynced them), this fsync finds nothing left to write.
    const out = fh.createWriteStream({ flush: true });
    out.on('error', () => {}); // reported by pipeline
    const bytes = answer ?? Readable.from(counted(ctx.client().getFile(file, { local: target }), progress, tally));
    await pipeline(bytes, out).catch((err) => {
      throw (err as NodeJS.ErrnoException).syscall ? localError(dest, err) : err;
    });
    if (answer && !confirmed(answer)) {
      await rm(temp, { force: true });
      return false;
    }
    // Written by the daemon itself (`via`): the bytes did not pass through here, so the bar catches up at once.
    if (target) progress.add((await stat(temp)).size - tally.bytes);
    await rename(temp, dest).catch((err) => {
      throw localError(dest, err);
    });
    return true;
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (!shared) progress.stop();
  }
}

/** commander's parser for a byte count: a whole number, 0 or more. */
function nonNegativeInt(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('expected a whole number of bytes, 0 or more');
  return n;
}

/** The chunks as they pass, each counted on the progress bar and in `tally`. */
async function* counted(chunks: AsyncIterable<Uint8Array>, progress: Progress, tally = { bytes: 0 }): AsyncIterable<Uint8Array> {
  for await (const chunk of chunks) {
    tally.bytes += chunk.length;
    progress.add(chunk.length);
    yield chunk;
  }
}
