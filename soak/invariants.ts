// What must hold once the fleet has drained, whatever the faults did. Each check reads
// the database, the storage directory or the simulated shop directly and names every
// offender; the soak fails on any.
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import type { PrismaClient } from "@prisma/client";
import type { Simulator } from "../dev/shopify/server";
import type { FinalStatus, LedgerModel } from "./model";

export interface Check {
  name: string;
  /** What was looked at, for the report. */
  checked: number;
  violations: string[];
}

const TERMINAL = new Set(["completed", "failed", "cancelled"]);
const PUBLICATION_TERMINAL = new Set(["ready", "failed", "unpublished"]);
/** Examples per check; the count is always complete. */
const SHOWN = 8;

function check(name: string, checked: number, violations: string[]): Check {
  return { name, checked, violations };
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(dir);
  return out;
}

export async function checkInvariants(p: { db: PrismaClient; model: LedgerModel; storageRoot: string; sim: Simulator }): Promise<Check[]> {
  const { db, model } = p;
  const jobs = await db.$queryRaw<{ id: string; shop_id: string; status: FinalStatus; cost_credits: number }[]>`
    select id, shop_id, status::text as status, cost_credits from public.generation_jobs`;
  const status = new Map(jobs.map((j) => [j.id, j.status]));
  const checks: Check[] = [];

  checks.push(check("every job is in a terminal state", jobs.length, jobs.filter((j) => !TERMINAL.has(j.status)).map((j) => `job ${j.id} is ${j.status}`)));

  // The ledger per job: one charge of the job's price; one refund of it exactly when the job did not complete.
  const entries = await db.$queryRaw<{ job_id: string; tx_type: string; n: number; total: number }[]>`
    select job_id, tx_type::text as tx_type, count(*)::int as n, sum(amount)::int as total
      from public.credits_ledger where job_id is not null group by job_id, tx_type`;
  const byJob = new Map<string, { spend: { n: number; total: number }; refund: { n: number; total: number } }>();
  for (const e of entries) {
    const row = byJob.get(e.job_id) ?? { spend: { n: 0, total: 0 }, refund: { n: 0, total: 0 } };
    if (e.tx_type === "spend" || e.tx_type === "refund") row[e.tx_type] = { n: e.n, total: e.total };
    byJob.set(e.job_id, row);
  }
  const charged: string[] = [];
  const refunded: string[] = [];
  for (const j of jobs) {
    const l = byJob.get(j.id) ?? { spend: { n: 0, total: 0 }, refund: { n: 0, total: 0 } };
    if (l.spend.n !== 1 || l.spend.total !== -j.cost_credits) charged.push(`job ${j.id}: ${l.spend.n} charges totalling ${l.spend.total} for a ${j.cost_credits}-credit photo`);
    const wantRefund = j.status === "failed" || j.status === "cancelled";
    if (wantRefund && (l.refund.n !== 1 || l.refund.total !== j.cost_credits)) refunded.push(`job ${j.id} (${j.status}): ${l.refund.n} refunds totalling ${l.refund.total}`);
    if (!wantRefund && l.refund.n !== 0) refunded.push(`job ${j.id} (${j.status}): refunded ${l.refund.n} times`);
  }
  for (const jobId of byJob.keys()) if (!status.has(jobId)) charged.push(`ledger entries for job ${jobId}, which does not exist`);
  checks.push(check("no job charged twice (one charge of its price per job)", jobs.length, charged));
  checks.push(check("every failed or cancelled job refunded exactly once, and no other", jobs.length, refunded));

  // Balances: the cache equals the ledger's sum, is never negative, and equals the model's expectation.
  const balances = await db.$queryRaw<{ shop_id: string; balance: number; ledger: number; min_after: number | null }[]>`
    select s.id as shop_id, coalesce(b.balance, 0)::int as balance,
           coalesce((select sum(amount) from public.credits_ledger l where l.shop_id = s.id), 0)::int as ledger,
           (select min(balance_after) from public.credits_ledger l where l.shop_id = s.id)::int as min_after
      from public.shops s left join public.credit_balances b on b.shop_id = s.id`;
  const balanceViolations: string[] = [];
  for (const b of balances) {
    if (b.balance !== b.ledger) balanceViolations.push(`shop ${b.shop_id}: balance ${b.balance} but the ledger sums to ${b.ledger}`);
    if (b.balance < 0 || (b.min_after ?? 0) < 0) balanceViolations.push(`shop ${b.shop_id}: balance went below zero`);
    if (!model.shops.has(b.shop_id)) balanceViolations.push(`shop ${b.shop_id} exists but the driver never installed it`);
  }
  for (const s of model.shops.values()) {
    const b = balances.find((x) => x.shop_id === s.shopId);
    const expected = model.expectedBalance(s.shopId, (id) => status.get(id));
    if (!b) balanceViolations.push(`shop ${s.domain}: missing`);
    else if (b.balance !== expected) balanceViolations.push(`shop ${s.domain}: balance ${b.balance}, the model expects ${expected}`);
  }
  balanceViolations.push(...model.mismatches);
  checks.push(check("balance = sum of ledger ≥ 0 = the model's expectation, per shop", model.shops.size, balanceViolations));

  // The jobs are the driver's: none appeared from nowhere, none it was given vanished,
  // and what the app said it cancelled stayed cancelled.
  const jobViolations: string[] = [];
  const modelled = new Map<string, string>();
  for (const s of model.shops.values()) for (const id of s.jobs.keys()) modelled.set(id, s.shopId);
  for (const j of jobs) {
    const owner = modelled.get(j.id);
    if (owner === undefined) jobViolations.push(`job ${j.id} was never created by the driver`);
    else if (owner !== j.shop_id) jobViolations.push(`job ${j.id} belongs to another shop`);
  }
  for (const id of modelled.keys()) if (!status.has(id)) jobViolations.push(`job ${id} the app created is gone`);
  for (const s of model.shops.values()) {
    for (const id of s.cancelled) if (status.get(id) !== "cancelled") jobViolations.push(`job ${id} was cancelled but ended ${status.get(id)}`);
  }
  checks.push(check("the jobs are exactly the ones the driver created; cancelled ones stay cancelled", jobs.length, jobViolations));

  // Outputs: every completed job has its one output file; every output file is a job's.
  const outputs = await db.$queryRaw<{ job_id: string | null; path: string; byte_size: bigint; bucket: string }[]>`
    select job_id, path, byte_size, bucket from public.assets where kind = 'output'`;
  const outputViolations: string[] = [];
  const outputsByJob = new Map<string, number>();
  for (const o of outputs) if (o.job_id) outputsByJob.set(o.job_id, (outputsByJob.get(o.job_id) ?? 0) + 1);
  const outputsDir = path.join(p.storageRoot, "outputs");
  for (const j of jobs) {
    const n = outputsByJob.get(j.id) ?? 0;
    if (j.status === "completed" && n !== 1) outputViolations.push(`completed job ${j.id} has ${n} output assets`);
    if (j.status !== "completed" && n !== 0) outputViolations.push(`${j.status} job ${j.id} has ${n} output assets`);
  }
  const known = new Set<string>();
  for (const o of outputs) {
    const file = path.join(p.storageRoot, o.bucket, o.path);
    known.add(file);
    if (!o.job_id || !status.has(o.job_id)) outputViolations.push(`output ${o.path} belongs to no job`);
    let size = -1;
    try {
      size = statSync(file).size;
    } catch {
      // reported below
    }
    if (size !== Number(o.byte_size)) outputViolations.push(size < 0 ? `output file ${o.path} is missing` : `output file ${o.path} is ${size} bytes, recorded ${o.byte_size}`);
  }
  // Dot-files are half-written temporaries of a killed write: never objects, skipped by list().
  const all = filesUnder(outputsDir);
  const files = all.filter((f) => !path.basename(f).startsWith("."));
  for (const f of files) {
    if (known.has(f)) continue;
    const jobId = path.basename(path.dirname(f));
    outputViolations.push(`file ${path.relative(p.storageRoot, f)} belongs to no job (its folder's job is ${status.get(jobId) ?? "unknown"})`);
  }
  checks.push(check("every completed job has its output file, every output file belongs to a job", outputs.length + files.length, outputViolations));

  // Publications: settled, and each photo is on its product once.
  const pubs = await db.$queryRaw<{ id: string; shop_id: string; domain: string; status: string; media_id: string | null; product_id: string }[]>`
    select p.id, p.shop_id, s.domain, p.status, p.media_id, p.product_id
      from public.publications p join public.shops s on s.id = p.shop_id`;
  const pubViolations: string[] = [];
  for (const pub of pubs) if (!PUBLICATION_TERMINAL.has(pub.status)) pubViolations.push(`publication ${pub.id} is still ${pub.status}`);
  const ours = /^atelier-([0-9a-f-]{36})\./;
  const byPublication = new Map<string, { domain: string; media: number[] }>();
  let mediaLooked = 0;
  for (const shop of p.sim.runtime.state.allShops()) {
    for (const m of shop.media.values()) {
      mediaLooked++;
      const name = m.source.kind === "bytes" ? m.source.filename : m.filename;
      const id = ours.exec(name)?.[1] ?? ours.exec(m.filename)?.[1];
      if (!id) continue;
      const entry = byPublication.get(id) ?? { domain: shop.domain, media: [] };
      entry.media.push(m.id);
      byPublication.set(id, entry);
    }
  }
  const pubById = new Map(pubs.map((x) => [x.id, x]));
  for (const [id, entry] of byPublication) {
    const pub = pubById.get(id);
    if (entry.media.length > 1) pubViolations.push(`publication ${id} is on ${entry.domain} ${entry.media.length} times (media ${entry.media.join(", ")})`);
    if (!pub) pubViolations.push(`media ${entry.media.join(", ")} on ${entry.domain} belong to no publication`);
    else if (pub.status === "ready" && !pub.media_id?.endsWith(`/${entry.media[0]}`)) {
      pubViolations.push(`publication ${id} records ${pub.media_id} but the shop has media ${entry.media.join(", ")}`);
    }
  }
  for (const pub of pubs) if (pub.status === "ready" && !byPublication.has(pub.id)) pubViolations.push(`publication ${pub.id} is ready but its media is not on the product`);
  checks.push(check("publications settled; no published media duplicated", pubs.length + mediaLooked, pubViolations));

  return checks.map((c) => ({ ...c, violations: c.violations.length > SHOWN ? [...c.violations.slice(0, SHOWN), `… and ${c.violations.length - SHOWN} more`] : c.violations }));
}

/** How many violations there are in all, counting the ones not shown. */
export function violationCount(checks: Check[]): number {
  return checks.reduce((n, c) => {
    const more = /^… and (\d+) more$/.exec(c.violations.at(-1) ?? "");
    return n + (more ? c.violations.length - 1 + Number(more[1]) : c.violations.length);
  }, 0);
}
