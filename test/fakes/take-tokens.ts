/**
 * A second process taking rate-limit tokens, for the test that two bot processes sharing one store
 * never grant more tokens than the bucket holds. Run with tsx:
 *
 *   tsx test/fakes/take-tokens.ts <dynamodb-endpoint> <table-prefix> <bucket> <capacity> <count> <frozen-epoch-ms>
 *
 * Waits for a line on stdin before starting (so both processes start together), makes `count`
 * concurrent takes through the bot's own RateLimitStore with the clock frozen at the given time
 * (so no refill happens), and prints `{"granted":n,"refused":n,"errors":[...]}` on stdout.
 */
import { createInterface } from 'node:readline';
import { createDynamoRateLimitStore } from '../../src/adapters/stores/dynamo-rate-limit-store.js';
import { burstDocumentClient } from '../integration/stores/harness.js';

const [endpoint, prefix, bucket, capacity, count, frozen] = process.argv.slice(2);
if (!endpoint || !prefix || !bucket || !capacity || !count || !frozen) {
  console.error('usage: take-tokens.ts <dynamodb-endpoint> <table-prefix> <bucket> <capacity> <count> <frozen-epoch-ms>');
  process.exit(64);
}

const doc = burstDocumentClient(endpoint);
const store = createDynamoRateLimitStore({ doc, prefix, clock: { now: () => new Date(Number(frozen)) } });

console.error('ready');
const rl = createInterface({ input: process.stdin });
await new Promise<void>((resolve) => rl.once('line', () => resolve()));
rl.close();

const results = await Promise.allSettled(Array.from({ length: Number(count) }, () => store.take(bucket, Number(capacity), Number(capacity))));
const granted = results.filter((r) => r.status === 'fulfilled' && r.value.granted).length;
const refused = results.filter((r) => r.status === 'fulfilled' && !r.value.granted).length;
const errors = results.flatMap((r) => (r.status === 'rejected' ? [String((r.reason as Error).message)] : []));
process.stdout.write(`${JSON.stringify({ granted, refused, errors })}\n`);
doc.destroy();
