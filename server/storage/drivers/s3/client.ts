import { S3Client } from '@aws-sdk/client-s3';

export interface S3ConnectionSettings {
  readonly bucket: string;
  readonly region: string;
  /** An S3-compatible endpoint (MinIO, Swift, Ceph…); AWS itself when omitted. */
  readonly endpoint?: string;
  /** `https://host/bucket/key` instead of `https://bucket.host/key`; most S3-compatible stores need it. */
  readonly forcePathStyle: boolean;
  /** Static keys from the configuration; the standard AWS chain (env, profile, instance role) when omitted. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Attempts per request, with the SDK's backoff between them (throttling, 5xx, dropped connections). */
  readonly maxAttempts?: number;
}

export function createS3Client(settings: S3ConnectionSettings): S3Client {
  return new S3Client({
    region: settings.region,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    forcePathStyle: settings.forcePathStyle,
    ...(settings.credentials ? { credentials: { ...settings.credentials } } : {}),
    maxAttempts: settings.maxAttempts ?? 5,
    retryMode: 'standard',
    // Flexible checksums would send streamed bodies aws-chunked, which many S3-compatible stores refuse;
    // Berth verifies content by digest itself.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: {
      connectionTimeout: 10_000,
      // Idle time on a socket, not a cap on a whole transfer: a multi-GiB stream may take as long as it needs.
      socketTimeout: 120_000,
      httpAgent: { keepAlive: true, maxSockets: 64 },
      httpsAgent: { keepAlive: true, maxSockets: 64 },
    },
  });
}
