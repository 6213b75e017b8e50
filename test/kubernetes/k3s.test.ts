// TUSK_RUNTIME=kubernetes on a REAL cluster: k3s in a container
// (testcontainers' k3s module), where a Docker engine answers; skipped,
// saying why, everywhere else (our CI machines have no Docker engine). It
// builds the tusk image from deploy/Dockerfile, loads it into k3s, installs
// deploy/overlays/minio with that image, and runs the README's word-count
// DAG through `tusk` inside tuskd's pod: worker pods run the injected worker
// in node:20-bookworm-slim, and top.txt must be what the code computes.
// What it adds over the stand-in: real image pulls and injection, the real
// scheduler, kubelet, RBAC (deploy/base's Role), pod DNS and MinIO.
import { execFileSync, spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pipeline as pipe } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ROOT } from '../helpers/daemon.js';

vi.setConfig({ testTimeout: 900_000, hookTimeout: 900_000 });

const IMAGE = 'tusk:k3s-test';
const K3S_IMAGE = 'rancher/k3s:v1.31.4-k3s1';

/** Why the test cannot run here, or undefined when it can. */
async function whyNot(): Promise<string | undefined> {
  if (spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status !== 0) return 'no kubectl on PATH (kustomize renders the install)';
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return undefined;
  } catch (err) {
    return `no Docker engine answers (${(err as Error).message})`;
  }
}

const skipped = await whyNot();
if (skipped) console.warn(`k3s.test: skipped, ${skipped}`);

describe.skipIf(skipped !== undefined)('TUSK_RUNTIME=kubernetes on k3s (testcontainers)', () => {
  let dir = '';
  let k3s: import('@testcontainers/k3s').StartedK3sContainer | undefined;
  const kubectl = (args: string[], input?: string) => execFileSync('kubectl', ['--kubeconfig', join(dir, 'kubeconfig'), ...args], { encoding: 'utf8', input, timeout: 600_000 });
  const tusk = (args: string[], input?: string) => kubectl(['exec', '-i', 'tusk-0', '--', 'tusk', ...args], input);

  beforeAll(async () => {
    const { GenericContainer, getContainerRuntimeClient } = await import('testcontainers');
    const { K3sContainer } = await import('@testcontainers/k3s');
    dir = await mkdtemp(join(tmpdir(), 'tusk-k3s-'));
    // The image, built here and loaded into k3s's containerd (pods use it with IfNotPresent: no registry).
    await GenericContainer.fromDockerfile(ROOT, 'deploy/Dockerfile').build(IMAGE, { deleteOnExit: false });
    const client = await getContainerRuntimeClient();
    await pipe(await client.container.dockerode.getImage(IMAGE).get(), createWriteStream(join(dir, 'tusk.tar')));
    k3s = await new K3sContainer(K3S_IMAGE).start();
    await k3s.copyFilesToContainer([{ source: join(dir, 'tusk.tar'), target: '/tmp/tusk.tar' }]);
    const imported = await k3s.exec(['ctr', '-n', 'k8s.io', 'images', 'import', '/tmp/tusk.tar']);
    expect(imported.exitCode, imported.output).toBe(0);
    await writeFile(join(dir, 'kubeconfig'), k3s.getKubeConfig());
    // deploy/overlays/minio with the image just built.
    await writeFile(join(dir, 'kustomization.yaml'), `resources:\n  - ${relative(dir, join(ROOT, 'deploy/overlays/minio'))}\nimages:\n  - name: tusk\n    newTag: k3s-test\n`);
    kubectl(['apply', '-k', dir]);
    kubectl(['wait', '--for=condition=complete', 'job', '--all', '--timeout=600s']);
    kubectl(['rollout', 'status', 'statefulset/tusk', '--timeout=600s']);
  });

  afterAll(async () => {
    await k3s?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('runs the word-count DAG in worker pods and gets the top words the code computes', async () => {
    tusk(['create', 'repo', 'docs']);
    for (const name of ['count.yaml', 'top.yaml']) tusk(['create', 'pipeline', '-f', '-'], await readFile(join(ROOT, 'examples/wordcount', name), 'utf8'));
    const docs = join(ROOT, 'examples/wordcount/docs');
    const texts: string[] = [];
    for (const file of (await readdir(docs)).sort()) {
      const text = await readFile(join(docs, file), 'utf8');
      texts.push(text);
      tusk(['put', 'file', `docs@master:/${file}`, '-f', '-'], text);
    }
    tusk(['wait', 'commit', 'top@master']);
    expect(tusk(['get', 'file', 'top@master:/top.txt'])).toBe(expectedTop(texts));
    const pods = kubectl(['get', 'pods', '-l', 'app.kubernetes.io/managed-by=tuskd', '-o', 'jsonpath={.items[*].metadata.name}']);
    expect(pods).toMatch(/tusk-counts-v1-/);
    expect(pods).toMatch(/tusk-top-v1-/);
  });
});

/** examples/wordcount's two stages, computed here: the ten most frequent words over every document. */
function expectedTop(texts: string[]): string {
  const total: Record<string, number> = {};
  for (const text of texts) for (const word of text.toLowerCase().match(/[a-z']+/g) ?? []) total[word] = (total[word] ?? 0) + 1;
  const top = Object.entries(total).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 10);
  return top.map(([w, n]) => `${String(n).padStart(4)} ${w}`).join('\n') + '\n';
}
