// The CLI's own version: the package's, read when `tusk version` prints it
// (not at every start).
import { readFileSync } from 'node:fs';

export function clientVersion(): string {
  // dist/src/cli/ when built, src/cli/ under vitest.
  for (const rel of ['../../../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'tusk' && pkg.version) return pkg.version;
    } catch {
      // try the next layout
    }
  }
  return '0.0.0';
}
