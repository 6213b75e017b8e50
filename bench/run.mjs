#!/usr/bin/env node
// `npm run bench -- NAME [args]` runs bench/NAME.ts (built to dist/bench/NAME.js).
// Benchmarks print a table and end with one line `NAME: key=value ...`.
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const built = join(root, 'dist', 'bench');
const [name, ...args] = process.argv.slice(2);
const available = existsSync(built) ? readdirSync(built).filter((f) => f.endsWith('.js')).map((f) => f.slice(0, -3)).filter((n) => !n.startsWith('_')) : [];
if (!name || !available.includes(name)) {
  console.error(name ? `unknown benchmark "${name}"` : 'usage: npm run bench -- NAME [args]');
  console.error(`benchmarks: ${available.join(', ') || '(none built)'}`);
  process.exit(2);
}
process.argv = [process.argv[0], join(built, `${name}.js`), ...args];
await import(pathToFileURL(join(built, `${name}.js`)).href);
