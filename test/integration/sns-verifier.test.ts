import { generateKeyPairSync } from 'node:crypto';
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { createSnsVerifier } from '../../src/adapters/ingest/sns-verifier.js';
import type { SnsConfirmation, SnsMessage } from '../../src/core/ingest/sns-message.js';
import { parseSnsMessage } from '../../src/core/ingest/sns-message.js';
import { cloudwatchFixture, createFakeSnsEndpoints, signSnsMessage, TEST_CERT_URL, TEST_SIGNING_CERT } from '../fakes/sns-signer.js';
import type { SnsBody } from '../fakes/sns-signer.js';
import { useNock } from '../fakes/use-nock.js';

function message(body: SnsBody): SnsMessage {
  const parsed = parseSnsMessage(body, undefined);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.message;
}

const fixture = (name: string) => message(cloudwatchFixture(name));
const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

describe('SNS signature verification against a locally served test certificate', () => {
  it('accepts the committed fixtures: SignatureVersion 1 (SHA1withRSA) and 2 (SHA256withRSA)', async () => {
    const sns = createFakeSnsEndpoints();
    const verifier = createSnsVerifier({ fetch: sns.fetch });
    for (const name of ['sns-alarm-notification.json', 'sns-ok-notification.json', 'sns-subscription-confirmation.json', 'sns-insufficient-data-notification.json']) {
      expect(await verifier.verify(fixture(name)), name).toEqual({ ok: true });
    }
    expect(fixture('sns-alarm-notification.json').SignatureVersion).toBe('1');
    expect(fixture('sns-ok-notification.json').SignatureVersion).toBe('2');
  });

  it('keeps the committed fixtures signed: re-signing one with the test key gives its signature', () => {
    // After editing a fixture, re-sign it with signSnsMessage (test/fakes/sns-signer.ts).
    for (const name of ['sns-alarm-notification.json', 'sns-ok-notification.json', 'sns-subscription-confirmation.json']) {
      const body = cloudwatchFixture(name);
      expect(signSnsMessage(body).Signature, name).toBe(body.Signature);
    }
  });

  it.each<[string, SnsBody]>([
    ['a tampered Message', cloudwatchFixture('hostile-tampered-message.json')],
    ['a tampered Subject', { ...cloudwatchFixture('sns-alarm-notification.json'), Subject: 'OK: all good' }],
    ['a Subject removed after signing', { ...cloudwatchFixture('sns-alarm-notification.json'), Subject: undefined }],
    ['a tampered Timestamp', { ...cloudwatchFixture('sns-alarm-notification.json'), Timestamp: '2030-01-01T00:00:00.000Z' }],
    ['a tampered confirmation Token', { ...cloudwatchFixture('sns-subscription-confirmation.json'), Token: 'f00d' }],
    ['a signature by another key', signSnsMessage(cloudwatchFixture('sns-alarm-notification.json'), { key: otherKey })],
    ['a SHA1 signature presented as version 2', { ...cloudwatchFixture('sns-alarm-notification.json'), SignatureVersion: '2' }],
    ['a signature that is not one', { ...cloudwatchFixture('sns-alarm-notification.json'), Signature: 'AAAA' }],
  ])('refuses %s as a bad signature', async (_name, body) => {
    const verifier = createSnsVerifier({ fetch: createFakeSnsEndpoints().fetch });
    expect(await verifier.verify(message(body))).toMatchObject({ ok: false, code: 'bad_signature' });
  });

  it('fetches a certificate once and serves later messages from the cache', async () => {
    const sns = createFakeSnsEndpoints();
    const verifier = createSnsVerifier({ fetch: sns.fetch });
    const results = await Promise.all([verifier.verify(fixture('sns-alarm-notification.json')), verifier.verify(fixture('sns-ok-notification.json'))]);
    await verifier.verify(fixture('sns-subscription-confirmation.json'));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(sns.certificateFetches()).toEqual([TEST_CERT_URL]);
  });

  it('keeps at most maxCertificates, dropping the least recently used', async () => {
    const urls = Array.from({ length: 4 }, (_, i) => `https://sns.eu-west-${i + 1}.amazonaws.com/SimpleNotificationService-${i}.pem`);
    const sns = createFakeSnsEndpoints({ certificates: Object.fromEntries(urls.map((u) => [u, TEST_SIGNING_CERT])) });
    const verifier = createSnsVerifier({ fetch: sns.fetch, maxCertificates: 2 });
    const at = (i: number) => message(signSnsMessage({ ...cloudwatchFixture('sns-ok-notification.json'), SigningCertURL: urls[i] }));
    for (const i of [0, 1, 0, 2, 0, 1]) expect((await verifier.verify(at(i))).ok).toBe(true);
    // 0, 1 fetched; 0 hit; 2 evicts 1 (least recent); 0 hit; 1 fetched again.
    expect(sns.certificateFetches()).toEqual([urls[0], urls[1], urls[2], urls[1]]);
  });

  it('says the certificate is unavailable (retry) when it cannot be fetched, and does not cache the failure', async () => {
    let down = true;
    const real = createFakeSnsEndpoints();
    const calls: string[] = [];
    const fetch = async (url: string) => {
      calls.push(url);
      return down ? new Response('busy', { status: 503 }) : real.fetch(url);
    };
    const verifier = createSnsVerifier({ fetch });
    expect(await verifier.verify(fixture('sns-alarm-notification.json'))).toMatchObject({ ok: false, code: 'certificate_unavailable' });
    down = false;
    expect(await verifier.verify(fixture('sns-alarm-notification.json'))).toEqual({ ok: true });
    expect(calls).toHaveLength(2);
  });

  it('refuses a certificate that has expired', async () => {
    const verifier = createSnsVerifier({ fetch: createFakeSnsEndpoints().fetch, now: () => new Date('2200-01-01T00:00:00Z') });
    expect(await verifier.verify(fixture('sns-alarm-notification.json'))).toMatchObject({ ok: false, code: 'bad_signature', reason: expect.stringContaining('expired') as unknown });
  });

  it('never fetches a certificate from a URL off SNS, even if asked directly', async () => {
    const sns = createFakeSnsEndpoints();
    const verifier = createSnsVerifier({ fetch: sns.fetch });
    const hostile = { ...fixture('sns-alarm-notification.json'), SigningCertURL: 'https://attacker.example/cert.pem' };
    expect(await verifier.verify(hostile)).toMatchObject({ ok: false, code: 'bad_signature' });
    expect(sns.requests).toEqual([]);
  });
});

describe('SNS subscription confirmation', () => {
  it('visits the SubscribeURL and reports the subscription ARN', async () => {
    const sns = createFakeSnsEndpoints();
    const verifier = createSnsVerifier({ fetch: sns.fetch });
    const confirmation = fixture('sns-subscription-confirmation.json') as SnsConfirmation;
    expect(await verifier.confirmSubscription(confirmation)).toEqual({ subscriptionArn: 'arn:aws:sns:eu-west-1:123456789012:chatops-alarms:0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0' });
    expect(sns.subscribeVisits()).toEqual([confirmation.SubscribeURL]);
  });

  it('throws when SNS does not answer 2xx, so the caller can answer 5xx and SNS redelivers', async () => {
    const sns = createFakeSnsEndpoints();
    sns.failNextSubscribes(1);
    const verifier = createSnsVerifier({ fetch: sns.fetch });
    await expect(verifier.confirmSubscription(fixture('sns-subscription-confirmation.json') as SnsConfirmation)).rejects.toThrow(/500/);
  });

  it('refuses a SubscribeURL off SNS without visiting it', async () => {
    const sns = createFakeSnsEndpoints();
    const verifier = createSnsVerifier({ fetch: sns.fetch });
    const hostile = { ...(fixture('sns-subscription-confirmation.json') as SnsConfirmation), SubscribeURL: 'https://169.254.169.254/latest/meta-data/' };
    await expect(verifier.confirmSubscription(hostile)).rejects.toThrow(/not an Amazon SNS URL/);
    expect(sns.requests).toEqual([]);
  });
});

describe('SNS certificate fetch with the global fetch the bot uses in production (nock serves the HTTPS endpoint)', () => {
  const { origin, pathname } = new URL(TEST_CERT_URL);
  useNock();

  it('fetches the certificate over HTTPS from the URL the message names, once, and verifies with it', async () => {
    const served = nock(origin).get(pathname).once().reply(200, TEST_SIGNING_CERT, { 'content-type': 'application/x-pem-file' });
    const verifier = createSnsVerifier({ fetch: globalThis.fetch });
    expect(await verifier.verify(fixture('sns-alarm-notification.json'))).toEqual({ ok: true });
    expect(await verifier.verify(fixture('sns-ok-notification.json'))).toEqual({ ok: true });
    expect(served.isDone()).toBe(true);
  });

  it.each([
    ['answers 500', () => nock(origin).get(pathname).reply(500, 'oops')],
    ['refuses the connection', () => nock(origin).get(pathname).replyWithError('connect ECONNREFUSED')],
  ])('says the certificate is unavailable (SNS retries) when the endpoint %s, and caches nothing', async (_what, serve) => {
    serve();
    const verifier = createSnsVerifier({ fetch: globalThis.fetch });
    expect(await verifier.verify(fixture('sns-alarm-notification.json'))).toMatchObject({ ok: false, code: 'certificate_unavailable' });
    nock(origin).get(pathname).reply(200, TEST_SIGNING_CERT);
    expect(await verifier.verify(fixture('sns-alarm-notification.json'))).toEqual({ ok: true });
  });
});
