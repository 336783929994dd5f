import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError, StoreUnavailableError } from '../../services/ports.js';

export interface DocumentClientOptions {
  /** dynalite's URL in embedded mode; omitted on AWS. */
  endpoint?: string;
  region?: string;
  credentials?: DynamoDBClientConfig['credentials'];
}

/**
 * Builds the DynamoDB document client the stores share; `destroy()` closes its connections. Few retries and short timeouts: callers
 * fail closed when the store is unreachable, so finding that out in seconds beats hanging for a minute.
 */
export function createDocumentClient({ endpoint, region, credentials }: DocumentClientOptions = {}): DynamoDBDocumentClient {
  // dynalite ignores the region, but the SDK refuses to sign a request without one.
  const resolvedRegion = region ?? (endpoint ? 'us-east-1' : undefined);
  const client = new DynamoDBClient({
    ...(endpoint ? { endpoint } : {}),
    ...(resolvedRegion ? { region: resolvedRegion } : {}),
    ...(credentials ? { credentials } : {}),
    maxAttempts: 2,
    // A refused connection fails at once; these bound a store that accepts and then hangs. The SDK
    // counts time queued for a socket as connecting, so the pool is large enough that a burst of
    // webhooks does not time out waiting for sockets rather than for the store.
    requestHandler: { connectionTimeout: 3000, requestTimeout: 5000, httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 256 }), httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: 256 }) },
  });
  const doc = DynamoDBDocumentClient.from(client, {
    // Optional fields of our records are often undefined; DynamoDB has no undefined.
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  // The document client's own destroy() is a no-op; ours owns its client, so let it close the sockets.
  doc.destroy = () => client.destroy();
  return doc;
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
