import { existsSync } from 'node:fs';

/**
 * Whether a Debian peer a test needs (a browser, promtool…) is installed. Missing, the test is
 * skipped with one line naming the package; with REQUIRE_SYSTEM_PEERS=1 (CI) it fails instead.
 */
export function systemPeer(binary: string, debianPackage: string): boolean {
  if (existsSync(binary)) return true;
  const line = `${binary} not found: install Debian's ${debianPackage} package to run these tests`;
  if (process.env.REQUIRE_SYSTEM_PEERS === '1') throw new Error(`${line} (REQUIRE_SYSTEM_PEERS=1)`);
  console.log(`skipped: ${line}`);
  return false;
}
