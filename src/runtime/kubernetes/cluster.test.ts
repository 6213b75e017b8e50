import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connectCluster } from './cluster.js';

describe('connectCluster', () => {
  const saved = process.env.KUBECONFIG;
  afterEach(() => {
    if (saved === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = saved;
  });

  it('without credentials says which kubeconfig is missing (instead of dialling localhost:8080)', async () => {
    process.env.KUBECONFIG = join(tmpdir(), 'no-such-kubeconfig');
    await expect(connectCluster(undefined)).rejects.toMatchObject({ code: 'KubernetesUnavailable', message: expect.stringContaining('no kubeconfig at') });
  });

  it('takes the namespace from the kubeconfig context unless one is given', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tusk-kc-')), 'config');
    writeFileSync(file, JSON.stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'c',
      clusters: [{ name: 'k', cluster: { server: 'http://127.0.0.1:1' } }], users: [{ name: 'u', user: {} }],
      contexts: [{ name: 'c', context: { cluster: 'k', user: 'u', namespace: 'data' } }],
    }));
    process.env.KUBECONFIG = file;
    expect((await connectCluster(undefined)).namespace).toBe('data');
    expect((await connectCluster('other')).namespace).toBe('other');
  });
});
