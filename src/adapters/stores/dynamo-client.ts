import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError, StoreUnavailableError } from '../../services/ports.js';
import { withCallTimeout } from '../aws/call-timeout.js';

/**
 * How long one store call may take, retry included: a store that hangs makes a webhook's first
 * call fail within this, so the webhook is answered 503 inside Alertmanager's and SNS's timeouts
 * (10 s), and a guard that cannot read refuses. Long enough for a large read from a busy store
 * (the embedded one shares the bot's CPU).
 */
export const STORE_CALL_TIMEOUT_MS = 8000;

export interface DocumentClientOptions {
  /** dynalite's URL in embedded mode; omitted on AWS. */
  endpoint?: string;
  region?: string;
  credentials?: DynamoDBClientConfig['credentials'];
  /** Per call; defaults to STORE_CALL_TIMEOUT_MS. */
  callTimeoutMs?: number;
}

/**
 * Builds the DynamoDB document client the stores share; `destroy()` closes its connections. Few retries and short timeouts: callers
 * fail closed when the store is unreachable, so finding that out in seconds beats hanging for a minute.
 */
export function createDocumentClient({ endpoint, region, credentials, callTimeoutMs = STORE_CALL_TIMEOUT_MS }: DocumentClientOptions = {}): DynamoDBDocumentClient {
  // dynalite ignores the region, but the SDK refuses to sign a request without one.
  const resolvedRegion = region ?? (endpoint ? 'us-east-1' : undefined);
  const client = new DynamoDBClient({
    ...(endpoint ? { endpoint } : {}),
    ...(resolvedRegion ? { region: resolvedRegion } : {}),
    ...(credentials ? { credentials } : {}),
    maxAttempts: 2,
    // A refused connection fails at once; a store that accepts and then hangs is bounded by the
    // call timeout below. The SDK counts time queued for a socket as connecting, so the pool is
    // large enough that a burst of webhooks does not time out waiting for sockets.
    requestHandler: { connectionTimeout: 3000, httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 256 }), httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: 256 }) },
  });
  const doc = DynamoDBDocumentClient.from(client, {
    // Optional fields of our records are often undefined; DynamoDB has no undefined.
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  // The document client's own destroy() is a no-op; ours owns its client, so let it close the sockets.
  doc.destroy = () => client.destroy();
  // On the document client: its send() runs its own middleware, not the wrapped client's send().
  return withCallTimeout(doc, callTimeoutMs);
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED', 'ERR_SOCKET_CONNECTION_TIMEOUT']);

// Throttling is a 400, but after the SDK's retries it means the same to a caller: no answer now.
const UNAVAILABLE_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'AbortError', 'InternalServerError', 'ServiceUnavailable', 'ThrottlingException', 'ProvisionedThroughputExceededException', 'RequestLimitExceeded']);

interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $fault?: string;
  $metadata?: { httpStatusCode?: number };
}

/**
 * Translates an SDK error into the ports' vocabulary and returns the error to throw: a lost
 * condition becomes ConflictError; network errors, timeouts and 5xx become StoreUnavailableError;
 * anything else (a validation error is a bug of ours) is returned unchanged.
 */
export function mapStoreError(err: unknown): unknown {
  if (err instanceof ConflictError || err instanceof StoreUnavailableError) return err;
  if (!err || typeof err !== 'object') return err;
  const e = err as SdkErrorShape;
  if (e.name === 'ConditionalCheckFailedException') {
    return new ConflictError('the item changed since it was read; re-read it and try again', { cause: err });
  }
  const status = e.$metadata?.httpStatusCode;
  const unavailable =
    (e.code !== undefined && NETWORK_CODES.has(e.code)) ||
    (e.name !== undefined && UNAVAILABLE_NAMES.has(e.name)) ||
    e.$fault === 'server' ||
    (status !== undefined && status >= 500);
  if (unavailable) {
    return new StoreUnavailableError(`DynamoDB did not answer (${e.code ?? e.name ?? 'error'}: ${e.message ?? ''}); check the endpoint and that the store is running`, { cause: err });
  }
  return err;
}

/** Awaits a store call and rethrows its failure through mapStoreError. */
export async function storeCall<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (err) {
    throw mapStoreError(err);
  }
}
