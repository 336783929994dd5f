import { accessSync, constants } from 'node:fs';

/**
 * The Debian packages some tests drive as real programs. Each has a default path (where Debian
 * installs it) and a variable that points elsewhere. `npm ci && npm test` on a machine without them
 * still passes: their tests are skipped, and the run prints one line per missing package
 * (test/global-setup.ts). `.ci/run` installs them and sets REQUIRE_SYSTEM_PEERS=1, under which a
 * missing one fails its tests instead.
 */
export const SYSTEM_PEERS = {
  alertmanager: { what: 'the tests against a real Alertmanager', variable: 'ALERTMANAGER_BIN', defaultPath: '/usr/bin/prometheus-alertmanager', debianPackage: 'prometheus-alertmanager' },
  chromium: { what: 'the console tests in a browser', variable: 'CHROMIUM_PATH', defaultPath: '/usr/bin/chromium', debianPackage: 'chromium' },
  prometheus: { what: 'the PromQL diagnostics and verify tests against a real Prometheus', variable: 'PROMETHEUS_BIN', defaultPath: '/usr/bin/prometheus', debianPackage: 'prometheus' },
  promtool: { what: 'the tests of the Prometheus alert rules', variable: 'PROMTOOL_BIN', defaultPath: '/usr/bin/promtool', debianPackage: 'prometheus' },
  python3: { what: 'the compile check of the SSM documents\' Python', variable: 'PYTHON3_BIN', defaultPath: '/usr/bin/python3', debianPackage: 'python3' },
} as const;

export type SystemPeerName = keyof typeof SYSTEM_PEERS;

export interface SystemPeer {
  /** The program to run: `$<variable>`, or the Debian package's path. */
  binary: string;
  /** True when it is missing and REQUIRE_SYSTEM_PEERS is not 1: the tests that need it skip. */
  skip: boolean;
}

export const peersRequired = (env: NodeJS.ProcessEnv = process.env) => env.REQUIRE_SYSTEM_PEERS === '1';

/** Where the peer is expected, and the one line that says how to get it when it is not there. */
export function locateSystemPeer(name: SystemPeerName, env: NodeJS.ProcessEnv = process.env): { binary: string; missing?: string } {
  const peer = SYSTEM_PEERS[name];
  const binary = env[peer.variable] || peer.defaultPath;
  try {
    accessSync(binary, constants.X_OK);
    return { binary };
  } catch {
    return { binary, missing: `${peer.what}: ${binary} not found; install Debian's ${peer.debianPackage} package (apt-get install ${peer.debianPackage}) or point ${peer.variable} at it` };
  }
}

/**
 * For a test file: the peer's binary, and whether its tests skip. With REQUIRE_SYSTEM_PEERS=1 a
 * missing peer throws here, so the file fails with the line naming the package.
 */
export function systemPeer(name: SystemPeerName): SystemPeer {
  const { binary, missing } = locateSystemPeer(name);
  if (missing && peersRequired()) throw new Error(`cannot run ${missing} (REQUIRE_SYSTEM_PEERS=1: a missing peer fails its tests instead of skipping them)`);
  return { binary, skip: missing !== undefined };
}
