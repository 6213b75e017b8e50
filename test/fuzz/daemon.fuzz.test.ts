// Fuzzing a real tuskd over real sockets (issue 18, point 10): refs and paths,
// globs, pipeline specs, the ModifyFile stream and S3 requests, each random
// input answered within STALL_MS with either a result or a typed error (never
// `Internal`, never an S3 5xx) whose message is one line, while /healthz keeps
// answering and a finished commit never changes. Time-boxed (see budget.ts).
import fc from 'fast-check';
import { XMLValidator } from 'fast-xml-parser';
import { get as httpGet } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PpsClient, TuskClient } from '../../src/client/index.js';
import { isTuskError } from '../../src/errors/index.js';
import type { DaemonHandle } from '../helpers/daemon.js';
import { closeClients, endpointOf, sdkClient, sha256, signedFetch, startGatewayDaemon } from '../helpers/s3-gateway.js';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { budget, FuzzStats, STALL_MS } from './budget.js';

let d: DaemonHandle;
let client: TuskClient;
let pps: PpsClient;
let finished: { id: string; files: string };
let stopping = false;
/** How the daemon died, once it has: every later failure names it, as a daemon that is gone answers Unavailable, a typed error. */
let died: string | undefined;
const health = new FuzzStats('/healthz during glob and spec fuzzing');
const areas: FuzzStats[] = [];

beforeAll(async () => {
  d = await startGatewayDaemon({ TUSK_RUNTIME: 'none' });
  // a daemon that falls over says how, with the end of its log, so the run that found it can be read
  d.process.once('exit', (code, signal) => {
    if (stopping) return;
    died = `tuskd exited during fuzzing (code ${code}, signal ${signal}); its last log lines:\n${d.logs().split('\n').slice(-30).join('\n')}`;
    console.error(died);
  });
  client = new TuskClient(d.address);
  pps = new PpsClient(d.address);
  await client.createRepo('base');
  const w = await client.modifyFile('base@master');
  await w.putFile('/' + 'r'.repeat(5000), Buffer.from('long name'));
  for (let i = 0; i < 50; i++) await w.putFile(`/dir${i % 5}/file-${i}.txt`, Buffer.from(`file ${i}`));
  await w.close();
  finished = await snapshot('base@master');
  const s3 = sdkClient(d);
  await s3.send(new CreateBucketCommand({ Bucket: 'master.fz' }));
  s3.destroy();
}, 120_000);

afterAll(async () => {
  for (const a of areas) a.report();
  health.report();
  // no finished commit changed, and the daemon is still healthy
  if (finished) expect(await snapshot(`base@${finished.id}`)).toEqual(finished);
  expect(await healthzMs()).toBeLessThan(STALL_MS);
  client?.close();
  pps?.close();
  closeClients();
  stopping = true;
  await d?.stop();
}, 120_000);

async function snapshot(ref: string): Promise<{ id: string; files: string }> {
  const commit = await client.inspectCommit(ref);
  const files: string[] = [];
  for await (const f of client.globFile(ref, '/**')) files.push(`${f.path} ${f.type} ${f.sizeBytes} ${f.hash}`);
  return { id: commit.id, files: files.join('\n') };
}

/**
 * One /healthz probe on a connection of its own, as the kubelet probes: a kept-alive connection that the daemon
 * closes as idle just as a late probe is written (this process stalled for seconds under load) would reset it.
 */
async function healthzMs(): Promise<number> {
  const start = performance.now();
  const status = await new Promise<number>((resolve, reject) => {
    const req = httpGet({ host: '127.0.0.1', port: d.httpPort, path: '/healthz', agent: false, timeout: STALL_MS * 3 }, (res) => {
      res.resume().once('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('timeout', () => req.destroy(new Error(`/healthz did not answer in ${STALL_MS * 3} ms`)));
    // a daemon that dies resets the probe before its exit reaches this process: a failed probe waits a second
    // for that, so that its error says how the daemon died
    req.once('error', (err) => setTimeout(() => reject(died ? new Error(`/healthz: ${err.message} after ${died}`) : err), 1000));
  });
  if (status !== 200) throw new Error(`/healthz answered ${status}`);
  return performance.now() - start;
}

/** Polls /healthz every 100 ms while `work` runs, recording each latency. */
async function watchingHealth<T>(work: () => Promise<T>): Promise<T> {
  let done = false;
  const poller = (async () => {
    while (!done) {
      health.tried++;
      health.saw(await healthzMs(), '/healthz');
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  // a failed probe ends the poller; it is reported by the await below, with the test, not as a stray rejection
  poller.catch(() => undefined);
  try {
    return await work();
  } finally {
    done = true;
    await poller;
  }
}

/** Runs one request: it must answer in time, with a result or a typed, non-internal, one-line error. */
async function answered(stats: FuzzStats, input: string, call: () => Promise<unknown>): Promise<void> {
  try {
    await stats.time(input, call);
  } catch (err) {
    if (died) {
      stats.crashes++;
      throw new Error(`${stats.area}: ${JSON.stringify(input.slice(0, 300))} got ${String(err)} after ${died}`);
    }
    const typed = isTuskError(err) && err.kind !== 'internal' && err.message.length > 0 && !err.message.includes('\n');
    if (!typed) {
      stats.crashes++;
      throw new Error(`${stats.area}: ${JSON.stringify(input.slice(0, 300))} got ${isTuskError(err) ? `${err.code}: ${err.message}` : String(err)}`);
    }
  }
}

function area(name: string): FuzzStats {
  const s = new FuzzStats(name);
  areas.push(s);
  return s;
}

const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', '/', '//', '..', '/../x', 'a\0b', '%00', '@', ':', '^', '~1', 'master^^^', 'x'.repeat(5000), 'é'.repeat(20_000), '\u202e', '*?'.repeat(30) + 'z'),
);

describe('the daemon under random input', () => {
  const refs = area('refs and paths');
  const b1 = budget(0.15);
  it('refs and paths: inspect, list and glob answer or name the problem', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('base', 'nosuch', ''), text, text, async (repo, ref, path) => {
        const full = `${repo}@${ref}:${path}`;
        await answered(refs, full, () => client.inspectFile(full));
        await answered(refs, full, async () => {
          for await (const _ of client.listFile(full));
        });
        await answered(refs, `${repo}@${ref}`, () => client.inspectCommit(`${repo}@${ref}`));
      }),
      b1.params,
    );
  }, b1.timeout);

  const globs = area('GlobFile');
  const b2 = budget(0.2);
  it('globs: every pattern answers in time while /healthz keeps answering', async () => {
    const token = fc.constantFrom('*', '?', '*?', '**', 'r', '/', '[a-z]', '[!r]', '{a,r}', '(', ')', '|', '!(', '@(', '+(', '*(', '\\', 'é', ',', '}', '{', ']', '[');
    const pattern = fc.oneof(fc.array(token, { maxLength: 80 }).map((t) => '/' + t.join('')), text);
    await watchingHealth(() =>
      fc.assert(
        fc.asyncProperty(pattern, async (p) => {
          await answered(globs, p, async () => {
            for await (const _ of client.globFile('base@master', p));
          });
        }),
        b2.params,
      ),
    );
  }, b2.timeout);

  const specs = area('CreatePipeline specs');
  const b3 = budget(0.2);
  it('pipeline specs: random structure, deep nesting and huge values are accepted or refused by name', async () => {
    const valid = { pipeline: { name: 'fz' }, input: { pfs: { repo: 'base', glob: '/*' } }, transform: { cmd: ['sh'], stdin: ['true'] } };
    const deep = fc.tuple(fc.integer({ min: 1, max: 5000 }), fc.constantFrom('{"a":', '[', '{"cross":[', 'a:\n  ', '- ')).map(([n, open]) => {
      const close = open === '[' ? ']' : open === '{"a":' ? '}' : open === '{"cross":[' ? ']}' : '';
      return open.repeat(n) + '1' + close.repeat(n);
    });
    const mutated = fc.tuple(fc.constantFrom('pipeline', 'input', 'transform', 'parallelism_spec', 'datum_tries', 'input.pfs', 'input.pfs.glob', 'transform.cmd', 'pipeline.name'), fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.string({ maxLength: 200_000 }), fc.constantFrom('{a,'.repeat(2000), 1e308, -1, 2 ** 53, '1000000')))
      .map(([path, value]) => {
        const spec = structuredClone(valid) as Record<string, unknown>;
        const keys = path.split('.');
        let at = spec;
        for (const k of keys.slice(0, -1)) at = (at[k] ?? (at[k] = {})) as Record<string, unknown>;
        at[keys[keys.length - 1]!] = value;
        return JSON.stringify(spec);
      });
    const spec = fc.oneof(deep, mutated, fc.jsonValue({ maxDepth: 6 }).map((v) => JSON.stringify(v)), fc.string({ unit: 'binary', maxLength: 2000 }));
    await watchingHealth(() =>
      fc.assert(
        fc.asyncProperty(spec, async (s) => {
          let created: string | undefined;
          await answered(specs, s, async () => {
            created = (await pps.createPipeline(s)).name;
          });
          if (created) await pps.deletePipeline(created, true);
        }),
        b3.params,
      ),
    );
  }, b3.timeout);

  const writes = area('ModifyFile stream');
  const b4 = budget(0.2);
  it('the ModifyFile stream: random targets, paths and data write or fail by name', async () => {
    const op = fc.oneof(
      fc.record({ put: text, size: fc.integer({ min: 0, max: 1536 * 1024 }), append: fc.boolean() }),
      fc.record({ del: text }),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('base@master', 'fz@master', 'nosuch@master', 'base@nosuch', 'base@' + '0'.repeat(32)), fc.array(op, { maxLength: 6 }), fc.boolean(), async (target, ops, abort) => {
        const input = `${target} ${JSON.stringify(ops).slice(0, 200)}`;
        await answered(writes, input, async () => {
          const w = await client.modifyFile(target);
          try {
            for (const o of ops) {
              if ('put' in o) await w.putFile(o.put, Buffer.alloc(o.size, 7), { append: o.append });
              else await w.deleteFile(o.del);
            }
          } catch (err) {
            w.abort();
            throw err;
          }
          if (abort) w.abort();
          else await w.close();
        });
      }),
      b4.params,
    );
  }, b4.timeout);

  const s3 = area('S3 requests');
  const b5 = budget(0.25);
  it('S3 requests: random headers, XML bodies and signatures get a well-formed answer, never a 5xx', async () => {
    const xml = fc.letrec<{ el: string }>((tie) => ({
      el: fc.oneof(
        { depthSize: 'small' },
        fc.constantFrom('<Part><PartNumber>1</PartNumber><ETag>"x"</ETag></Part>', '<Object><Key>a</Key></Object>', '&amp;', '&bogus;', '&#0;', '&#x110000;', '<![CDATA[<x>]]>', '<!-- c -->', '<', 'text'),
        fc.tuple(fc.constantFrom('Delete', 'CompleteMultipartUpload', 'Part', 'Object', 'Key', 'Quiet', 'x:y'), fc.array(tie('el'), { maxLength: 3 })).map(([n, kids]) => `<${n}>${kids.join('')}</${n}>`),
      ),
    })).el;
    const body = fc.oneof(
      xml,
      fc.integer({ min: 1, max: 50_000 }).map((n) => '<Delete>' + '<Object>'.repeat(n) + '</Object>'.repeat(n) + '</Delete>'),
      fc.constantFrom('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><Delete><Object><Key>&b;</Key></Object></Delete>'),
      fc.string({ unit: 'binary', maxLength: 500 }),
    );
    const key = fc.oneof(text, fc.constantFrom('a%00b', '%', 'a/../b', 'a//b', '%ZZ', 'ctl\u0001x', '%E2%80%AE'));
    const query = fc.dictionary(fc.constantFrom('uploads', 'uploadId', 'list-type', 'encoding-type', 'delete', 'prefix', 'max-keys', 'partNumber', 'continuation-token', 'marker', 'delimiter'), fc.oneof(fc.constant(''), text, fc.constantFrom('2', 'url', '-1', '1e9')), { maxKeys: 4 });
    const headers = fc.dictionary(fc.constantFrom('content-md5', 'range', 'x-amz-copy-source', 'if-match', 'x-amz-decoded-content-length', 'content-type', 'x-amz-meta-a'), fc.string({ maxLength: 60 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')), { maxKeys: 3 });
    const signing = fc.constantFrom('good', 'wrong-secret', 'garbage', 'none');
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('GET', 'PUT', 'POST', 'DELETE', 'HEAD'), fc.constantFrom('master.fz', 'master.base', 'nosuch', 'bad$name'), key, query, headers, body, signing, async (method, bucket, k, q, h, b, sig) => {
        // segments with a '%' go out as written (raw escapes, broken ones too), with only non-ASCII encoded
        const path = `/${bucket}/${k.split('/').map((s) => (s.includes('%') ? s.replace(/[^\x21-\x7e]/gu, (c) => encodeURIComponent(c)) : encodeURIComponent(s))).join('/')}`;
        const input = `${sig} ${method} ${path} ${JSON.stringify(q)} ${JSON.stringify(h)} ${b.slice(0, 120)}`;
        s3.tried++;
        const start = performance.now();
        let res: Response;
        try {
          if (sig === 'good' || sig === 'wrong-secret') {
            // node's client frames a DELETE body only with an explicit Content-Length (without one the body
            // bytes would reach the daemon as a second, malformed request: the client's fault, not the daemon's)
            const sent = method === 'GET' || method === 'HEAD' ? undefined : b;
            const framing = sent === undefined ? {} : { 'content-length': String(Buffer.byteLength(sent)) };
            res = await signedFetch(d, { method, path, query: q, body: sent, headers: { ...h, ...framing, 'x-amz-content-sha256': sha256(sent ?? '') } }, sig === 'wrong-secret' ? { secret: 'wrong' } : {});
          } else {
            const url = `${endpointOf(d)}${path}?${new URLSearchParams(q).toString()}`;
            res = await fetch(url, { method, headers: { ...h, ...(sig === 'garbage' ? { authorization: 'AWS4-HMAC-SHA256 Credential=x/y, Signature=zz' } : {}) }, body: method === 'GET' || method === 'HEAD' ? undefined : b, signal: AbortSignal.timeout(STALL_MS * 3) });
          }
        } catch (err) {
          // a request node's own HTTP client refuses to send is not the daemon's doing
          if (/ERR_UNESCAPED_CHARACTERS|ERR_INVALID_CHAR|ERR_INVALID_URL/.test(String((err as { code?: string }).code ?? (err as Error).cause ?? err))) return;
          // a refused upload is not read: the connection closes under a sender still sending, as S3 does
          // (fetch names the reset only in its error's cause)
          const cause = (err as { cause?: { code?: string } }).cause;
          if (Buffer.byteLength(b) > 64 * 1024 && /ECONNRESET|EPIPE/.test(`${String(err)} ${cause?.code ?? ''}`)) return;
          s3.crashes++;
          throw new Error(`S3 ${input}: no answer: ${String(err)}`);
        }
        const reply = method === 'HEAD' ? '' : await res.text();
        s3.saw(performance.now() - start, input);
        if (res.status >= 500 && res.status !== 501) {
          s3.crashes++;
          throw new Error(`S3 ${input}: ${res.status} ${reply.slice(0, 300)}`);
        }
        if (reply.startsWith('<?xml')) expect(XMLValidator.validate(reply), `${input} → ${reply.slice(0, 300)}`).toBe(true);
      }),
      b5.params,
    );
  }, b5.timeout);
});
