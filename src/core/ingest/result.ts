import type { Alert } from '../alert.js';
import type { ValidationFailure } from './validation-error.js';

/** What every webhook parser returns: the normalised alerts, or the field that made the payload unusable. */
export type IngestResult = { ok: true; alerts: Alert[] } | ValidationFailure;
