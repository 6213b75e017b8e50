// Builds the S3Client our S3 stores use, with the settings that keep them
// correct on every S3 implementation: path-style addressing and no aws-chunked
// streaming checksums (s3rver stores that framing as data, see TOOLCHAIN.md),
// and no SDK-level retries (S3Store retries itself, so tries do not multiply).
import { S3Client } from '@aws-sdk/client-s3';

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface S3ClientSettings {
  /** e.g. "http://127.0.0.1:9000"; undefined means AWS itself. */
  endpoint?: string;
  region: string;
  /** undefined: the SDK's default chain (environment, profile, instance role). */
  credentials?: S3Credentials;
}

export function makeS3Client(settings: S3ClientSettings): S3Client {
  // The SDK warns once per process, on stderr, that its releases after January 2027 need Node 22. Our
  // version is pinned in the lock file, and the text would break the CLI's one-line errors and the
  // daemon's JSON log lines: switch it off (the SDK's documented switch) unless the user set it.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return new S3Client({
    region: settings.region,
    endpoint: settings.endpoint,
    credentials: settings.credentials,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 10_000, requestTimeout: 120_000 },
  });
}
