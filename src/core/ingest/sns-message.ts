import { z } from 'zod';
import { validationFailure } from './validation-error.js';
import type { ValidationFailure } from './validation-error.js';

export type SnsMessageType = 'Notification' | 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';

/** Notifications carry up to 256 KiB; the rest are short. Bounds keep a hostile body from costing much. */
const MAX_MESSAGE_LENGTH = 262_144;
const text = (max: number) => z.string().min(1).max(max);

const common = {
  MessageId: text(128),
  TopicArn: text(1024),
  Message: z.string().max(MAX_MESSAGE_LENGTH),
  Timestamp: text(64),
  SignatureVersion: z.enum(['1', '2']),
  Signature: text(4096).regex(/^[A-Za-z0-9+/]+={0,2}$/, 'expected base64'),
  SigningCertURL: text(2048),
};

const notificationSchema = z.object({
  ...common,
  Type: z.literal('Notification'),
  // Lambda's copy of a notification says `null` for "no subject"; HTTP deliveries leave it out.
  Subject: z.string().max(1024).nullish(),
  UnsubscribeURL: z.string().max(2048).optional(),
});

const confirmationSchema = z.object({
  ...common,
  Type: z.enum(['SubscriptionConfirmation', 'UnsubscribeConfirmation']),
  SubscribeURL: text(4096),
  Token: text(2048),
});

const snsMessageSchema = z.discriminatedUnion('Type', [notificationSchema, confirmationSchema]);

export type SnsNotification = z.infer<typeof notificationSchema>;
export type SnsConfirmation = z.infer<typeof confirmationSchema>;
export type SnsMessage = SnsNotification | SnsConfirmation;

/**
 * The keys AWS signs, in the order it signs them ("Verifying the signatures of Amazon SNS
 * messages"): Notification signs Message, MessageId, Subject (only when present), Timestamp,
 * TopicArn, Type; both confirmations sign Message, MessageId, SubscribeURL, Timestamp, Token,
 * TopicArn, Type. Nothing else in the body is covered, SigningCertURL included.
 */
const SIGNED_KEYS: Record<SnsMessageType, readonly string[]> = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
  UnsubscribeConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
};

/**
 * The string SNS signed: `Key\nValue\n` for each signed key in order, keys without a value left
 * out. Values are used as they arrived in the JSON, after JSON unescaping (a `\n` in the body is a
 * newline here), which is what the documented procedure means by "convert them to their original form".
 */
export function snsStringToSign(message: SnsMessage): string {
  const values = message as unknown as Record<string, unknown>;
  let out = '';
  for (const key of SIGNED_KEYS[message.Type]) {
    const value = values[key];
    if (typeof value === 'string') out += `${key}\n${value}\n`;
  }
  return out;
}

/** SignatureVersion 1 is SHA1withRSA, 2 is SHA256withRSA: the names node:crypto's createVerify takes. */
export function snsSignatureAlgorithm(message: Pick<SnsMessage, 'SignatureVersion'>): 'RSA-SHA1' | 'RSA-SHA256' {
  return message.SignatureVersion === '1' ? 'RSA-SHA1' : 'RSA-SHA256';
}

/** Where SNS keeps its signing certificates and confirmation endpoints (aws and aws-cn partitions). */
// The middle label must look like a region (us-east-1, us-gov-west-1, cn-north-1): a looser pattern
// also accepted hosts such as sns.s3.amazonaws.com, which are not SNS.
const SNS_HOST = /^sns\.[a-z]{2}(?:-[a-z]+)+-\d{1,2}\.amazonaws\.com(?:\.cn)?$/;

/**
 * Whether `url` may be fetched on an SNS message's say-so: https, on an SNS host, no credentials,
 * default port. Anything else would let a forged message make the bot fetch from, or trust a key
 * from, a server of the sender's choosing.
 */
export function isSnsUrl(url: string, kind: 'certificate' | 'subscribe'): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'https:' || parsed.username || parsed.password || parsed.port) return false;
  if (!SNS_HOST.test(parsed.hostname)) return false;
  return kind === 'subscribe' || parsed.pathname.endsWith('.pem');
}

/**
 * Parses an SNS HTTP(S) delivery. `headerType` is `x-amz-sns-message-type`; when given it must
 * agree with the body's Type, since the route chooses what to do by it.
 */
export function parseSnsMessage(body: unknown, headerType: string | undefined): { ok: true; message: SnsMessage } | ValidationFailure {
  const parsed = snsMessageSchema.safeParse(body);
  if (!parsed.success) return validationFailure(parsed.error);
  const message = parsed.data;
  if (headerType !== undefined && headerType !== message.Type) {
    return { ok: false, field: 'Type', message: `Type: the body says ${JSON.stringify(message.Type)} but x-amz-sns-message-type says ${JSON.stringify(headerType.slice(0, 40))}` };
  }
  if (!isSnsUrl(message.SigningCertURL, 'certificate')) {
    return { ok: false, field: 'SigningCertURL', message: 'SigningCertURL: expected https://sns.<region>.amazonaws.com/….pem (an Amazon SNS signing certificate)' };
  }
  if (message.Type !== 'Notification' && !isSnsUrl(message.SubscribeURL, 'subscribe')) {
    return { ok: false, field: 'SubscribeURL', message: 'SubscribeURL: expected https://sns.<region>.amazonaws.com/…' };
  }
  return { ok: true, message };
}
