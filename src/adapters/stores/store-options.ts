import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../../services/ports.js';

/** What every DynamoDB store is built from. */
export interface DynamoStoreOptions {
  doc: DynamoDBDocumentClient;
  /** Table name prefix (TABLE_PREFIX), e.g. `chatops-`. */
  prefix: string;
  clock?: Clock;
}
