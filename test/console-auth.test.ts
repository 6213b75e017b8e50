// The console with access control on: a browser without a token gets the
// sign-in page (not an empty or broken view), and after signing in with a
// token it sees what that token may see. Debian's Chromium driven by
// playwright-core; skipped, saying so, without /usr/bin/chromium.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type DaemonHandle } from './helpers/daemon.js';
import { tusk } from './helpers/tusk-cli.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`console-auth: skipped, ${CHROMIUM} is missing (Debian: apt-get install chromium)`);

let daemon: DaemonHandle;
let work: string;
let rootToken: string;
let browser: Browser | undefined;

beforeAll(async () => {
  daemon = await startDaemon();
  work = await mkdtemp(join(tmpdir(), 'tusk-console-auth-'));
  const env = { ...daemon.env, TUSK_CONFIG: join(work, 'root.json') };
  const activated = await tusk(['auth', 'activate', '-o', 'json'], { env });
  expect(activated.code, activated.stderr).toBe(0);
  rootToken = (JSON.parse(activated.stdout) as { token: string }).token;
  const created = await tusk(['create', 'repo', 'guarded'], { env });
  expect(created.code, created.stderr).toBe(0);
});

afterAll(async () => {
  await browser?.close();
  await daemon?.stop();
  await rm(work, { recursive: true, force: true });
});

describe.skipIf(!hasChromium)('console with access control on', () => {
  it('asks for a token on a sign-in page, then shows the DAG with it', async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(20_000);
    await page.goto(`http://127.0.0.1:${daemon.httpPort}/`);
    await page.getByRole('heading', { name: 'Sign in to Tusk' }).waitFor();
    expect(await page.getByText('guarded').count()).toBe(0);

    await page.getByLabel('Access token').fill('tusk_not-a-real-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Sign in to Tusk' }).waitFor(); // a bad token signs nobody in

    await page.getByLabel('Access token').fill(rootToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('guarded').first().waitFor();
    expect(await page.getByRole('heading', { name: 'Sign in to Tusk' }).count()).toBe(0);
  });
});
