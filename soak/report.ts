import type { PrismaClient } from "@prisma/client";
import type { FaultLog } from "./faults";
import type { Check } from "./invariants";
import type { LedgerModel } from "./model";
import type { TrafficStats } from "./traffic";
import { percentile } from "./util";

export interface Latency {
  jobs: number;
  /** Creation to completion, minus the time the provider itself was working or hanging. */
  ownMs: { p50: number; p95: number; p99: number };
  endToEndMs: { p50: number; p95: number; p99: number };
  providerShare: number;
  /** Completed photos per second, from the first job's creation to the last completion. */
  throughput: number;
  windowS: number;
}

interface EventRow {
  job_id: string;
  event: string;
  code: string | null;
  at: Date;
}

/**
 * Job latency excluding provider time, from job_events. A job's attempts start at a
 * `processing` event and end at the next status event. Within one, the provider's
 * time is: after `submitted`, the stand-in's working time (its configured latency, or
 * less if the attempt ended sooner), or all of it when the attempt ended in a timeout
 * (a stuck request); for a submit that never answered (a hang), the whole attempt.
 * Everything else — queueing, backoff, Retry-After waits, the poll that covers a lost
 * webhook, copying and checking the output, the database — is the pipeline's own.
 */
export async function measureLatency(db: PrismaClient, providerLatencyMs: number): Promise<Latency> {
  const jobs = await db.$queryRaw<{ id: string; created_at: Date; completed_at: Date }[]>`
    select id, created_at, completed_at from public.generation_jobs where status = 'completed' and completed_at is not null`;
  const events = await db.$queryRaw<EventRow[]>`
    select e.job_id, e.event, e.detail->>'code' as code, e.created_at as at
      from public.job_events e join public.generation_jobs j on j.id = e.job_id
     where j.status = 'completed' order by e.job_id, e.created_at, e.id`;
  const byJob = new Map<string, EventRow[]>();
  for (const e of events) byJob.set(e.job_id, [...(byJob.get(e.job_id) ?? []), e]);
  const own: number[] = [];
  const total: number[] = [];
  let providerSum = 0;
  let totalSum = 0;
  for (const j of jobs) {
    const evs = byJob.get(j.id) ?? [];
    let provider = 0;
    let start: number | null = null;
    let submitted: number | null = null;
    for (const e of evs) {
      const t = e.at.getTime();
      if (e.event === "submitted") {
        submitted = t;
        continue;
      }
      if (start !== null && ["processing", "retry", "waiting", "completed", "failed", "cancelled"].includes(e.event)) {
        const timedOut = e.event === "retry" && e.code === "timeout";
        if (submitted !== null) provider += timedOut ? t - submitted : Math.min(providerLatencyMs, t - submitted);
        else if (timedOut) provider += t - start;
        start = null;
        submitted = null;
      }
      if (e.event === "processing") start = t;
    }
    const e2e = j.completed_at.getTime() - j.created_at.getTime();
    total.push(e2e);
    own.push(Math.max(0, e2e - provider));
    providerSum += provider;
    totalSum += e2e;
  }
  own.sort((a, b) => a - b);
  total.sort((a, b) => a - b);
  const first = Math.min(...jobs.map((j) => j.created_at.getTime()));
  const last = Math.max(...jobs.map((j) => j.completed_at.getTime()));
  const windowS = jobs.length ? (last - first) / 1000 : 0;
  const pct = (xs: number[]) => ({ p50: percentile(xs, 50), p95: percentile(xs, 95), p99: percentile(xs, 99) });
  return {
    jobs: jobs.length,
    ownMs: pct(own),
    endToEndMs: pct(total),
    providerShare: totalSum ? providerSum / totalSum : 0,
    throughput: windowS ? jobs.length / windowS : 0,
    windowS,
  };
}

export interface SoakReport {
  config: Record<string, unknown>;
  elapsedS: number;
  model: ReturnType<LedgerModel["totals"]>;
  jobStates: Record<string, number>;
  publicationStates: Record<string, number>;
  traffic: TrafficStats;
  faults: FaultLog;
  providerScenarios: Record<string, number>;
  webhooks: Record<string, number>;
  drain: { drainedS: number; reconciled: { swept: number; failedStuck: number; orphanOutputs: number }; stuck: string[] };
  unexpectedWorkerExits: number;
  latency: Latency;
  checks: Check[];
  violations: number;
}

const ms = (x: number) => (Number.isFinite(x) ? `${Math.round(x).toLocaleString("en-US")} ms` : "—");
const list = (o: Record<string, number>) =>
  Object.entries(o)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(", ") || "none";

export function formatReport(r: SoakReport): string {
  const lines: string[] = [];
  const say = (s = "") => lines.push(s);
  say(`soak: ${Object.entries(r.config).map(([k, v]) => `${k}=${String(v)}`).join(" ")}`);
  say(`elapsed ${r.elapsedS.toFixed(0)} s; drained ${r.drain.drainedS.toFixed(0)} s after the traffic stopped`);
  say();
  say(`shops ${r.model.shops} (${r.model.uninstalled} uninstalled); jobs ${r.model.jobs}: ${list(r.jobStates)}`);
  say(`packs approved ${r.model.packs}, declined ${r.model.declined}; jobs cancelled by merchants ${r.model.cancelled}`);
  say(`publications: ${list(r.publicationStates)}`);
  say(`driver actions: ${list(r.traffic.actions)}`);
  say(`refused (final answers): ${list(r.traffic.refused)}`);
  say(`retried by the driver: ${Object.values(r.traffic.retried).reduce((a, b) => a + b, 0)} (${list(r.traffic.retried).slice(0, 400)})`);
  say(`enqueues deferred to the sweeper: ${r.traffic.enqueueDeferred}`);
  say();
  say(`faults: ${r.faults.workerKills} workers SIGKILLed, ${r.faults.storms} connection storms (${r.faults.connectionsCut} connections cut), ` +
    `${r.faults.redisRestarts} Redis restart (${(r.faults.redisDownMs / 1000).toFixed(1)} s down)`);
  if (r.faults.errors.length) say(`fault injection errors: ${r.faults.errors.join("; ")}`);
  say(`provider scenarios: ${list(r.providerScenarios)}`);
  say(`provider webhooks: ${list(r.webhooks)}`);
  say(`worker exits we did not cause: ${r.unexpectedWorkerExits}`);
  if (r.drain.stuck.length) {
    say(`not drained by the deadline; the maintenance reconciliation swept ${r.drain.reconciled.swept} and failed ${r.drain.reconciled.failedStuck} stuck jobs. Left at the deadline:`);
    for (const line of r.drain.stuck) say(`  ${line}`);
  }
  say(`maintenance cleanup: ${r.drain.reconciled.orphanOutputs} output files of failed or cancelled jobs deleted`);
  say();
  const l = r.latency;
  say(`throughput: ${l.throughput.toFixed(2)} completed photos/s over ${l.windowS.toFixed(0)} s (${l.jobs} photos)`);
  say(`latency excluding provider time: p50 ${ms(l.ownMs.p50)}, p95 ${ms(l.ownMs.p95)}, p99 ${ms(l.ownMs.p99)}`);
  say(`latency end to end:             p50 ${ms(l.endToEndMs.p50)}, p95 ${ms(l.endToEndMs.p95)}, p99 ${ms(l.endToEndMs.p99)} (provider ${(l.providerShare * 100).toFixed(0)}% of it)`);
  say();
  for (const c of r.checks) {
    say(`${c.violations.length ? "FAIL" : "ok  "} ${c.name} (${c.checked} checked)`);
    for (const v of c.violations) say(`       ${v}`);
  }
  if (r.traffic.gaveUp.length) {
    say(`FAIL the driver gave up on ${r.traffic.gaveUp.length} calls: ${r.traffic.gaveUp.slice(0, 5).join("; ")}`);
  }
  if (r.unexpectedWorkerExits) say(`FAIL ${r.unexpectedWorkerExits} worker processes exited on their own`);
  say();
  say(r.violations === 0 ? "soak passed: no violations" : `soak FAILED: ${r.violations} violations`);
  return lines.join("\n");
}
