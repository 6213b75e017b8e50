// The CLI's own version: the package's.
import { readFileSync } from 'node:fs';

function packageVersion(): string {
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

export const CLIENT_VERSION = packageVersion();
