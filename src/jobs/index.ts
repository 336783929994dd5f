import { approvalExpiryJob } from './approval-expiry.js';
import type { Job } from './job.js';

/** Every scheduled job the bot runs. */
export const jobs: readonly Job[] = [approvalExpiryJob];
