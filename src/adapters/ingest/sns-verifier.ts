import { createVerify, X509Certificate } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { SnsConfirmation, SnsMessage } from '../../core/ingest/sns-message.js';
import { isSnsUrl, snsSignatureAlgorithm, snsStringToSign } from '../../core/ingest/sns-message.js';

/** The part of `fetch` the verifier uses; global fetch in production, a local fake in tests. */
export type FetchLike = (url: string, init?: { signal?: AbortSignal }) => Promise<Response>;

export type SnsVerdict =
  | { ok: true }
  /**
   * `bad_signature`: the message is not what SNS signed (forged or altered): refuse, never retry.
   * `certificate_unavailable`: the certificate could not be fetched or read: may be transient, so
   * the caller answers 5xx and SNS retries.
   */
  | { ok: false; code: 'bad_signature' | 'certificate_unavailable'; reason: string };

/** Checks SNS message signatures and confirms subscriptions. */
export interface SnsVerifier {
  /** Verifies `message` exactly as AWS documents; the certificate URL was checked by parseSnsMessage. */
  verify(message: SnsMessage): Promise<SnsVerdict>;
  /**
   * Visits the confirmation's SubscribeURL (an https SNS URL, checked again here) and returns the
   * subscription ARN SNS answered with, when it said. Throws when SNS did not answer 2xx.
   */
  confirmSubscription(message: SnsConfirmation): Promise<{ subscriptionArn?: string }>;
}

export interface SnsVerifierOptions {
  fetch: FetchLike;
  /** Certificates kept, by URL. SNS signs with one certificate per region, rotated rarely. */
  maxCertificates?: number;
  timeoutMs?: number;
  now?: () => Date;
}

/** A PEM certificate is a couple of kilobytes; anything far larger is not one. */
const MAX_CERTIFICATE_BYTES = 64 * 1024;

async function readLimited(res: Response, limit: number): Promise<string> {
  const body = await res.text();
  if (body.length > limit) throw new Error(`answer larger than ${limit} bytes`);
  return body;
}

export function createSnsVerifier({ fetch, maxCertificates = 20, timeoutMs = 5000, now = () => new Date() }: SnsVerifierOptions): SnsVerifier {
  // Insertion-ordered, so the first key is the least recently used. Promises, so concurrent
  // messages signed with one certificate fetch it once.
  const certificates = new Map<string, Promise<X509Certificate>>();

  async function download(url: string): Promise<X509Certificate> {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) throw new Error(`${url} answered ${res.status}`);
    return new X509Certificate(await readLimited(res, MAX_CERTIFICATE_BYTES));
  }

  function certificate(url: string): Promise<X509Certificate> {
    const cached = certificates.get(url);
    if (cached) {
      certificates.delete(url);
      certificates.set(url, cached);
      return cached;
    }
    const loading = download(url);
    certificates.set(url, loading);
    // A failed download is not kept: the next message tries again.
    loading.catch(() => certificates.get(url) === loading && certificates.delete(url));
    while (certificates.size > maxCertificates) {
      const oldest = certificates.keys().next().value;
      if (oldest === undefined) break;
      certificates.delete(oldest);
    }
    return loading;
  }

  return {
    async verify(message) {
      // parseSnsMessage checked this already; checked again because fetching is what it protects.
      if (!isSnsUrl(message.SigningCertURL, 'certificate')) return { ok: false, code: 'bad_signature', reason: 'SigningCertURL is not an Amazon SNS certificate URL' };
      let key: KeyObject;
      try {
        const cert = await certificate(message.SigningCertURL);
        if (Date.parse(cert.validTo) < now().getTime()) return { ok: false, code: 'bad_signature', reason: `the signing certificate expired on ${cert.validTo}` };
        key = cert.publicKey;
      } catch (err) {
        return { ok: false, code: 'certificate_unavailable', reason: `could not load the signing certificate: ${(err as Error).message}` };
      }
      let valid = false;
      try {
        valid = createVerify(snsSignatureAlgorithm(message)).update(snsStringToSign(message), 'utf8').verify(key, message.Signature, 'base64');
      } catch {
        // A key of the wrong type or a signature of the wrong length: not a valid signature either.
      }
      return valid ? { ok: true } : { ok: false, code: 'bad_signature', reason: 'Signature does not match the message and the certificate at SigningCertURL' };
    },

    async confirmSubscription(message) {
      if (!isSnsUrl(message.SubscribeURL, 'subscribe')) throw new Error('SubscribeURL is not an Amazon SNS URL');
      const res = await fetch(message.SubscribeURL, { signal: AbortSignal.timeout(timeoutMs) });
      const body = await readLimited(res, MAX_CERTIFICATE_BYTES).catch(() => '');
      if (!res.ok) throw new Error(`SNS answered the subscription confirmation with ${res.status}`);
      const arn = /<SubscriptionArn>([^<]{1,1024})<\/SubscriptionArn>/.exec(body)?.[1];
      return arn ? { subscriptionArn: arn } : {};
    },
  };
}
