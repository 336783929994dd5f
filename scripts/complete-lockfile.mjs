// npm 11's `npm ci` wants a lock entry for every optional platform package of rollup (pulled in by
// vitest), but `npm install` only records the ones the registry in use could resolve. This adds a
// metadata-only entry (os/cpu/libc, no download) for each missing one, so `npm ci` accepts the
// lock and skips them on other platforms. Run it after any `npm install` that rewrites the lock.
import { readFileSync, writeFileSync } from 'node:fs';

const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
const rollup = lock.packages['node_modules/rollup'];
const cpuNames = { loongarch64: 'loong64' };
let added = 0;
for (const [name, version] of Object.entries(rollup?.optionalDependencies ?? {})) {
  const key = `node_modules/${name}`;
  if (lock.packages[key]) continue;
  const [os, cpuPart, libcPart] = name.replace('@rollup/rollup-', '').split('-');
  const entry = { version, cpu: [cpuNames[cpuPart] ?? cpuPart], dev: true, license: 'MIT', optional: true, os: [os] };
  if (libcPart === 'gnu' || libcPart === 'gnueabihf') entry.libc = ['glibc'];
  if (libcPart?.startsWith('musl')) entry.libc = ['musl'];
  lock.packages[key] = entry;
  added++;
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0)));
writeFileSync('package-lock.json', `${JSON.stringify(lock, null, 2)}\n`);
console.log(`package-lock.json: ${added} optional platform entries added`);
