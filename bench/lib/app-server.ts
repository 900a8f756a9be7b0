/**
 * The app server the benchmarks drive, started as the e2e and reliability
 * suites start it (test/github-support/app-server.ts), plus what the load
 * benchmark measures of its process from /proc.
 */
export {
  appKeys,
  freePort,
  hasTaskset,
  ROOT,
  startAppServer,
  type AppKeys,
  type AppServer,
} from "../../test/github-support/app-server.js";

/** VmRSS and VmHWM (peak) of a process, in MiB, from /proc (Linux); undefined elsewhere. */
export async function memoryOf(pid: number): Promise<{ rss: number; peak: number } | undefined> {
  const { readFile } = await import("node:fs/promises");
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const kib = (name: string) =>
      Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
    return { rss: kib("VmRSS") / 1024, peak: kib("VmHWM") / 1024 };
  } catch {
    return undefined;
  }
}

/** User + system CPU seconds a process has used, from /proc (Linux). */
export async function cpuSecondsOf(pid: number): Promise<number | undefined> {
  const { readFile } = await import("node:fs/promises");
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // fields[11] = utime, fields[12] = stime (clock ticks; 100 Hz on Linux)
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** Busy CPU seconds of the whole machine (all cores), from /proc/stat (Linux). */
export async function machineBusySeconds(): Promise<number | undefined> {
  const { readFile } = await import("node:fs/promises");
  try {
    const line = (await readFile("/proc/stat", "utf8")).split("\n")[0]!;
    const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
    return (
      ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / 100
    );
  } catch {
    return undefined;
  }
}
