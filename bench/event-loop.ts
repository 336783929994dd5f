import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { Row } from './row.js';

export interface EventLoopLoad {
  /** Share of the time the main thread was busy (0–1); near 1 means requests queue for the CPU. */
  utilization: number;
  /** How late timers fired: the wait any request had before its code could even start. */
  delayP99Ms: number;
  /**
   * CPU time this process got per second of wall time (1 = one full core). Below the utilization,
   * something else on the machine took the CPU and the figures are worse than the bot's own.
   */
  cpuPerWall: number;
}

/**
 * Watches the event loop, which the bot, the embedded store, the fakes and the load generator all
 * share in this process. Call the returned function when the measured phase ends.
 */
export function watchEventLoop(): () => EventLoopLoad {
  const elu = performance.eventLoopUtilization();
  const cpu = process.cpuUsage();
  const wallStart = performance.now();
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  return () => {
    delay.disable();
    const used = process.cpuUsage(cpu);
    return {
      utilization: performance.eventLoopUtilization(elu).utilization,
      delayP99Ms: delay.percentile(99) / 1e6,
      cpuPerWall: (used.user + used.system) / 1000 / (performance.now() - wallStart),
    };
  };
}

/** The figures as report rows. */
export function eventLoopRows(label: string, load: EventLoopLoad): Row[] {
  return [
    { name: `${label} event-loop busy`, value: load.utilization * 100, unit: '%' },
    { name: `${label} event-loop delay p99`, value: load.delayP99Ms, unit: 'ms' },
    { name: `${label} process CPU per wall time`, value: load.cpuPerWall * 100, unit: '% of a core' },
  ];
}
