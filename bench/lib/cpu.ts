import { readdirSync, readFileSync } from "node:fs";
import { cpus } from "node:os";

// Where the CPU went during a measurement (Linux /proc; zeros elsewhere): this
// process, its worker processes, the PostgreSQL backends serving the bench's database
// (plus PostgreSQL's background processes), Redis, and everything else on the machine.

const TICKS_PER_SECOND = 100;

export interface CpuSources {
  /** Child processes counted as the bench's workers. */
  children?: number[];
  /** The PostgreSQL processes to count (the bench database's backends and background processes). */
  postgresPids?: () => Promise<number[]>;
}

interface Snapshot {
  at: number;
  self: NodeJS.CpuUsage;
  children: number;
  postgres: Map<number, number>;
  redis: number;
  machineBusy: number;
  machineTotal: number;
}

/** Percentages of one core, except `machine` (of all cores). */
export interface CpuReport {
  self: number;
  children: number | null;
  postgres: number;
  redis: number;
  others: number;
  machine: number;
}

function processTicks(pid: number | string): { comm: string; ticks: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    // utime and stime: fields 14 and 15 of the line, 12 and 13 after the name.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { comm, ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return null;
  }
}

function redisTicks(): number {
  let ticks = 0;
  let pids: string[] = [];
  try {
    pids = readdirSync("/proc").filter((d) => /^\d+$/.test(d));
  } catch {
    return 0;
  }
  for (const pid of pids) {
    const p = processTicks(pid);
    if (p?.comm.startsWith("redis-server")) ticks += p.ticks;
  }
  return ticks;
}

function machineTicks(): { busy: number; total: number } {
  try {
    const v = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: total - v[3]! - v[4]!, total };
  } catch {
    return { busy: 0, total: 0 };
  }
}

async function snapshot(sources: CpuSources): Promise<Snapshot> {
  const pgPids = (await sources.postgresPids?.()) ?? [];
  const machine = machineTicks();
  return {
    at: performance.now(),
    self: process.cpuUsage(),
    children: (sources.children ?? []).reduce((n, pid) => n + (processTicks(pid)?.ticks ?? 0), 0),
    postgres: new Map(pgPids.map((pid) => [pid, processTicks(pid)?.ticks ?? 0])),
    redis: redisTicks(),
    machineBusy: machine.busy,
    machineTotal: machine.total,
  };
}

/** Starts measuring; the returned function reports the CPU used since. */
export async function cpuMeter(sources: CpuSources = {}): Promise<() => Promise<CpuReport>> {
  const start = await snapshot(sources);
  return async () => {
    const end = await snapshot(sources);
    const seconds = (end.at - start.at) / 1000;
    const pct = (ticks: number) => (ticks / TICKS_PER_SECOND / seconds) * 100;
    const selfUsage = process.cpuUsage(start.self);
    const self = ((selfUsage.user + selfUsage.system) / 1e6 / seconds) * 100;
    const children = sources.children?.length ? pct(end.children - start.children) : null;
    // Backends that appeared during the run count from zero; those that ended are lost.
    let pgTicks = 0;
    for (const [pid, ticks] of end.postgres) pgTicks += ticks - (start.postgres.get(pid) ?? 0);
    const postgres = pct(pgTicks);
    const redis = pct(end.redis - start.redis);
    const machineShare = end.machineTotal > start.machineTotal ? (end.machineBusy - start.machineBusy) / (end.machineTotal - start.machineTotal) : 0;
    const machineCores = machineShare * cpus().length * 100;
    return {
      self,
      children,
      postgres,
      redis,
      others: Math.max(0, machineCores - self - (children ?? 0) - postgres - redis),
      machine: machineShare * 100,
    };
  };
}

export function formatCpu(r: CpuReport): string {
  const children = r.children === null ? "" : `, worker processes ${r.children.toFixed(0)}%`;
  return (
    `CPU (% of one core): bench process ${r.self.toFixed(0)}%${children}, PostgreSQL ${r.postgres.toFixed(0)}%, Redis ${r.redis.toFixed(0)}%, ` +
    `other processes ${r.others.toFixed(0)}%; machine ${r.machine.toFixed(0)}% busy`
  );
}
