import { createSign } from 'node:crypto';
import type { KeyLike } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FetchLike } from '../../src/adapters/ingest/sns-verifier.js';

const fixtureDir = new URL('../fixtures/cloudwatch/', import.meta.url);

/**
 * A test-only RSA key and self-signed certificate (CN=sns.test-only.invalid, valid to 2126), made
 * once with `openssl req -x509 -newkey rsa:2048 -nodes -days 36500`. Committed rather than made at
 * test time so the tests need no openssl; it signs nothing but fixtures.
 */
export const TEST_SIGNING_KEY = readFileSync(new URL('test-only-sns-signing-key.pem', fixtureDir), 'utf8');
export const TEST_SIGNING_CERT = readFileSync(new URL('test-only-sns-signing-cert.pem', fixtureDir), 'utf8');

/** Where the fixtures say their certificate is; the fake fetch serves the test certificate there. */
export const TEST_CERT_URL = 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-0000test0only0000.pem';

export type SnsBody = Record<string, unknown>;

/**
 * AWS's documented string to sign, written out here independently of src/core/ingest/sns-message.ts
 * so the tests check the bot against the documentation, not against itself.
 */
function stringToSign(body: SnsBody): string {
  const keys =
    body.Type === 'Notification'
      ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
      : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  return keys
    .filter((k) => typeof body[k] === 'string')
    .map((k) => `${k}\n${String(body[k])}\n`)
    .join('');
}

/** Signs `body` as SNS would (SignatureVersion 1: SHA1withRSA, 2: SHA256withRSA); returns a signed copy. */
export function signSnsMessage(body: SnsBody, options: { key?: KeyLike; version?: '1' | '2' } = {}): SnsBody {
  const version = options.version ?? (body.SignatureVersion === '1' ? '1' : '2');
  const signature = createSign(version === '1' ? 'RSA-SHA1' : 'RSA-SHA256')
    .update(stringToSign(body), 'utf8')
    .sign(options.key ?? TEST_SIGNING_KEY, 'base64');
  return { ...body, SignatureVersion: version, SigningCertURL: body.SigningCertURL ?? TEST_CERT_URL, Signature: signature };
}

/** A fixture from test/fixtures/cloudwatch, freshly parsed. */
export function cloudwatchFixture(name: string): SnsBody {
  return JSON.parse(readFileSync(new URL(name, fixtureDir), 'utf8')) as SnsBody;
}

/**
 * What the bot would reach on the internet for SNS: the signing certificate at TEST_CERT_URL and
 * SubscribeURL confirmations. Records every request, so tests can say "fetched once".
 */
export function createFakeSnsEndpoints(options: { certificates?: Record<string, string> } = {}) {
  const certificates: Record<string, string> = { [TEST_CERT_URL]: TEST_SIGNING_CERT, ...options.certificates };
  const requests: string[] = [];
  let subscribeFailures = 0;
  const fetch: FetchLike = async (url) => {
    requests.push(url);
    const cert = Object.hasOwn(certificates, url) ? certificates[url] : undefined;
    if (cert !== undefined) return new Response(cert, { status: 200, headers: { 'content-type': 'application/x-x509-ca-cert' } });
    const parsed = new URL(url);
    if (parsed.searchParams.get('Action') === 'ConfirmSubscription') {
      if (subscribeFailures > 0) {
        subscribeFailures -= 1;
        return new Response('<Error><Code>InternalFailure</Code></Error>', { status: 500 });
      }
      const arn = `${parsed.searchParams.get('TopicArn') ?? 'arn:aws:sns:eu-west-1:123456789012:unknown'}:0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0`;
      return new Response(`<ConfirmSubscriptionResponse><ConfirmSubscriptionResult><SubscriptionArn>${arn}</SubscriptionArn></ConfirmSubscriptionResult></ConfirmSubscriptionResponse>`, { status: 200 });
    }
    return new Response('not found', { status: 404 });
  };
  return {
    fetch,
    requests,
    certificateFetches: () => requests.filter((u) => u.endsWith('.pem')),
    subscribeVisits: () => requests.filter((u) => u.includes('Action=ConfirmSubscription')),
    /** The next `n` confirmations answer 500, as SNS does when it is having a bad day. */
    failNextSubscribes(n: number) {
      subscribeFailures = n;
    },
  };
}

export type FakeSnsEndpoints = ReturnType<typeof createFakeSnsEndpoints>;
