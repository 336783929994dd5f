import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3SnapshotSink, createSnapshotS3Client } from '../../src/adapters/snapshots/s3-sink.js';
import { dailySnapshotJob } from '../../src/jobs/daily-snapshot.js';
import { startHarness } from '../e2e/harness.js';
import type { Harness } from '../e2e/harness.js';

interface Put {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Just enough of S3 for PutObject, path-style, on loopback. */
async function startFakeS3() {
  const puts: Put[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'PUT') puts.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { ETag: '"fake"' });
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, puts, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** The object's bytes, with the SDK's aws-chunked framing (size;chunk-signature, trailers) removed. */
function objectBody(put: Put): string {
  if (!String(put.headers['content-encoding'] ?? '').includes('aws-chunked')) return put.body;
  const out: string[] = [];
  let rest = put.body;
  for (;;) {
    const eol = rest.indexOf('\r\n');
    const size = parseInt(rest.slice(0, eol).split(';')[0] ?? '0', 16);
    if (!size) break;
    out.push(rest.slice(eol + 2, eol + 2 + size));
    rest = rest.slice(eol + 2 + size + 2);
  }
  return out.join('');
}

describe('daily snapshot to S3', () => {
  let s3: Awaited<ReturnType<typeof startFakeS3>>;
  let h: Harness;
  beforeAll(async () => {
    s3 = await startFakeS3();
    h = await startHarness({ DRY_RUN: 'true' }, { scheduler: false });
  });
  afterAll(async () => {
    await h.close();
    await s3.close();
  });

  it('writes the snapshot as one encrypted JSON object under the prefix', async () => {
    await h.postAlert('/alerts/generic', JSON.stringify({ name: 'DiskAlmostFull', severity: 'warning', service: 'db', summary: 'disk 91%', status: 'firing' }));
    await h.settle();
    const client = createSnapshotS3Client({ region: 'us-east-1', endpoint: s3.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    const snapshots = createS3SnapshotSink({ client, bucket: 'ops-snapshots', prefix: 'chatops/' });
    const summary = await dailySnapshotJob.run({ ...h.bot.deps, snapshots });
    expect(summary).toMatch(/^snapshot written to s3:\/\/ops-snapshots\/chatops\/snapshot-\d{4}-\d\d-\d\d\.json$/);
    expect(s3.puts).toHaveLength(1);
    const put = s3.puts[0]!;
    expect(put.path).toMatch(/^\/ops-snapshots\/chatops\/snapshot-\d{4}-\d\d-\d\d\.json/);
    expect(put.headers['x-amz-server-side-encryption']).toBe('AES256');
    const snapshot = JSON.parse(objectBody(put)) as { incidents: { id: string; title: string }[] };
    expect(snapshot.incidents.map((i) => [i.id, i.title])).toEqual([['INC-1', 'disk 91%']]);
    client.destroy();
  });
});
