// The version tuskd and tusk report: the package's version.
import { readFileSync } from 'node:fs';

function packageVersion(): string {
  for (const rel of ['../../../package.json', '../../package.json']) {
    try {
      return (JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { version: string }).version;
    } catch {
      // try the next location (built vs. source layout)
    }
  }
  return '0.0.0';
}

export const VERSION = packageVersion();
