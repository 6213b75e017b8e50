// The layers, checked on the real source files: every relative import of
// src/, worker/ and sidecar/ (static, `export from`, dynamic) must go from a
// room to a room it may use, and no code may reach into another object's
// `ctx` (a layer's internals are behind its class's public methods). The
// layers: storage ← tree ← pfs ← pps ← server / client / cli; worker/ and
// sidecar/ talk to the daemon only through src/client.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Rooms every room may use: errors, and the one logger (src/log, from the arch-wire branch). */
const BASE = ['src/errors', 'src/log'];
const CORE = ['src/storage', 'src/tree', 'src/pfs', 'src/pps'];

/**
 * Which rooms each room may import from, besides itself and BASE. A room not listed here (a new
 * top-level folder) fails the test until it is given its place.
 * src/worker-protocol (framing, messages, datum identity shared by worker, sidecar and server) and
 * src/log come from the arch-wire branch; they are allowed before they exist.
 */
const MAY_USE: Record<string, readonly string[]> = {
  'src/errors': [],
  'src/log': [],
  'src/gen': [],
  'src/worker-protocol': [],
  'src/storage': [],
  // Access control's pure decisions and its token/key storage: nothing but errors below it.
  'src/auth': [],
  'src/tree': ['src/storage'],
  'src/pfs': ['src/storage', 'src/tree'],
  'src/pps': ['src/storage', 'src/tree', 'src/pfs', 'src/worker-protocol'],
  'src/runtime': [...CORE, 'src/worker-protocol'],
  'src/rpc': ['src/gen'],
  'src/server': [...CORE, 'src/runtime', 'src/rpc', 'src/gen', 'src/worker-protocol', 'src/auth'],
  'src/client': [...CORE, 'src/rpc', 'src/gen', 'src/worker-protocol'],
  // src/runtime: `tusk render pipeline` prints the kubernetes runtime's workload from its pure renderer, with no daemon.
  'src/cli': [...CORE, 'src/client', 'src/rpc', 'src/gen', 'src/worker-protocol', 'src/runtime', 'src/auth'],
  // worker/ and sidecar/: the daemon through src/client only, plus the shared worker protocol.
  worker: ['src/client', 'src/worker-protocol', 'sidecar'],
  sidecar: ['src/client', 'src/worker-protocol'],
};

/**
 * The S3 gateway's protocol files (SigV4 checks, request bodies, XML, error rendering): they import
 * nothing but errors and each other (checked below), so the sidecar's S3 endpoint
 * (sidecar/s3-endpoint.ts, input.pfs.s3 and s3_out) reuses them instead of a second copy.
 */
const S3_PROTOCOL = ['auth', 'sigv4', 'aws-chunked', 'body', 'xml', 'respond', 'error-table', 'complete-list'].map((f) => `src/server/s3/${f}.ts`);
const S3_PROTOCOL_USERS = ['sidecar'];

interface SourceFile {
  /** Relative to the repository root, with forward slashes. */
  path: string;
  text: string;
}

/** The room of a path: `src/<folder>` under src/, else its top folder; undefined for a file directly in src/. */
function roomOf(path: string): string | undefined {
  const parts = path.split('/');
  if (parts[0] === 'src') return parts.length > 2 ? `src/${parts[1]}` : undefined;
  return parts[0];
}

function isTestCode(path: string): boolean {
  return /\.(test|contract)\.ts$/.test(path);
}

/** Every import that goes where its room may not, as `from -> to (rule)`. */
function importViolations(files: readonly SourceFile[]): string[] {
  const out: string[] = [];
  for (const file of files) {
    const from = roomOf(file.path);
    if (!from) continue;
    const allowed = MAY_USE[from];
    if (!allowed) {
      out.push(`${file.path}: room ${from} has no place in the layers (add it to MAY_USE)`);
      continue;
    }
    for (const imported of ts.preProcessFile(file.text, true, true).importedFiles) {
      if (!imported.fileName.startsWith('.')) continue;
      const target = relative(ROOT, resolve(ROOT, dirname(file.path), imported.fileName)).split('\\').join('/').replace(/\.js$/, '.ts');
      const to = roomOf(target);
      if (!to || to === from || BASE.includes(to) || allowed.includes(to)) continue;
      if (to === 'test' && isTestCode(file.path)) continue; // tests may use the end-to-end helpers (s3rver)
      if (S3_PROTOCOL.includes(target) && S3_PROTOCOL_USERS.includes(from)) continue;
      out.push(`${file.path} -> ${target}`);
    }
    // The shared S3 protocol files stay free of the server: errors, node and each other only.
    if (!S3_PROTOCOL.includes(file.path)) continue;
    for (const imported of ts.preProcessFile(file.text, true, true).importedFiles) {
      if (!imported.fileName.startsWith('.')) continue;
      const target = relative(ROOT, resolve(ROOT, dirname(file.path), imported.fileName)).split('\\').join('/').replace(/\.js$/, '.ts');
      if (!S3_PROTOCOL.includes(target) && !BASE.includes(roomOf(target) ?? '')) out.push(`${file.path} -> ${target} (a shared S3 protocol file)`);
    }
  }
  return out;
}

/** Every `x.ctx` where x is not `this`: a reach into another object's internals. */
function ctxViolations(files: readonly SourceFile[]): string[] {
  const out: string[] = [];
  for (const file of files) {
    if (!file.text.includes('ctx')) continue;
    const source = ts.createSourceFile(file.path, file.text, ts.ScriptTarget.Latest, false);
    const visit = (node: ts.Node): void => {
      if (ts.isPropertyAccessExpression(node) && node.name.text === 'ctx' && node.expression.kind !== ts.SyntaxKind.ThisKeyword) {
        const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
        out.push(`${file.path}:${line + 1}: ${node.getText(source)}`);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return out;
}

function sourceFiles(): SourceFile[] {
  const out: SourceFile[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (path !== 'src/gen') walk(path);
      } else if (entry.name.endsWith('.ts')) out.push({ path, text: readFileSync(join(ROOT, path), 'utf8') });
    }
  };
  for (const dir of ['src', 'worker', 'sidecar']) walk(dir);
  return out;
}

describe('layers', () => {
  const files = sourceFiles();

  it('reads the real source tree', () => {
    const rooms = new Set(files.map((f) => roomOf(f.path)));
    for (const room of ['src/storage', 'src/tree', 'src/pfs', 'src/pps', 'src/server', 'src/client', 'src/cli', 'worker', 'sidecar']) expect(rooms).toContain(room);
    expect(files.length).toBeGreaterThan(200);
  });

  it('has no import running against the layers', () => {
    const violations = importViolations(files);
    expect(violations).toEqual([]);
  });

  it('has no reach into another object\'s ctx', () => {
    expect(ctxViolations(files)).toEqual([]);
  });

  it('catches an upward import, an edge importing another edge, a worker reaching past the client, and a ctx reach', () => {
    const bad: SourceFile[] = [
      { path: 'src/pfs/x.ts', text: "import { Pps } from '../pps/index.js';" },
      { path: 'src/tree/y.ts', text: "export { Pfs } from '../pfs/index.js';" },
      { path: 'src/storage/z.ts', text: "const m = await import('../server/daemon.js');" },
      { path: 'src/client/a.ts', text: "import type { Daemon } from '../server/daemon.js';" },
      { path: 'sidecar/b.ts', text: "import { Pfs } from '../src/pfs/index.js';" },
      { path: 'src/pps/ok.ts', text: "import { Pfs } from '../pfs/index.js';\nimport { x } from './y.js';\nimport fc from 'fast-check';" },
      { path: 'src/pfs/c.test.ts', text: "import { startS3rver } from '../../test/helpers/s3rver.js';" },
      { path: 'src/pfs/d.ts', text: "import { startS3rver } from '../../test/helpers/s3rver.js';" },
      { path: 'src/newroom/e.ts', text: '' },
    ];
    expect(importViolations(bad)).toEqual([
      'src/pfs/x.ts -> src/pps/index.ts',
      'src/tree/y.ts -> src/pfs/index.ts',
      'src/storage/z.ts -> src/server/daemon.ts',
      'src/client/a.ts -> src/server/daemon.ts',
      'sidecar/b.ts -> src/pfs/index.ts',
      'src/pfs/d.ts -> test/helpers/s3rver.ts',
      'src/newroom/e.ts: room src/newroom has no place in the layers (add it to MAY_USE)',
    ]);
    expect(ctxViolations([{ path: 'src/server/f.ts', text: 'const m = pfs.ctx.meta;\nconst n = this.ctx.pfs.ctx.deps;\nconst o = this.ctx.store;\nconst { ctx } = deps;\nf(...ctx.env);' }])).toEqual([
      'src/server/f.ts:1: pfs.ctx',
      'src/server/f.ts:2: this.ctx.pfs.ctx',
    ]);
  });
});
