// Where an S3 client's settings come from (explicit choice, then the AWS
// environment) and how an s3://bucket/key URL splits: pure, no network.
import { describe, expect, it } from 'vitest';
import { InvalidStorageUrl } from '../errors/index.js';
import { s3Settings, splitS3Url } from './s3-settings.js';

const bad = (reason: string) => new InvalidStorageUrl('s3://b/k', reason);

describe('s3Settings', () => {
  it('takes the explicit endpoint and region first, then AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, AWS_REGION, AWS_DEFAULT_REGION', () => {
    const env = { AWS_ENDPOINT_URL: 'http://general:1', AWS_ENDPOINT_URL_S3: 'http://s3only:2', AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'us-west-2' };
    expect(s3Settings(env, { endpoint: 'http://flag:3', region: 'ap-south-1' }, bad)).toMatchObject({ endpoint: 'http://flag:3', region: 'ap-south-1' });
    expect(s3Settings(env, {}, bad)).toMatchObject({ endpoint: 'http://s3only:2', region: 'eu-west-1' });
    expect(s3Settings({ AWS_ENDPOINT_URL: 'http://general:1', AWS_DEFAULT_REGION: 'us-west-2' }, {}, bad)).toMatchObject({ endpoint: 'http://general:1', region: 'us-west-2' });
    expect(s3Settings({}, {}, bad)).toEqual({ endpoint: undefined, region: 'us-east-1', credentials: undefined });
  });

  it('reads the key pair (and session token) from the environment, and refuses half a pair', () => {
    expect(s3Settings({ AWS_ACCESS_KEY_ID: 'id', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 't' }, {}, bad).credentials).toEqual({ accessKeyId: 'id', secretAccessKey: 'secret', sessionToken: 't' });
    expect(() => s3Settings({ AWS_ACCESS_KEY_ID: 'id' }, {}, bad)).toThrow(/must be set together \(only AWS_ACCESS_KEY_ID is\)/);
  });

  it('refuses an endpoint that is not scheme, host and port, and a malformed region', () => {
    expect(() => s3Settings({}, { endpoint: 'localhost:9000' }, bad)).toThrow(/must be http:\/\/ or https:\/\//);
    expect(() => s3Settings({}, { endpoint: 'http://host:9000/bucket' }, bad)).toThrow(/just scheme, host and port/);
    expect(() => s3Settings({ AWS_ENDPOINT_URL: 'not a url' }, {}, bad)).toThrow(/is not a URL/);
    expect(() => s3Settings({}, { region: 'EU West' }, bad)).toThrow(/not a region name/);
  });
});

describe('splitS3Url', () => {
  it('splits the bucket from a key taken literally', () => {
    expect(splitS3Url('s3://bucket')).toEqual({ bucket: 'bucket', key: '' });
    expect(splitS3Url('s3://bucket/')).toEqual({ bucket: 'bucket', key: '' });
    expect(splitS3Url('s3://bucket/a/b c%20?x#y')).toEqual({ bucket: 'bucket', key: 'a/b c%20?x#y' });
    expect(splitS3Url('s3://My_Legacy.Bucket/dir/')).toEqual({ bucket: 'My_Legacy.Bucket', key: 'dir/' });
  });

  it('refuses what is not s3://bucket[/key]', () => {
    for (const url of ['s3://', 's3:///key', 'http://bucket/key', 's3://b/k'.replace('b', 'b:9000')]) {
      expect(() => splitS3Url(url), url).toThrow(InvalidStorageUrl);
    }
  });
});
