import { Writable } from 'node:stream';
import pino from 'pino';
import type { Logger } from 'pino';

const REDACT_PATHS = [
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'token',
  '*.token',
  'botToken',
  '*.botToken',
  'signingSecret',
  '*.signingSecret',
  'appToken',
  '*.appToken',
  'routingKey',
  '*.routingKey',
  'routing_key',
  '*.routing_key',
];

/**
 * pino with `redact` for the fields we know, and a last line of defence: every configured secret
 * value is replaced in the serialized line, wherever an error message or a payload carried it.
 */
export function createLogger({ level, secrets, destination = process.stdout }: { level: string; secrets: readonly string[]; destination?: NodeJS.WritableStream }): Logger {
  const values = secrets.filter((s) => s.length >= 8);
  const out =
    values.length === 0
      ? destination
      : new Writable({
          write(chunk: Buffer, _enc, done) {
            let line = chunk.toString('utf8');
            for (const v of values) line = line.split(v).join('[REDACTED]');
            destination.write(line, done);
          },
        });
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[REDACTED]' }, base: { app: 'chatops-bot' } }, out as pino.DestinationStream);
}
