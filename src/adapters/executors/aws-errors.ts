/**
 * Which AWS SDK errors are worth retrying. Throttling and server faults pass with time; a
 * validation or permission error will fail the same way again, and retrying it only delays the
 * message that tells the operator what to fix.
 */

const TRANSIENT_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  // SSM's own "slow down": too many updates to one resource at once.
  'TooManyUpdates',
  'InternalServerError',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
  // Raised by the SDK's HTTP handler when a request or connection times out, and when a call is
  // aborted for taking too long (see withCallTimeout): no answer, which may come another time.
  'TimeoutError',
  'AbortError',
]);

const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
]);

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  $fault?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

/** True for throttling, 5xx / server faults, timeouts and dropped connections. */
export function isTransientAwsError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as SdkErrorShape;
  if (typeof e.name === 'string' && TRANSIENT_NAMES.has(e.name)) return true;
  if (typeof e.code === 'string' && TRANSIENT_NETWORK_CODES.has(e.code)) return true;
  if (e.$fault === 'server') return true;
  // Modelled errors with the smithy @retryable trait (throttling among them).
  if (e.$retryable !== undefined && e.$retryable !== null && e.$retryable !== false) return true;
  const status = e.$metadata?.httpStatusCode;
  return typeof status === 'number' && (status >= 500 || status === 429);
}

/** The AWS error name (`ThrottlingException`), or the network code (`ECONNRESET`), for logs. */
export function awsErrorName(error: unknown): string {
  if (typeof error !== 'object' || error === null) return typeof error;
  const e = error as SdkErrorShape;
  if (typeof e.name === 'string' && e.name !== 'Error') return e.name;
  if (typeof e.code === 'string') return e.code;
  return typeof e.name === 'string' ? e.name : 'Error';
}
