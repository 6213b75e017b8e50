// Listing batches as the daemon sends them: the shared commit goes once per
// batch only to callers that asked for it (commit_once); an older client,
// which never reads FileInfoBatch.commit, still finds it in every entry.
import { describe, expect, it } from 'vitest';
import { fileBatchMsg } from './convert.js';
import { decodeFileInfoBatch, encodeFileInfoBatch } from '../rpc/file-info-wire.js';
import { FileInfoBatch } from '../gen/tusk/pfs.js';

const COMMIT = 'c'.repeat(32);
const files = ['/a', '/b', '/c'].map((path) => ({ path, type: 'file' as const, sizeBytes: 1, hash: 'ab'.repeat(32), commit: COMMIT }));

describe('fileBatchMsg', () => {
  it('sends the shared commit once when the caller asked for it, and the reader fills it back in', () => {
    const msg = fileBatchMsg(files, true);
    expect(msg.commit).toBe(COMMIT);
    expect(msg.files.every((f) => f.commit === '')).toBe(true);
    expect(decodeFileInfoBatch(encodeFileInfoBatch(msg)).files.map((f) => f.commit)).toEqual([COMMIT, COMMIT, COMMIT]);
  });

  it('keeps the commit in every entry for a caller that did not ask (an older client decoding with generated code)', () => {
    const msg = fileBatchMsg(files, false);
    expect(msg.commit).toBe('');
    const old = FileInfoBatch.decode(encodeFileInfoBatch(msg));
    expect(old.files.map((f) => f.commit)).toEqual([COMMIT, COMMIT, COMMIT]);
  });
});
