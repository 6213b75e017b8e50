// A pipeline's input on one line, for `list pipeline` and `inspect pipeline`:
// `images:/*`, `(a:/* ⨯ b:/*)`, `(a:/* ∪ b:/*)`, `join(a:/(*).txt, b:/(*).md)`,
// `group(...)`, `cron tick (@every 1m)`. Reads the normalized spec the daemon
// sends back as JSON, so anything unexpected prints as `-` rather than failing.
import type { Input } from '../pps/spec.js';

const OPERATORS: Record<string, string> = { cross: ' ⨯ ', union: ' ∪ ' };

export function inputSummary(spec: unknown): string {
  const input = (spec as { input?: unknown } | null)?.input;
  return input ? describe(input as Input) : '-';
}

function describe(input: Input): string {
  switch (input.type) {
    case 'pfs': {
      const source = `${input.repo}${input.branch && input.branch !== 'master' ? `@${input.branch}` : ''}:${input.glob}`;
      return input.name && input.name !== input.repo ? `${input.name}=${source}` : source;
    }
    case 'cron':
      return `cron ${input.name} (${input.spec})`;
    case 'cross':
    case 'union':
      return `(${(input.inputs ?? []).map(describe).join(OPERATORS[input.type])})`;
    case 'join':
    case 'group':
      return `${input.type}(${(input.inputs ?? []).map(describe).join(', ')})`;
    default:
      return '-';
  }
}
