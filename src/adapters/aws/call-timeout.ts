/**
 * Every call of an AWS SDK client ends within `ms`: its request is aborted with a signal when the
 * service has not answered by then. (With the SDK versions pinned here, the HTTP handler's
 * `requestTimeout` only logs a warning and lets the request hang: a frozen store or SSM would
 * leave webhooks, guards and polls waiting forever.) A caller's own signal, when it passes one,
 * still applies: the call ends at whichever comes first. The abort surfaces as an error named
 * `AbortError`, which callers treat as "no answer".
 */
export function withCallTimeout<C extends { send: (...args: never[]) => unknown }>(client: C, ms: number): C {
  const send = client.send.bind(client) as unknown as (command: unknown, options?: { abortSignal?: AbortSignal }) => unknown;
  (client as unknown as { send: typeof send }).send = (command, options = {}) => {
    const timeout = AbortSignal.timeout(ms);
    const abortSignal = options.abortSignal ? AbortSignal.any([options.abortSignal, timeout]) : timeout;
    return send(command, { ...options, abortSignal });
  };
  return client;
}
