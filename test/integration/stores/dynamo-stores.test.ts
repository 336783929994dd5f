import { describeStoreContract } from './store-contract.js';
import { startTestDynamo } from './harness.js';

describeStoreContract('DynamoDB on dynalite (in memory)', startTestDynamo);
