// Setup file of vitest's `s3` project (vitest.config.ts): after each test file,
// stop the s3rver that test/helpers/daemon.ts started for its daemons' content,
// and check that the content did go there (a file whose daemons wrote nothing
// to their buckets did not run in S3 mode at all).
import { afterAll, expect } from 'vitest';
import { stopTestS3 } from './daemon.js';

afterAll(async () => {
  const { buckets, objects } = await stopTestS3();
  expect(buckets, 'no daemon of this file ran on S3').toBeGreaterThan(0);
  expect(objects, 'the daemons wrote nothing to their buckets').toBeGreaterThan(0);
});
