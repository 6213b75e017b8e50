import { describe, expect, it } from 'vitest';
import { generatedMethods } from '../../test/helpers/generated-services.js';
import * as pfs from '../gen/tusk/pfs.js';
import * as pps from '../gen/tusk/pps.js';
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
