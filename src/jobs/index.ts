import { approvalsJob } from './approvals.js';
import { dailySnapshotJob } from './daily-snapshot.js';
import type { Job } from './job.js';
import { monthlyCalibrationJob } from './monthly-calibration.js';
import { resumeInFlightJob } from './resume-in-flight.js';
import { scheduledRunbooksJob } from './scheduled-runbooks.js';
import { staleIncidentsJob } from './stale-incidents.js';
import { weeklyReportJob } from './weekly-report.js';

/** Every scheduled job the bot runs. */
export const jobs: readonly Job[] = [approvalsJob, resumeInFlightJob, staleIncidentsJob, dailySnapshotJob, weeklyReportJob, monthlyCalibrationJob, scheduledRunbooksJob];
