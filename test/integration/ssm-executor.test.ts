import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { GetAutomationExecutionCommand, SSMClient } from '@aws-sdk/client-ssm';
import { startFakeSsm } from '../fakes/fake-ssm.js';
import type { FakeSsm } from '../fakes/fake-ssm.js';
import { AutomationError, createSsmExecutor } from '../../src/adapters/executors/ssm-executor.js';
import { createSsmClient } from '../../src/adapters/executors/ssm-client.js';
import { isSuccessStatus, pollUntilTerminal } from '../../src/services/poll-execution.js';
import type { AutomationExecution, AutomationExecutor } from '../../src/services/ports.js';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const log = pino({ level: 'silent' });

const request = {
  DocumentName: 'AWS-RestartEC2Instance',
  Parameters: { InstanceId: ['i-0123456789abcdef0'], AutomationAssumeRole: ['arn:aws:iam::123456789012:role/remediation'] },
  ClientToken: '6f1c2a7e-3b4d-5e6f-8a9b-0c1d2e3f4a5b',
};

let fake: FakeSsm;
let client: SSMClient;
let sleeps: number[];
let executor: AutomationExecutor;

beforeEach(async () => {
  fake = await startFakeSsm();
  client = new SSMClient({ endpoint: fake.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
  sleeps = [];
  executor = createSsmExecutor({ client, log, sleep: async (ms) => void sleeps.push(ms) });
});

afterEach(async () => {
  client.destroy();
  await fake.close();
});

describe('SSM executor', () => {
  it('starts the automation with the document, parameters and ClientToken exactly as given, tagged so it can be found again', async () => {
    const executionId = await executor.start(request);

    expect(fake.callsTo('StartAutomationExecution')).toEqual([{ target: 'StartAutomationExecution', input: { ...request, Tags: [{ Key: `chatops:${request.ClientToken}`, Value: 'chatops-bot' }] } }]);
    expect(await executor.find(request.ClientToken)).toBe(executionId);
    expect(await executor.find('00000000-0000-5000-8000-000000000000')).toBeUndefined();
    expect(fake.executions).toHaveLength(1);
    expect(fake.executions[0]).toMatchObject({
      executionId,
      documentName: request.DocumentName,
      parameters: request.Parameters,
      clientToken: request.ClientToken,
    });
  });

  it('starts one execution when the same ClientToken is sent twice', async () => {
    const first = await executor.start(request);
    const second = await executor.start(request);

    expect(second).toBe(first);
    expect(fake.callsTo('StartAutomationExecution')).toHaveLength(2);
    expect(fake.executions).toHaveLength(1);
  });

  it('retries throttling and starts exactly one execution', async () => {
    fake.script.failNext('StartAutomationExecution', 2, 'ThrottlingException');

    const executionId = await executor.start(request);

    expect(fake.callsTo('StartAutomationExecution')).toHaveLength(3);
    expect(fake.executions.map((e) => e.executionId)).toEqual([executionId]);
    expect(sleeps).toHaveLength(2);
    expect(sleeps.every((ms) => ms > 0 && ms <= 5000)).toBe(true);
  });

  it('gives up after four calls on repeated server errors and keeps the last error', async () => {
    fake.script.failNext('StartAutomationExecution', 4, 'InternalServerError');

    const error = await executor.start(request).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AutomationError);
    const failure = error as AutomationError;
    expect(failure).toMatchObject({ transient: true, attempts: 4, errorName: 'InternalServerError', operation: 'StartAutomationExecution' });
    expect(failure.message).toContain('InternalServerError');
    expect(failure.message).toContain('Scripted InternalServerError');
    expect(failure.cause).toMatchObject({ name: 'InternalServerError', $fault: 'server' });
    expect(fake.callsTo('StartAutomationExecution')).toHaveLength(4);
    expect(fake.executions).toHaveLength(0);
    expect(sleeps).toHaveLength(3);
    expect(sleeps.every((ms) => ms <= 5000)).toBe(true);
  });

  it('does not retry a ValidationException', async () => {
    fake.script.failNext('StartAutomationExecution', 1, 'ValidationException');

    const error = await executor.start(request).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AutomationError);
    expect(error).toMatchObject({ transient: false, attempts: 1, errorName: 'ValidationException' });
    expect(fake.callsTo('StartAutomationExecution')).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('retries a throttled GetAutomationExecution and maps the execution', async () => {
    fake.script.setStatuses(request.DocumentName, ['Failed']);
    fake.script.setOutputs(request.DocumentName, { 'restart.InstanceState': ['stopped'] });
    fake.script.setFailureMessage(request.DocumentName, 'Step restart failed: instance is not running');
    const executionId = await executor.start(request);
    fake.script.failNext('GetAutomationExecution', 1, 'ThrottlingException');

    const execution = await executor.get(executionId);

    expect(execution).toEqual({
      executionId,
      status: 'Failed',
      outputs: { 'restart.InstanceState': ['stopped'] },
      failureMessage: 'Step restart failed: instance is not running',
    });
    expect(fake.callsTo('GetAutomationExecution')).toHaveLength(2);
  });

  it('stops an execution, which then reads as Cancelled', async () => {
    fake.script.setStatuses(request.DocumentName, ['InProgress']);
    const executionId = await executor.start(request);
    await executor.get(executionId);

    await executor.stop(executionId);

    expect(fake.callsTo('StopAutomationExecution')).toEqual([
      { target: 'StopAutomationExecution', input: { AutomationExecutionId: executionId, Type: 'Cancel' } },
    ]);
    expect(fake.executions[0]?.status).toBe('Cancelled');
    expect((await executor.get(executionId)).status).toBe('Cancelled');
  });

  it('retries a refused connection and then reports it', async () => {
    await fake.close();

    const error = await executor.get('no-such-server').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AutomationError);
    expect(error).toMatchObject({ transient: true, attempts: 4, errorName: 'ECONNREFUSED' });
    // Reopened so afterEach can close it again.
    fake = await startFakeSsm();
  });
});

describe('pollUntilTerminal', () => {
  it('follows InProgress to Success and reports each status once', async () => {
    fake.script.setStatuses(request.DocumentName, ['InProgress', 'InProgress', 'InProgress', 'Success']);
    fake.script.setOutputs(request.DocumentName, { 'restart.Result': ['ok'] });
    const executionId = await executor.start(request);
    const progress: AutomationExecution[] = [];
    const waits: number[] = [];

    const result = await pollUntilTerminal(executor, executionId, {
      sleep: async (ms) => void waits.push(ms),
      onProgress: (execution) => void progress.push(execution),
    });

    expect(result).toMatchObject({ executionId, status: 'Success', outputs: { 'restart.Result': ['ok'] }, timedOut: false });
    expect(isSuccessStatus(result.status)).toBe(true);
    expect(progress.map((p) => p.status)).toEqual(['InProgress', 'Success']);
    expect(fake.callsTo('GetAutomationExecution')).toHaveLength(4);
    expect(waits).toEqual([1000, 2000, 4000]);
  });

  it('stops polling at the timeout and returns the last execution marked timedOut', async () => {
    fake.script.setStatuses(request.DocumentName, ['InProgress']);
    const executionId = await executor.start(request);
    let now = Date.parse('2024-05-01T10:00:00Z');

    const result = await pollUntilTerminal(executor, executionId, {
      clock: { now: () => new Date(now) },
      sleep: async (ms) => void (now += ms),
      initialMs: 1000,
      maxMs: 15_000,
      timeoutMs: 60_000,
    });

    expect(result).toMatchObject({ executionId, status: 'InProgress', timedOut: true });
    // 1 + 2 + 4 + 8 + 15 + 15 s = 45 s, then the last 15 s wait, then a final Get at the deadline.
    expect(fake.callsTo('GetAutomationExecution')).toHaveLength(8);
  });
});

describe('createSsmClient', () => {
  it('builds a client with the SDK retries switched off, so the executor owns them', async () => {
    const built = createSsmClient({ region: 'us-east-1', endpoint: fake.endpoint, credentials });
    try {
      expect(await built.config.maxAttempts()).toBe(1);
      fake.script.failNext('GetAutomationExecution', 1, 'ThrottlingException');
      const sent = built.send(new GetAutomationExecutionCommand({ AutomationExecutionId: 'x' }));
      await expect(sent).rejects.toMatchObject({ name: 'ThrottlingException', $fault: 'client' });
      expect(fake.callsTo('GetAutomationExecution')).toHaveLength(1);
    } finally {
      built.destroy();
    }
  });
});
