// tusk get file REPO@REF:/PATH [-o LOCAL] [-r]
// Streams the file to standard output, or to LOCAL through a temporary file
// that is renamed into place only when every byte arrived and is durable.
import { rmSync } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { CommandDef } from '../command.js';
import type { CliContext } from '../context.js';
import { localError } from '../local-files.js';
import { isLocalRefusal, LazyProof, localTransferWanted } from '../local-transfer.js';
import { startProgress } from '../progress.js';
import { splitFileRef } from '../refs.js';
import { usageError } from '../usage.js';

export const getFile: CommandDef = {
  words: ['get', 'file'],
  summary: 'Write a file\'s content to standard output or to a local file (-o); with -r, a folder\'s files into a local folder.',
  examples: ['tusk get file images@master:/cats/tabby.png -o tabby.png', 'tusk get file logs@master^:/today.log | tail', 'tusk get file images@master:/cats -r -o ./cats   # /cats/a/b.png → ./cats/a/b.png'],
  define(cmd, ctx) {
    cmd
      .argument('<repo@ref:/path>', 'the file: a branch or commit and a path')
      .option('-o, --output <local>', 'write to this local file (or into this folder) instead of standard output (as in pachctl, -o is the file here, not a format)')
      .option('-r, --recursive', 'get every file under a folder into the local folder -o (created if needed)')
      .action(async (file: string, opts: { output?: string; recursive?: boolean }) => {
        const { path } = splitFileRef(file);
        if (path === undefined || path === '') throw usageError(`get file needs a path: ${file}:/PATH`);
        const local = opts.output !== undefined && localTransferWanted(ctx) ? new LazyProof() : undefined;
        try {
          if (opts.recursive) {
            if (opts.output === undefined) throw usageError('get file -r needs a local folder: -o DIR');
            await downloadTree(ctx, file, opts.output, local);
          } else if (opts.output === undefined) {
            await pipeline(Readable.from(ctx.client().getFile(file)), ctx.stdout, { end: false });
          } else {
            await download(ctx, file, path, opts.output, local);
          }
        } finally {
          await local?.dispose();
        }
      });
  },
};

/** Every file under the path of `file` (read at one commit, so the copy is consistent) into `dir`, keeping the relative layout. */
async function downloadTree(ctx: CliContext, file: string, dir: string, local: LazyProof | undefined): Promise<void> {
  const { ref } = splitFileRef(file);
  const at = await ctx.client().inspectFile(file);
  const repo = ref.slice(0, ref.indexOf('@') < 0 ? ref.length : ref.indexOf('@'));
  const root = at.path === '/' ? '' : at.path;
  const files = at.type === 'file' ? [at] : [];
  if (at.type === 'dir') for await (const f of ctx.client().globFile(`${repo}@${at.commit}`, `${root}/**`)) if (f.type === 'file') files.push(f);
  // Several files at once (each its own call): one file's round trip and fsync no longer wait for the one before.
  // One at a time when a progress bar is drawn per file.
  await eachAtOnce(files, ctx.stderrIsTTY ? 1 : TREE_FILES_AT_ONCE, async (f) => {
    const rel = at.type === 'file' ? basename(f.path) : f.path.slice(root.length + 1);
    const dest = join(dir, ...rel.split('/'));
    await mkdir(dirname(dest), { recursive: true }).catch((err) => {
      throw localError(dirname(dest), err);
    });
    await download(ctx, `${repo}@${at.commit}:${f.path}`, f.path, dest, local);
  });
}

/** Files `get file -r` fetches at once. */
const TREE_FILES_AT_ONCE = 4;

/**
 * Runs `task` on every item, up to `width` at once, in order of the items.
 * After a failure no more are started; the first failure is thrown once the
 * tasks under way have ended (each leaves its own file whole or removed).
 */
async function eachAtOnce<T>(items: readonly T[], width: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      const item = items[next++]!;
      await task(item).catch((err: unknown) => {
        failure ??= { err };
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  if (failure) throw failure.err;
}

/**
 * With `via` (a daemon on this machine), the daemon writes the temporary file
 * itself; if it refuses, the bytes are fetched as usual.
 */
async function download(ctx: CliContext, file: string, repoPath: string, local: string, via?: LazyProof): Promise<void> {
  let dest = local;
  const existing = await stat(local).catch(() => undefined);
  if (existing?.isDirectory()) dest = join(local, basename(repoPath));
  if (via) {
    try {
      return await downloadTo(ctx, file, dest, via);
    } catch (err) {
      if (!isLocalRefusal(err)) throw err;
    }
  }
  await downloadTo(ctx, file, dest, undefined);
}

async function downloadTo(ctx: CliContext, file: string, dest: string, via: LazyProof | undefined): Promise<void> {
  const info = ctx.stderrIsTTY ? await ctx.client().inspectFile(file) : undefined;
  const progress = await startProgress(ctx, 'table', 'get', info?.sizeBytes ?? 0);
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
  let streamed = 0;
  const counted = async function* (chunks: AsyncIterable<Uint8Array>) {
    for await (const chunk of chunks) {
      streamed += chunk.length;
      progress.add(chunk.length);
      yield chunk;
    }
  };
  try {
    // Created before the call: with `via` the daemon writes into it (and we write only what it might send anyway).
    const fh = await open(temp, 'w').catch((err) => {
      throw localError(dest, err);
    });
    const target = via ? { path: resolve(temp), proof: await via.get() } : undefined;
    // Durable before it is renamed into place, as after `cp` and `sync` of the file. The stream always
    // fsyncs before it closes: also when a daemon asked to write the bytes itself declined and sent them
    // instead; when it did write them (and fsynced them), this fsync finds nothing left to write.
    const out = fh.createWriteStream({ flush: true });
    out.on('error', () => {}); // reported by pipeline
    await pipeline(Readable.from(counted(ctx.client().getFile(file, { local: target }))), out).catch((err) => {
      throw (err as NodeJS.ErrnoException).syscall ? localError(dest, err) : err;
    });
    // Written by the daemon itself (`via`): the bytes did not pass through here, so the bar catches up at once.
    if (target) progress.add((await stat(temp)).size - streamed);
    await rename(temp, dest).catch((err) => {
      throw localError(dest, err);
    });
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    progress.stop();
  }
}
