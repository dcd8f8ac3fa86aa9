import type { Db } from "../prisma.server";
import { ledgerDiscrepancies } from "../credits/queries.server";

// The seed's admin queries, for operators (npm run ops and the /ops page). They read
// across every shop on purpose: that is what operators are for.

export async function jobsByStatus(db: Db) {
  const rows = await db.generationJob.groupBy({ by: ["status"], _count: true });
  return rows.map((r) => ({ status: r.status, jobs: r._count }));
}

export async function purchasesToday(db: Db, now = new Date()) {
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const agg = await db.creditLedgerEntry.aggregate({ where: { txType: "purchase", createdAt: { gte: start } }, _sum: { amount: true }, _count: true });
  return { since: start.toISOString(), purchases: agg._count, credits: agg._sum.amount ?? 0 };
}

/** Failed jobs of the last 7 days, newest first, with what triage needs to decide. */
export async function failedJobsThisWeek(db: Db, now = new Date()) {
  const jobs = await db.generationJob.findMany({
    where: { status: "failed", completedAt: { gte: new Date(now.getTime() - 7 * 86_400_000) } },
    orderBy: { completedAt: "desc" },
    take: 100,
    select: {
      id: true,
      shopId: true,
      errorCode: true,
      errorMessage: true,
      completedAt: true,
      costCredits: true,
      regeneratedAs: true,
      shop: { select: { domain: true } },
    },
  });
  const refunds = await db.creditLedgerEntry.findMany({
    where: { txType: "refund", jobId: { in: jobs.map((j) => j.id) } },
    select: { jobId: true },
  });
  const refunded = new Set(refunds.map((r) => r.jobId));
  return jobs.map(({ shop, regeneratedAs, ...j }) => ({
    ...j,
    shopDomain: shop.domain,
    refunded: refunded.has(j.id),
    retriedAs: regeneratedAs,
  }));
}

export async function reconcileLedger(db: Db) {
  const discrepancies = await ledgerDiscrepancies(db);
  const shops = await db.creditBalance.count();
  return { shops, discrepancies: discrepancies.map((d) => ({ shopId: d.shop_id, balance: d.balance, ledgerTotal: Number(d.ledger_total) })) };
}
