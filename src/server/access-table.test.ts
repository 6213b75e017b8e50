import { describe, expect, it } from 'vitest';
import { generatedMethods } from '../../test/helpers/generated-services.js';
import * as pfs from '../gen/tusk/pfs.js';
import * as pps from '../gen/tusk/pps.js';
import { decide, type Bindings } from '../auth/index.js';
import type { AccessLookups } from './access-lookups.js';
import { RPC_ACCESS, S3_ACCESS } from './access-table.js';
import { S3_OPERATIONS } from './s3/router.js';

describe('the access table', () => {
  it('has an entry for every gRPC method the generated code defines, and none for a method that does not exist', () => {
    const methods = generatedMethods();
    expect(methods.length).toBeGreaterThan(50);
    expect(methods.filter((m) => !(m in RPC_ACCESS))).toEqual([]);
    expect(Object.keys(RPC_ACCESS).filter((m) => !methods.includes(m))).toEqual([]);
  });

  it('has an entry for every S3 operation the gateway routes', () => {
    expect(Object.keys(S3_ACCESS).sort()).toEqual([...S3_OPERATIONS].sort());
  });

  it('marks exactly the client-streaming methods as streams', () => {
    const streaming = [pfs.PfsApiService.modifyFile.path, pps.WorkerApiService.putDatumOutput.path, pps.WorkerApiService.startedStream.path];
    expect(Object.entries(RPC_ACCESS).filter(([, r]) => r.stream).map(([p]) => p).sort()).toEqual(streaming.sort());
  });
});

describe('updating a pipeline', () => {
  it('needs repoWriter on its output repo and repoReader on its inputs, not repoWriter on them', async () => {
    // rita reads sales and writes counts, the output of a pipeline reading sales; counts exists, so this is an update.
    const roles: Record<string, string> = { sales: 'repoReader', counts: 'repoWriter' };
    const bindings: Bindings = { cluster: () => undefined, repo: (repo, subject) => (subject === 'user:rita' ? (roles[repo] as never) : undefined) };
    const lookups = { repoExists: async (repo: string) => repo in roles, specRepos: () => ({ name: 'counts', inputs: ['sales'], cron: [] }) } as unknown as AccessLookups;
    const need = (await RPC_ACCESS['/tusk.pps.PpsApi/CreatePipeline']!.need({ spec: '{}' }, lookups))!;
    expect(decide('user:rita', need, bindings)).toEqual({ allowed: true });
    // Without writer on the output, the refusal names the output repo.
    roles.counts = 'repoReader';
    expect(decide('user:rita', need, bindings)).toEqual({ allowed: false, role: 'repoWriter', repo: 'counts' });
    // Without reader on an input, it names that input and the reader role.
    roles.counts = 'repoWriter';
    delete roles.sales;
    roles.other = 'repoOwner';
    expect(decide('user:rita', need, bindings)).toEqual({ allowed: false, role: 'repoReader', repo: 'sales' });
  });
});
