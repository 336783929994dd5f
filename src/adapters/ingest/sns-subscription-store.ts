/**
 * The SNS subscriptions this bot has confirmed, by topic and confirmation token, so that a
 * redelivered SubscriptionConfirmation (SNS retries when our 200 was lost) is not visited twice.
 *
 * A port of the CloudWatch route, declared beside it rather than in services/ports.ts because no
 * service uses it; the same contract tests run against every implementation.
 */
export interface SnsSubscriptionStore {
  isConfirmed(topicArn: string, token: string): Promise<boolean>;
  markConfirmed(topicArn: string, token: string, at: Date): Promise<void>;
}
