import { locateSystemPeer, peersRequired, SYSTEM_PEERS } from './fakes/system-peers.js';
import type { SystemPeerName } from './fakes/system-peers.js';

/**
 * Once per `vitest run`, before any test file: one line for each Debian package that is missing
 * and whose tests will therefore skip. (Under REQUIRE_SYSTEM_PEERS=1 those tests fail instead,
 * each with the same line, so nothing is printed here.)
 */
export default function setup(): void {
  if (peersRequired()) return;
  for (const name of Object.keys(SYSTEM_PEERS) as SystemPeerName[]) {
    const { missing } = locateSystemPeer(name);
    if (missing) process.stderr.write(`skipped ${missing}\n`);
  }
}
