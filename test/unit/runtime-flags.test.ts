import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** The default `npm start` gives `variable`: `${VARIABLE:-<default>}`. */
function npmStartDefault(variable: string): string | undefined {
  const { scripts } = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
  return new RegExp(`\\$\\{${variable}:-([^}]*)\\}`).exec(scripts['start'] ?? '')?.[1];
}

/** The value the image's ENV line gives `variable` (`NAME="value"` or `NAME=value`). */
function imageDefault(variable: string): string | undefined {
  const env = readFileSync('Dockerfile', 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('ENV '))
    .join(' ');
  const match = new RegExp(`(?:^|\\s)${variable}=(?:"([^"]*)"|(\\S+))`).exec(env);
  return match?.[1] ?? match?.[2];
}

describe('runtime flags', () => {
  it('runs the bot with the same heap limits and malloc arenas from npm start and from the container image', () => {
    const flags = npmStartDefault('NODE_OPTIONS');
    expect(flags).toMatch(/--max-old-space-size=\d+/);
    expect(flags).toMatch(/--max-semi-space-size=\d+/);
    expect(imageDefault('NODE_OPTIONS')).toBe(flags);
    expect(npmStartDefault('MALLOC_ARENA_MAX')).toBe('2');
    expect(imageDefault('MALLOC_ARENA_MAX')).toBe('2');
  });
});
