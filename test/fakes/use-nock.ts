import nock from 'nock';
import { afterAll, afterEach, beforeAll } from 'vitest';

/**
 * nock for the tests of one describe block (or file): it intercepts HTTP and refuses any request
 * it has no answer for, then stands down entirely. Test files share a process (vitest's isolate
 * is off), so an interceptor left on would sit under every later file's HTTP traffic.
 */
export function useNock(): void {
  beforeAll(() => {
    if (!nock.isActive()) nock.activate();
    nock.disableNetConnect();
  });
  afterEach(() => nock.cleanAll());
  afterAll(() => {
    nock.cleanAll();
    nock.enableNetConnect();
    nock.restore();
  });
}
