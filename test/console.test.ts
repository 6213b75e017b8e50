// The web console end to end: one daemon with the README's word-count DAG
// (docs → counts → top), its JSON API compared with what the CLI's `-o json`
// says about the same objects, then Debian's Chromium (driven by
// playwright-core) through the views a person uses: the DAG, a job's datums
// and a datum's log, a file preview and its provenance, a failing pipeline's
// failed datum, and a branch made in the console with its experiment diff.
// Screenshots go to test-artifacts/console/ (git-ignored). Without
// /usr/bin/chromium the browser part is skipped and says so.
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startDaemon, type DaemonHandle } from './helpers/daemon.js';
import { tusk, tuskJson } from './helpers/tusk-cli.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(ROOT, 'test-artifacts', 'console');
const EXAMPLE = join(ROOT, 'examples', 'wordcount');

let daemon: DaemonHandle;
let base: string;
let id: string;
const cli = (args: string[]) => tuskJson(args, { env: daemon.env });

/** POST /api/<method> as the console sends it. */
async function api<T = any>(method: string, body: object = {}): Promise<{ status: number; json: T }> {
  const res = await fetch(`${base}/api/${method}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  return { status: res.status, json: (await res.json()) as T };
}

beforeAll(async () => {
  daemon = await startDaemon();
  base = `http://127.0.0.1:${daemon.httpPort}`;
  await cli(['create', 'repo', 'docs']);
  await cli(['create', 'pipeline', '-f', join(EXAMPLE, 'count.yaml')]);
  await cli(['create', 'pipeline', '-f', join(EXAMPLE, 'top.yaml')]);
  id = (await tusk(['put', 'file', 'docs@master', '-f', join(EXAMPLE, 'docs'), '-r'], { env: daemon.env })).stdout.trim();
  expect(id).toMatch(/^[0-9a-f]{32}$/);
  await cli(['wait', 'commit', `top@${id}`]);
});

afterAll(async () => {
  await daemon?.stop();
});

describe('console API', () => {
  it('answers each view with the data the CLI shows for the same objects', async () => {
    const repos = (await api<{ repos: any[] }>('tusk.pfs.PfsApi/ListRepo')).json.repos;
    const cliRepos = await cli(['list', 'repo']);
    expect(repos.map((r) => [r.name, r.sizeBytes]).sort()).toEqual(cliRepos.map((r: any) => [r.name, r.sizeBytes]).sort());

    const commits = (await api<{ commits: any[] }>('tusk.pfs.PfsApi/ListCommit', { repo: 'counts', branch: 'master' })).json.commits;
    const cliCommits = await cli(['list', 'commit', 'counts@master']);
    expect(commits.map((c) => [c.id, c.origin, c.sizeBytes])).toEqual(cliCommits.map((c: any) => [c.id, c.origin, c.sizeBytes]));

    const files = (await api<{ files: any[] }[]>('tusk.pfs.PfsApi/ListFile', { dir: 'counts@master:/' })).json.flatMap((b) => b.files);
    const cliFiles = await cli(['list', 'file', 'counts@master:/']);
    expect(files.map((f) => [f.path, f.type, f.sizeBytes, f.commit])).toEqual(cliFiles.map((f: any) => [f.path, f.type, f.sizeBytes, f.commit]));
    expect(files.every((f) => /^[0-9a-f]{32}$/.test(f.commit))).toBe(true); // each entry has its commit, though the daemon sends it once per batch
    expect(files).toHaveLength(3);

    const jobs = (await api<{ jobs: any[] }>('tusk.pps.PpsApi/ListJob')).json.jobs;
    const cliJobs = await cli(['list', 'job']);
    expect(jobs.map((j) => [j.pipeline, j.id, j.state, j.datums])).toEqual(cliJobs.map((j: any) => [j.pipeline, j.id, j.state, j.datums]));
    expect(jobs.map((j) => j.state)).toEqual(['success', 'success']);

    const datums = (await api<{ datums: any[] }[]>('tusk.pps.PpsApi/ListDatum', { pipeline: 'counts', job: id })).json.flatMap((b) => b.datums);
    const cliDatums = await cli(['list', 'datum', `counts@${id}`]);
    const row = (d: any) => [d.id, d.state, d.files.map((f: any) => (typeof f === 'string' ? f : f.path)), d.tries];
    expect(datums.map(row).sort()).toEqual(cliDatums.map(row).sort());

    const set = (await api<{ commits: any[] }>('tusk.pfs.PfsApi/InspectCommitSet', { id })).json.commits;
    expect(set.map((c) => c.repo).sort()).toEqual(['counts', 'docs', 'top']);

    const file = await fetch(`${base}/api/tusk.pfs.PfsApi/GetFile`, { method: 'POST', body: JSON.stringify({ file: 'top@master:/top.txt' }), headers: { 'content-type': 'application/json' } });
    const cliFile = await tusk(['get', 'file', 'top@master:/top.txt'], { env: daemon.env });
    expect(await file.text()).toBe(cliFile.stdout);
  });

  it('answers errors with the typed error and an HTTP status for its kind', async () => {
    const missing = await api('tusk.pfs.PfsApi/InspectRepo', { name: 'nope' });
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ code: 'RepoNotFound', kind: 'not_found' });
    const unknown = await api('tusk.pfs.PfsApi/ListRepo', { nmae: 'x' });
    expect(unknown.status).toBe(400);
    expect(unknown.json).toMatchObject({ code: 'UnknownField' });
    expect((await api('tusk.pfs.PfsApi/NoSuchThing')).status).toBe(404);
    // A file's bytes are no JSON: a missing file still answers its error, not an empty file.
    const missingFile = await api('tusk.pfs.PfsApi/GetFile', { file: 'top@master:/nope.txt' });
    expect(missingFile.status).toBe(404);
    expect(missingFile.json).toMatchObject({ code: 'FileNotFound', kind: 'not_found' });
  });

  it('uploads a file into a new commit, and writes nothing when the upload is cut short', async () => {
    const q = (path: string) => `${base}/api/tusk.pfs.PfsApi/ModifyFile?target=notes-up@master&path=${path}&description=from+the+console`;
    await api('tusk.pfs.PfsApi/CreateRepo', { name: 'notes-up' });
    const res = await fetch(q('/a.txt'), { method: 'POST', body: 'hello', headers: { 'content-type': 'application/octet-stream' } });
    expect(res.status).toBe(200);
    const { commit } = (await res.json()) as { commit: { id: string } };
    expect(await cli(['inspect', 'commit', `notes-up@${commit.id}`])).toMatchObject({ description: 'from the console', sizeBytes: 5 });
    // Promise a long body, send a little, hang up.
    await new Promise<void>((resolve) => {
      const req = request(q('/cut.txt'), { method: 'POST', headers: { 'content-type': 'application/octet-stream', 'content-length': '100000' } });
      req.on('error', () => resolve());
      req.write('x'.repeat(1000), () => setTimeout(() => (req.destroy(), resolve()), 200));
    });
    await new Promise((r) => setTimeout(r, 500));
    expect((await cli(['list', 'file', 'notes-up@master:/'])).map((f: any) => f.path)).toEqual(['/a.txt']);
    expect(await cli(['list', 'commit', 'notes-up@master'])).toHaveLength(1);
  });

  it('refuses calls another web site could make through a browser', async () => {
    const body = JSON.stringify({ name: 'csrf' });
    const plain = await fetch(`${base}/api/tusk.pfs.PfsApi/CreateRepo`, { method: 'POST', body, headers: { 'content-type': 'text/plain' } });
    expect(plain.status).toBe(400);
    expect(await plain.json()).toMatchObject({ code: 'BadContentType' });
    const foreign = await fetch(`${base}/api/tusk.pfs.PfsApi/CreateRepo`, { method: 'POST', body, headers: { 'content-type': 'application/json', origin: 'http://evil.example' } });
    expect(foreign.status).toBe(403);
    expect((await cli(['list', 'repo'])).map((r: any) => r.name)).not.toContain('csrf');
  });

  it('serves the console with caching headers and /metrics with job, datum and request series', async () => {
    const index = await fetch(`${base}/pipelines/counts`, { headers: { 'accept-encoding': 'gzip' } });
    expect(index.status).toBe(200);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const html = await index.text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(base + script, { headers: { 'accept-encoding': 'gzip' } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect(asset.headers.get('content-encoding')).toBe('gzip');

    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^tusk_jobs\{pipeline="counts",state="success"\} 1$/m);
    expect(metrics).toMatch(/^tusk_datums_total\{pipeline="counts",state="success"\} 3$/m);
    expect(metrics).toMatch(/^tusk_datum_duration_seconds_count\{pipeline="counts",state="success"\} 3$/m);
    expect(metrics).toMatch(/^tusk_workers_running\{pipeline="counts"\} \d+$/m);
    expect(metrics).toMatch(/^tusk_grpc_requests_total\{method="tusk.pfs.PfsApi\/ModifyFile",code="OK"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^tusk_object_store_requests_total\{op="put",outcome="ok"\} \d+$/m);

    // The console's calls pass through the gRPC server, so they count there too.
    const listed = async () => Number(/^tusk_grpc_requests_total\{method="tusk.pps.PpsApi\/ListPipeline",code="OK"\} (\d+)$/m.exec(await (await fetch(`${base}/metrics`)).text())?.[1] ?? 0);
    const before = await listed();
    await api('tusk.pps.PpsApi/ListPipeline');
    expect(await listed()).toBe(before + 1);
  });

  it('streams changes and a followed job log as server-sent events while a job runs', async () => {
    const headers = { 'content-type': 'application/json', accept: 'text/event-stream' };
    const events = await fetch(`${base}/api/events`, { headers: { accept: 'text/event-stream' } });
    expect(events.headers.get('content-type')).toBe('text/event-stream');
    const logs = await fetch(`${base}/api/tusk.pps.PpsApi/GetLogs`, { method: 'POST', body: JSON.stringify({ pipeline: 'counts', follow: true }), headers });
    const put = await tusk(['put', 'file', 'docs@master:/owl.txt', '-f', '-'], { env: daemon.env, input: 'The owl saw the owl.\n' });
    const id2 = put.stdout.trim();
    const changes = await readUntil(events, (t) => t.includes(`"kind":"job","pipeline":"counts","id":"${id2}","state":"success"`));
    expect(changes).toMatch(/^event: change$/m);
    const followed = await readUntil(logs, (t) => t.includes('owl: '));
    const line = JSON.parse(/^data: (.*owl: .*)$/m.exec(followed)![1]!);
    expect(line).toMatchObject({ pipeline: 'counts', job: id2, stream: 'stdout', message: 'owl: 3 distinct words' });
    await cli(['wait', 'commit', `top@${id2}`]);
  });
});

/** Reads a streamed response until `done(textSoFar)` holds. */
async function readUntil(res: Response, done: (text: string) => boolean): Promise<string> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  while (!done(text)) {
    const { value, done: ended } = await reader.read();
    if (ended) throw new Error(`stream ended before the expected text:\n${text}`);
    text += value;
  }
  await reader.cancel();
  return text;
}

describe.skipIf(!existsSync(CHROMIUM))('console in Chromium', () => {
  let browser: Browser;
  let page: Page;
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(20_000);
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('shows the DAG with both pipelines and their last job state', async () => {
    await page.goto(base);
    await page.locator('svg.graph [data-node="top"]').waitFor();
    for (const name of ['docs', 'counts', 'top']) await expect(page.locator(`svg.graph [data-node="${name}"]`).count()).resolves.toBe(1);
    await expect(page.locator('svg.graph [data-node="counts"]').getAttribute('class')).resolves.toContain('state-success');
    await expect(page.locator('[data-pipeline="counts"] .badge').innerText()).resolves.toBe('success');
    await expect(page.locator('[data-pipeline="top"] .badge').innerText()).resolves.toBe('success');
    await shot('dag');
    // From the keyboard: Tab reaches the graph's nodes, Enter opens one.
    for (let i = 0; i < 20 && (await page.evaluate(() => document.activeElement?.getAttribute('data-node'))) !== 'counts'; i++) await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/pipelines/counts`);
  });

  it('follows a pipeline to its job, the job to its datums and a datum to its log line', async () => {
    await page.goto(base);
    await page.locator('svg.graph [data-node="counts"]').click();
    await page.waitForURL(`${base}/pipelines/counts`);
    // Its worker (one local worker: parallelism 1) and the right-sizing figures inspect pipeline shows.
    await page.locator('[data-testid="workers"] tbody tr').first().waitFor();
    await expect(page.locator('[data-testid="workers"] tbody tr').allInnerTexts()).resolves.toEqual([expect.stringMatching(/^counts-0-\S+\s+running\s+0\s+idle$/)]);
    const usage = (await cli(['inspect', 'pipeline', 'counts'])).datumUsage;
    await expect(page.locator('[data-testid="right-sizing"] thead').innerText()).resolves.toContain(`(${usage.datums} datums)`);
    await expect(page.locator('[data-testid="right-sizing"] tbody tr').allInnerTexts()).resolves.toEqual([expect.stringMatching(/^Peak memory\s+\d/), expect.stringMatching(/^CPU time\s+\d/), expect.stringMatching(/^CPU rate\s+\d/)]);
    // The same figures over the last hour (PipelineSeries): the word-count job's datums, drawn as bars.
    await expect(page.locator('[data-testid="series-processed"] td.value').innerText()).resolves.toMatch(/^[1-9]\d*$/);
    await expect(page.locator('[data-testid="series-processed"] svg.bars rect').count()).resolves.toBeGreaterThan(0);
    await shot('pipeline');
    await page.locator(`[data-testid="jobs"] a[href="/pipelines/counts/jobs/${id}"]`).click();
    await page.waitForURL(`${base}/pipelines/counts/jobs/${id}`);
    await page.locator('[data-testid="datums"] tbody tr').first().waitFor(); // the view loads after the URL changes
    await expect(page.locator('[data-testid="datums"] tbody tr').count()).resolves.toBe(3);
    await page.locator('[data-testid="logs"]').filter({ hasText: 'distinct words' }).waitFor();
    await shot('job');
    await page.locator('[data-testid="datums"] tr', { hasText: '/ant.txt' }).locator('a').click();
    await page.waitForURL(/\/datums\/[0-9a-f]{64}$/);
    const cliLog = await cli(['logs', '-p', 'counts', '--job', id, '--datum', page.url().split('/').pop()!]);
    const line = (Array.isArray(cliLog) ? cliLog : [cliLog]).map((l: any) => l.message).find((m: string) => m.startsWith('ant:'));
    expect(line).toMatch(/^ant: \d+ distinct words$/);
    await page.locator('[data-testid="datum"] [data-testid="logs"]').filter({ hasText: line }).waitFor();
    await shot('datum');
  });

  it('opens a file preview and its provenance', async () => {
    await page.goto(`${base}/repos/top/files/master/`);
    await page.locator('[data-testid="files"] a', { hasText: 'top.txt' }).click();
    const top = (await tusk(['get', 'file', 'top@master:/top.txt'], { env: daemon.env })).stdout;
    await page.locator('[data-testid="preview"]').filter({ hasText: top.split('\n')[0]!.trim() }).waitFor();
    await shot('file');
    await page.locator('a', { hasText: 'provenance' }).first().click();
    await page.waitForURL(/\/commits\/[0-9a-f]{32}\/top$/);
    const head = page.url().split('/').at(-2)!;
    expect(head).toBe((await cli(['inspect', 'commit', 'top@master'])).id);
    for (const repo of ['docs', 'counts', 'top']) await page.locator(`[data-testid="provenance"] [data-node="${repo}@${head}"]`).waitFor();
    await shot('provenance');
  });

  it('opens files whose names hold #, ?, % and spaces, by a click and by their link', async () => {
    const env = daemon.env;
    await tusk(['create', 'repo', 'odd'], { env });
    const names = ['a#b.txt', 'what?.csv', '100%.txt', 'my file.txt'];
    for (const name of names) await tusk(['put', 'file', `odd@master:/dir#1/${name}`, '-f', '-'], { env, input: `content of ${name}\n` });
    for (const name of names) {
      await page.goto(`${base}/repos/odd/files/master/`);
      await page.locator('[data-testid="files"] a', { hasText: 'dir#1/' }).click();
      await page.locator('[data-testid="files"] a', { hasText: name }).click();
      await page.locator('[data-testid="preview"]').filter({ hasText: `content of ${name}` }).waitFor();
      // The address is a link to the same file: opened afresh (a bookmark, a shared link), it shows it again.
      await page.reload();
      await page.locator('[data-testid="preview"]').filter({ hasText: `content of ${name}` }).waitFor();
    }
  });

  it('renders Markdown without running its markup, and shows the line diff of a changed text file', async () => {
    const env = daemon.env;
    await tusk(['create', 'repo', 'notes'], { env });
    await tusk(['put', 'file', 'notes@master:/README.md', '-f', '-'], { env, input: '# Field notes\n\nAnts carry **grain**.\n\n<script>document.title = "owned"</script>\n' });
    await tusk(['put', 'file', 'notes@master:/README.md', '-f', '-'], { env, input: '# Field notes\n\nAnts carry **seeds**.\n\n<script>document.title = "owned"</script>\n' });
    await page.goto(`${base}/repos/notes/files/master/README.md`);
    await page.locator('[data-testid="preview"] h1', { hasText: 'Field notes' }).waitFor();
    await expect(page.locator('[data-testid="preview"] strong').innerText()).resolves.toBe('seeds');
    await expect(page.locator('[data-testid="preview"] script').count()).resolves.toBe(0);
    await expect(page.locator('[data-testid="preview"]').innerText()).resolves.toContain('<script>');
    await page.goto(`${base}/repos/notes/diff/master/master^`);
    await page.getByRole('button', { name: 'text diff' }).click();
    await page.locator('[data-testid="text-diff"] .removed', { hasText: '- Ants carry **grain**.' }).waitFor();
    await page.locator('[data-testid="text-diff"] .added', { hasText: '+ Ants carry **seeds**.' }).waitFor();
    await shot('text-diff');
  });

  it('finds the failed datum of a failing pipeline and its error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tusk-console-'));
    try {
      const spec = {
        pipeline: { name: 'picky' },
        input: { pfs: { repo: 'docs', glob: '/*' } },
        transform: { cmd: ['node', '-e', "if (process.env.docs.endsWith('crow.txt')) { console.error('no crows allowed'); process.exit(3); }"] },
        datum_tries: 1,
      };
      await writeFile(join(dir, 'picky.json'), JSON.stringify(spec));
      await cli(['create', 'pipeline', '-f', join(dir, 'picky.json')]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    await page.goto(base);
    // The DAG is live: the new pipeline appears and turns red without a reload.
    await page.locator('svg.graph [data-node="picky"].state-failure').waitFor({ timeout: 40_000 });
    await page.locator('svg.graph [data-node="picky"]').click();
    await page.locator('[data-testid="jobs"] tbody tr a').first().click();
    await page.waitForURL(/\/pipelines\/picky\/jobs\/[0-9a-f]{32}$/);
    await page.getByLabel('failed only').check();
    await page.waitForURL(/\?failed=1$/);
    await page.locator('[data-testid="datums"] tbody tr[data-state="failed"]').waitFor();
    await expect(page.locator('[data-testid="datums"] tbody tr').count()).resolves.toBe(1);
    await page.locator('[data-testid="datums"] tbody tr a').click();
    await page.locator('[data-testid="datum"]').filter({ hasText: 'no crows allowed' }).waitFor();
    await shot('failed-datum');
  });

  it('creates a branch, uploads a file to it and shows the experiment diff', async () => {
    await page.goto(`${base}/repos/docs`);
    await page.getByLabel('New branch name').fill('exp');
    await page.getByRole('button', { name: 'Create branch' }).click();
    // The file is chosen while exp's commits are still loading (held here): the form keeps it.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const listCommit = '**/api/tusk.pfs.PfsApi/ListCommit';
    await page.route(listCommit, async (route) => {
      if (route.request().postDataJSON()?.branch === 'exp') await held;
      await route.continue();
    });
    await page.locator('[data-testid="branches"] a', { hasText: 'exp' }).click();
    await page.waitForURL(`${base}/repos/docs?branch=exp`);
    await page.getByText('Loading…').waitFor();
    await page.getByLabel('File to upload').setInputFiles({ name: 'bee.txt', mimeType: 'text/plain', buffer: Buffer.from('The bee and the bee hummed.\n') }, { timeout: 5_000 });
    release();
    await page.getByRole('heading', { name: 'Commits on exp' }).waitFor();
    await page.unroute(listCommit);
    await page.getByRole('button', { name: 'Upload in a new commit' }).click();
    await page.waitForURL(/\/repos\/docs\/files\/[0-9a-f]{32}\/$/);
    await page.locator('[data-testid="files"] a', { hasText: 'bee.txt' }).waitFor();
    await page.goto(`${base}/experiments/exp`);
    await page.locator('[data-testid="experiment-diff"] tr[data-repo="docs"]').filter({ hasText: '1 (28 B)' }).waitFor();
    // The branch runs the DAG below it; the diff follows live as counts finishes on exp.
    await page.locator('[data-testid="experiment-diff"] tr[data-repo="counts"]').filter({ hasText: '1 (' }).waitFor({ timeout: 40_000 });
    const cliDiff = await cli(['experiment', 'diff', 'exp']);
    const docs = (Array.isArray(cliDiff) ? cliDiff : cliDiff.repos).find((r: any) => r.repo === 'docs');
    expect(docs).toMatchObject({ added: 1, bytesAdded: 28 });
    await shot('experiment');
  });

  it('shows why promote refuses when the main line moved since the branch was made', async () => {
    await tusk(['put', 'file', 'docs@master:/hare.txt', '-f', '-'], { env: daemon.env, input: 'The hare ran.\n' });
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Promote exp…' }).click();
    await page.locator('[role="alert"]').filter({ hasText: /fast-forward/i }).waitFor();
    const cliPromote = await tusk(['experiment', 'promote', 'exp'], { env: daemon.env });
    expect(cliPromote.code).toBe(1);
    expect(await page.locator('[role="alert"]').innerText()).toContain(cliPromote.stderr.replace(/^tusk: /, '').trim());
    await shot('promote-refused');
  });
});
