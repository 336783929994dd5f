/**
 * The bot in a process of its own, for tests that kill it with SIGKILL. It starts like `npm start`
 * (the environment is the configuration) plus the StartOptions a test passes as JSON in
 * CHATOPS_TEST_START_OPTIONS (delivery timings, fake AWS credentials), and stops on SIGTERM.
 */
import { startBot } from '../../src/main.js';
import type { StartOptions } from '../../src/main.js';

const options = JSON.parse(process.env.CHATOPS_TEST_START_OPTIONS ?? '{}') as Partial<StartOptions>;
const bot = await startBot({ env: process.env, awsCredentials: { accessKeyId: 'test', secretAccessKey: 'test' }, ...options });
process.once('SIGTERM', () => void bot.close().then(() => process.exit(0)));
