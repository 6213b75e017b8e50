// The web console's built files (dist/console, made by `npm run build` from
// console/) served as static files: fingerprinted assets are cached for a year
// (their names change with their content), index.html is revalidated on every
// load, and any other path is the console's own route (/repos/x/...) and gets
// index.html too. Text files are sent gzipped when the browser accepts it;
// their compressed bytes are kept in memory after the first request.
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** Where the build puts the console: dist/console beside dist/src. */
export const CONSOLE_DIR = fileURLToPath(new URL('../../console/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

interface Asset {
  type: string;
  raw: Buffer;
  gzip?: Buffer;
}

export class ConsoleFiles {
  private readonly cache = new Map<string, Promise<Asset | undefined>>();

  constructor(private readonly dir: string = CONSOLE_DIR) {}

  async serve(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    const isAsset = pathname.startsWith('/assets/') || pathname === '/favicon.svg';
    const file = isAsset ? pathname : '/index.html';
    const asset = await this.load(file);
    if (!asset) {
      const missing = isAsset ? `no console file ${pathname}\n` : 'the web console is not built: run `npm run build`\n';
      res.writeHead(404, { 'content-type': 'text/plain' }).end(missing);
      return;
    }
    const gzip = asset.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gzip ? asset.gzip! : asset.raw;
    res.writeHead(200, {
      'content-type': asset.type,
      'content-length': body.length,
      'cache-control': isAsset && pathname !== '/favicon.svg' ? 'public, max-age=31536000, immutable' : 'no-cache',
      vary: 'accept-encoding',
      'x-content-type-options': 'nosniff',
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  private load(file: string): Promise<Asset | undefined> {
    let asset = this.cache.get(file);
    if (!asset) {
      asset = this.read(file);
      this.cache.set(file, asset);
      // A file that is not there may appear with the next build: do not remember its absence.
      void asset.then((a) => a ?? this.cache.delete(file));
    }
    return asset;
  }

  private async read(file: string): Promise<Asset | undefined> {
    const path = normalize(join(this.dir, file));
    if (!path.startsWith(normalize(this.dir + sep))) return undefined;
    const raw = await readFile(path).catch(() => undefined);
    if (!raw) return undefined;
    const type = TYPES[extname(path)] ?? 'application/octet-stream';
    const text = /^text\/|svg|json/.test(type);
    return { type, raw, gzip: text && raw.length > 512 ? gzipSync(raw) : undefined };
  }
}
