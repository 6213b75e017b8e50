// The transfer progress bar of put/get file: drawn on stderr only when it is
// a terminal and the output is not JSON; otherwise a no-op, so commands call
// it unconditionally.
import type { FilesContext } from './context.js';
import type { Format } from './output.js';
import { humanSize } from './output.js';

export interface Progress {
  /** Counts bytes moved. */
  add(bytes: number): void;
  /** Counts a file finished (multi-file puts). */
  fileDone(): void;
  stop(): void;
}

const NONE: Progress = { add() {}, fileDone() {}, stop() {} };

export function progressWanted(stderrIsTTY: boolean, format: Format): boolean {
  return stderrIsTTY && format === 'table';
}

/** A bar over `totalBytes` (unknown: 0, then only the count and rate are shown). */
export async function startProgress(ctx: FilesContext, format: Format, label: string, totalBytes: number, totalFiles = 0): Promise<Progress> {
  if (!progressWanted(ctx.stderrIsTTY, format)) return NONE;
  const { default: cliProgress } = await import('cli-progress'); // only when a bar is drawn
  const started = Date.now();
  let done = 0;
  let files = 0;
  const bar = new cliProgress.SingleBar(
    {
      stream: ctx.stderr as NodeJS.WritableStream,
      hideCursor: true,
      clearOnComplete: false,
      fps: 10,
      barsize: 30,
      format: (options, params) => {
        const width = options.barsize ?? 30;
        const filled = totalBytes > 0 ? Math.round(params.progress * width) : 0;
        const rate = done / Math.max(0.001, (Date.now() - started) / 1000);
        const barText = totalBytes > 0 ? `[${'='.repeat(filled)}${' '.repeat(width - filled)}] ${Math.floor(params.progress * 100)}% ` : '';
        const sizes = totalBytes > 0 ? `${humanSize(done)} / ${humanSize(totalBytes)}` : humanSize(done);
        const fileText = totalFiles > 1 ? ` | ${files}/${totalFiles} files` : '';
        return `${label} ${barText}${sizes}${fileText} | ${humanSize(rate)}/s`;
      },
    },
    cliProgress.Presets.legacy,
  );
  bar.start(Math.max(totalBytes, 1), 0);
  return {
    add(bytes) {
      done += bytes;
      bar.update(Math.min(done, Math.max(totalBytes, 1)));
    },
    fileDone() {
      files++;
    },
    stop() {
      bar.update(Math.max(totalBytes, 1));
      bar.stop();
    },
  };
}
