import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { text } from 'node:stream/consumers';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';

/**
 * A local stand-in for AWS Systems Manager Automation, spoken to by the real SSM client over HTTP.
 *
 * Wire format (from @aws-sdk/core's AwsJson1_1Protocol, which @aws-sdk/client-ssm uses): every call
 * is `POST /` with `x-amz-target: AmazonSSM.<Operation>`, `content-type: application/x-amz-json-1.1`
 * and the input as a JSON body; the answer is the output as JSON, timestamps as epoch seconds.
 * Errors are read from the body's `__type` (a `namespace#` prefix is stripped) and `message`;
 * the HTTP status decides `$fault` for errors the SSM model does not know (ThrottlingException).
 */

export interface FakeSsmCall {
  /** The operation, e.g. `StartAutomationExecution`. */
  target: string;
  // The raw JSON body as the SDK sent it; `any` so tests can reach into it without casts.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  input: any;
}

export interface FakeSsmExecution {
  executionId: string;
  documentName: string;
  parameters: Record<string, string[]>;
  clientToken: string | undefined;
  /** `Pending` until the first Get, then the document's scripted statuses, one per Get. */
  status: string;
  /** Get calls answered for this execution, which drives the scripted progression. */
  gets: number;
  startedAt: Date;
  tags: { Key: string; Value: string }[];
}

export interface FakeSsmScript {
  /** The statuses successive Gets of this document's executions return; the last one sticks. */
  setStatuses(documentName: string, statuses: string[]): void;
  setOutputs(documentName: string, outputs: Record<string, string[]>): void;
  /** Returned as FailureMessage once an execution of this document ends in a failure status. */
  setFailureMessage(documentName: string, message: string): void;
  /**
   * The next `times` calls of `op` fail with `errorType`. HTTP status defaults to 500 for
   * InternalServerError / ServiceUnavailable and 400 otherwise, as AWS answers them.
   */
  failNext(op: string, times: number, errorType: string, httpStatus?: number): void;
  /** The next `times` calls of `op` (for `documentName` only, if given) are carried out, but answered with HTTP 500: the answer is lost. */
  loseAnswers(op: string, times: number, documentName?: string): void;
  /** The next `times` calls of `op` (for `documentName` only, if given) are never answered (not carried out either). */
  hang(op: string, times: number, documentName?: string): void;
}

export interface FakeSsm {
  /** `http://127.0.0.1:PORT`, for the client's `endpoint` option or AWS_ENDPOINT_URL_SSM. */
  endpoint: string;
  /** Every request received, failed ones included, in order. */
  calls: FakeSsmCall[];
  /** Executions actually created; an idempotent repeat of a ClientToken adds none. */
  executions: FakeSsmExecution[];
  callsTo(op: string): FakeSsmCall[];
  script: FakeSsmScript;
  close(): Promise<void>;
}

const DEFAULT_STATUSES = ['InProgress', 'Success'];
const FAILURE_STATUSES = new Set(['Failed', 'TimedOut', 'CompletedWithFailure']);
const TERMINAL_STATUSES = new Set(['Success', 'Failed', 'TimedOut', 'Cancelled', 'CompletedWithSuccess', 'CompletedWithFailure', 'Rejected', 'Exited']);

class SsmFault extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly httpStatus = 400,
  ) {
    super(message);
  }
}

/** Starts the fake on 127.0.0.1 with a free port. */
export async function startFakeSsm(): Promise<FakeSsm> {
  const calls: FakeSsmCall[] = [];
  const executions: FakeSsmExecution[] = [];
  const statuses = new Map<string, string[]>();
  const outputs = new Map<string, Record<string, string[]>>();
  const failureMessages = new Map<string, string>();
  const failures = new Map<string, Array<{ type: string; httpStatus: number }>>();
  const lost = new Map<string, number>();
  const hangs = new Map<string, number>();
  const held: ServerResponse[] = [];

  const script: FakeSsmScript = {
    setStatuses: (documentName, list) => {
      if (list.length === 0) throw new Error('setStatuses needs at least one status');
      statuses.set(documentName, [...list]);
    },
    setOutputs: (documentName, value) => void outputs.set(documentName, value),
    setFailureMessage: (documentName, message) => void failureMessages.set(documentName, message),
    failNext: (op, times, type, httpStatus) => {
      const queue = failures.get(op) ?? [];
      const status = httpStatus ?? (type === 'InternalServerError' || type === 'ServiceUnavailable' ? 500 : 400);
      for (let i = 0; i < times; i++) queue.push({ type, httpStatus: status });
      failures.set(op, queue);
    },
    loseAnswers: (op, times, documentName) => void lost.set(scriptKey(op, documentName), (lost.get(scriptKey(op, documentName)) ?? 0) + times),
    hang: (op, times, documentName) => void hangs.set(scriptKey(op, documentName), (hangs.get(scriptKey(op, documentName)) ?? 0) + times),
  };
  const scriptKey = (op: string, documentName?: string) => (documentName ? `${op}#${documentName}` : op);
  /** Takes one scripted turn for this call: one for its document first, else one for any document. */
  const take = (counts: Map<string, number>, op: string, input: Record<string, unknown>) => {
    for (const key of [scriptKey(op, typeof input.DocumentName === 'string' ? input.DocumentName : undefined), op]) {
      const n = counts.get(key) ?? 0;
      if (n > 0) {
        counts.set(key, n - 1);
        return true;
      }
    }
    return false;
  };

  function find(id: unknown): FakeSsmExecution {
    const execution = executions.find((e) => e.executionId === id);
    if (!execution) throw new SsmFault('AutomationExecutionNotFoundException', `Automation execution ${String(id)} not found`);
    return execution;
  }

  const operations: Record<string, (input: Record<string, unknown>) => unknown> = {
    StartAutomationExecution(input) {
      const documentName = input.DocumentName;
      if (typeof documentName !== 'string' || documentName === '') {
        throw new SsmFault('ValidationException', '1 validation error detected: DocumentName must not be null');
      }
      const parameters = (input.Parameters ?? {}) as Record<string, string[]>;
      const clientToken = typeof input.ClientToken === 'string' ? input.ClientToken : undefined;
      if (clientToken !== undefined) {
        const existing = executions.find((e) => e.clientToken === clientToken);
        if (existing) {
          // Same token, different request: AWS refuses rather than silently returning another run.
          if (existing.documentName !== documentName || JSON.stringify(existing.parameters) !== JSON.stringify(parameters)) {
            throw new SsmFault('IdempotentParameterMismatch', 'ClientToken was already used with different parameters');
          }
          return { AutomationExecutionId: existing.executionId };
        }
      }
      const execution: FakeSsmExecution = {
        executionId: randomUUID(),
        documentName,
        parameters,
        clientToken,
        status: 'Pending',
        gets: 0,
        startedAt: new Date(),
        tags: (input.Tags ?? []) as { Key: string; Value: string }[],
      };
      executions.push(execution);
      return { AutomationExecutionId: execution.executionId };
    },

    GetAutomationExecution(input) {
      const execution = find(input.AutomationExecutionId);
      // A stopped execution stays Cancelled; otherwise each Get moves one step along the script.
      if (execution.status !== 'Cancelled') {
        const list = statuses.get(execution.documentName) ?? DEFAULT_STATUSES;
        execution.status = list[Math.min(execution.gets, list.length - 1)] ?? 'InProgress';
      }
      execution.gets++;
      const failed = FAILURE_STATUSES.has(execution.status);
      return {
        AutomationExecution: {
          AutomationExecutionId: execution.executionId,
          DocumentName: execution.documentName,
          DocumentVersion: '1',
          AutomationExecutionStatus: execution.status,
          ExecutionStartTime: execution.startedAt.getTime() / 1000,
          Parameters: execution.parameters,
          Outputs: outputs.get(execution.documentName) ?? {},
          ...(failed && {
            FailureMessage: failureMessages.get(execution.documentName) ?? `Step fails when it is executing. ${execution.documentName} ended ${execution.status}.`,
          }),
        },
      };
    },

    DescribeAutomationExecutions(input) {
      // Only the filters the bot uses: by tag key, and by execution id.
      const filters = (input.Filters ?? []) as { Key: string; Values: string[] }[];
      const matching = executions.filter((e) =>
        filters.every((f) => (f.Key === 'TagKey' ? e.tags.some((t) => f.Values.includes(t.Key)) : f.Key === 'ExecutionId' ? f.Values.includes(e.executionId) : true)),
      );
      return {
        AutomationExecutionMetadataList: matching.map((e) => ({
          AutomationExecutionId: e.executionId,
          DocumentName: e.documentName,
          AutomationExecutionStatus: e.status,
          ExecutionStartTime: e.startedAt.getTime() / 1000,
        })),
      };
    },

    StopAutomationExecution(input) {
      const execution = find(input.AutomationExecutionId);
      if (TERMINAL_STATUSES.has(execution.status) && execution.status !== 'Cancelled') {
        throw new SsmFault('InvalidAutomationStatusUpdateException', `The execution is already ${execution.status}`);
      }
      execution.status = 'Cancelled';
      return {};
    },
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await text(req);

    const targetHeader = req.headers['x-amz-target'];
    const target = typeof targetHeader === 'string' && targetHeader.startsWith('AmazonSSM.') ? targetHeader.slice('AmazonSSM.'.length) : '';
    let input: Record<string, unknown> = {};
    try {
      input = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    } catch {
      calls.push({ target, input: raw });
      return reply(res, 400, { __type: 'SerializationException', message: 'Request body is not valid JSON' });
    }
    calls.push({ target, input });

    const operation = operations[target];
    if (req.method !== 'POST' || !operation) {
      return reply(res, 400, { __type: 'UnknownOperationException', message: `Unsupported ${req.method} ${String(targetHeader)}` });
    }
    const scripted = failures.get(target)?.shift();
    if (scripted) {
      return reply(res, scripted.httpStatus, { __type: scripted.type, message: `Scripted ${scripted.type} for ${target}` });
    }
    if (take(hangs, target, input)) {
      held.push(res);
      return;
    }
    try {
      const output = operation(input);
      if (take(lost, target, input)) return reply(res, 500, { __type: 'InternalServerError', message: `Scripted lost answer for ${target}` });
      reply(res, 200, output);
    } catch (error) {
      if (!(error instanceof SsmFault)) throw error;
      reply(res, error.httpStatus, { __type: error.type, message: error.message });
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      reply(res, 500, { __type: 'InternalServerError', message: String(error) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    executions,
    callsTo: (op) => calls.filter((c) => c.target === op),
    script,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // The SDK keeps connections alive; without this, close() would wait for them to idle out.
        for (const res of held.splice(0)) res.destroy();
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() });
  res.end(JSON.stringify(body));
}
