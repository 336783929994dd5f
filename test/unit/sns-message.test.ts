import { describe, expect, it } from 'vitest';
import type { SnsMessage } from '../../src/core/ingest/sns-message.js';
import { isSnsUrl, parseSnsMessage, snsSignatureAlgorithm, snsStringToSign } from '../../src/core/ingest/sns-message.js';
import { cloudwatchFixture } from '../fakes/sns-signer.js';

const common = {
  MessageId: 'm-1',
  TopicArn: 'arn:aws:sns:eu-west-1:123456789012:alarms',
  Timestamp: '2025-05-14T12:00:05.456Z',
  SignatureVersion: '2' as const,
  Signature: 'c2lnbmF0dXJl',
  SigningCertURL: 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-abc.pem',
};

describe('snsStringToSign (AWS: "Verifying the signatures of Amazon SNS messages")', () => {
  it.each<[string, SnsMessage, string]>([
    [
      'a Notification with a Subject signs Message, MessageId, Subject, Timestamp, TopicArn, Type',
      { ...common, Type: 'Notification', Message: '{"a":1}', Subject: 'ALARM: "x"', UnsubscribeURL: 'https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe' },
      'Message\n{"a":1}\nMessageId\nm-1\nSubject\nALARM: "x"\nTimestamp\n2025-05-14T12:00:05.456Z\nTopicArn\narn:aws:sns:eu-west-1:123456789012:alarms\nType\nNotification\n',
    ],
    [
      'a Notification without a Subject leaves the Subject pair out',
      { ...common, Type: 'Notification', Message: 'hello' },
      'Message\nhello\nMessageId\nm-1\nTimestamp\n2025-05-14T12:00:05.456Z\nTopicArn\narn:aws:sns:eu-west-1:123456789012:alarms\nType\nNotification\n',
    ],
    [
      'a null Subject (as Lambda copies it) counts as absent',
      { ...common, Type: 'Notification', Message: 'hello', Subject: null },
      'Message\nhello\nMessageId\nm-1\nTimestamp\n2025-05-14T12:00:05.456Z\nTopicArn\narn:aws:sns:eu-west-1:123456789012:alarms\nType\nNotification\n',
    ],
    [
      'a SubscriptionConfirmation signs Message, MessageId, SubscribeURL, Timestamp, Token, TopicArn, Type',
      { ...common, Type: 'SubscriptionConfirmation', Message: 'line one\nline two', SubscribeURL: 'https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription', Token: 'tok' },
      'Message\nline one\nline two\nMessageId\nm-1\nSubscribeURL\nhttps://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription\nTimestamp\n2025-05-14T12:00:05.456Z\nToken\ntok\nTopicArn\narn:aws:sns:eu-west-1:123456789012:alarms\nType\nSubscriptionConfirmation\n',
    ],
    [
      'an UnsubscribeConfirmation signs the same keys as a SubscriptionConfirmation',
      { ...common, Type: 'UnsubscribeConfirmation', Message: 'bye', SubscribeURL: 'https://sns.eu-west-1.amazonaws.com/?x', Token: 'tok' },
      'Message\nbye\nMessageId\nm-1\nSubscribeURL\nhttps://sns.eu-west-1.amazonaws.com/?x\nTimestamp\n2025-05-14T12:00:05.456Z\nToken\ntok\nTopicArn\narn:aws:sns:eu-west-1:123456789012:alarms\nType\nUnsubscribeConfirmation\n',
    ],
  ])('%s', (_name, message, expected) => {
    expect(snsStringToSign(message)).toBe(expected);
  });

  it('maps SignatureVersion 1 to SHA1withRSA and 2 to SHA256withRSA', () => {
    expect(snsSignatureAlgorithm({ SignatureVersion: '1' })).toBe('RSA-SHA1');
    expect(snsSignatureAlgorithm({ SignatureVersion: '2' })).toBe('RSA-SHA256');
  });
});

describe('isSnsUrl', () => {
  it.each([
    ['https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-abc.pem', 'certificate', true],
    ['https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-abc.pem', 'certificate', true],
    ['https://sns.us-gov-west-1.amazonaws.com/SimpleNotificationService-abc.pem', 'certificate', true],
    ['http://sns.eu-west-1.amazonaws.com/SimpleNotificationService-abc.pem', 'certificate', false],
    ['https://sns.eu-west-1.amazonaws.com.attacker.example/cert.pem', 'certificate', false],
    ['https://attacker.example/sns.eu-west-1.amazonaws.com/cert.pem', 'certificate', false],
    ['https://s3.eu-west-1.amazonaws.com/bucket/cert.pem', 'certificate', false],
    ['https://sns.s3.amazonaws.com/cert.pem', 'certificate', false], // an S3 bucket named "sns", not SNS
    ['https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-abc.txt', 'certificate', false],
    ['https://sns.eu-west-1.amazonaws.com:8443/SimpleNotificationService-abc.pem', 'certificate', false],
    ['https://user:pw@sns.eu-west-1.amazonaws.com/SimpleNotificationService-abc.pem', 'certificate', false],
    ['https://SNS.EU-WEST-1.AMAZONAWS.COM/x.pem', 'certificate', true], // URL lower-cases the host
    ['not a url', 'certificate', false],
    ['https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&Token=x', 'subscribe', true],
    ['http://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&Token=x', 'subscribe', false],
    ['https://169.254.169.254/latest/meta-data/', 'subscribe', false],
  ] as const)('%s as a %s URL → %s', (url, kind, expected) => {
    expect(isSnsUrl(url, kind)).toBe(expected);
  });
});

describe('parseSnsMessage', () => {
  it('accepts the committed fixtures whose header agrees with their Type', () => {
    for (const [name, type] of [
      ['sns-alarm-notification.json', 'Notification'],
      ['sns-subscription-confirmation.json', 'SubscriptionConfirmation'],
    ] as const) {
      const result = parseSnsMessage(cloudwatchFixture(name), type);
      expect(result.ok, name).toBe(true);
    }
  });

  it.each<[string, string, Record<string, unknown>, string | undefined]>([
    ['a certificate URL off amazonaws.com', 'SigningCertURL', cloudwatchFixture('hostile-cert-url-off-amazonaws.json'), 'Notification'],
    ['an http certificate URL', 'SigningCertURL', cloudwatchFixture('hostile-cert-url-http.json'), 'Notification'],
    ['a header that disagrees with the body', 'Type', cloudwatchFixture('sns-alarm-notification.json'), 'SubscriptionConfirmation'],
    ['an unknown SignatureVersion', 'SignatureVersion', { ...cloudwatchFixture('sns-alarm-notification.json'), SignatureVersion: '3' }, 'Notification'],
    ['a missing Signature', 'Signature', { ...cloudwatchFixture('sns-alarm-notification.json'), Signature: undefined }, undefined],
    ['a SubscribeURL off SNS', 'SubscribeURL', { ...cloudwatchFixture('sns-subscription-confirmation.json'), SubscribeURL: 'https://attacker.example/?Action=ConfirmSubscription' }, undefined],
    ['a confirmation without a Token', 'Token', { ...cloudwatchFixture('sns-subscription-confirmation.json'), Token: undefined }, undefined],
  ])('refuses %s, naming %s', (_name, field, body, header) => {
    const result = parseSnsMessage(body, header);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.field).toBe(field);
      expect(result.message.startsWith(`${field}:`)).toBe(true);
    }
  });
});
