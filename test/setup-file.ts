import { afterAll } from 'vitest';
import { killLeftoverGroups } from './fakes/process-group.js';

// Runs before every test file: whatever process group a test started and did not stop (a
// failure, a timeout) is killed when its file ends, never left running on the machine.
afterAll(() => killLeftoverGroups());
