import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { SnapshotSink } from '../../services/snapshot.js';

/** The S3 client for snapshots; path-style addressing when an endpoint is given (S3-compatible stores, tests). */
export function createSnapshotS3Client(options: { region?: string; endpoint?: string; credentials?: { accessKeyId: string; secretAccessKey: string } }): S3Client {
  return new S3Client({
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
}

/** Snapshots as objects under `s3://bucket/prefix`, encrypted at rest. */
export function createS3SnapshotSink({ client, bucket, prefix }: { client: S3Client; bucket: string; prefix: string }): SnapshotSink {
  return {
    async write(name, body) {
      const key = `${prefix}${name}`;
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json', ServerSideEncryption: 'AES256' }));
      return `s3://${bucket}/${key}`;
    },
  };
}
