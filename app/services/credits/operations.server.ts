import type { Db } from "../prisma.server";
import { LedgerEntryError } from "./errors.server";
import { postEntries, type PostOutcome } from "./ledger.server";

// Idempotency keys are derived from what the operation is about (a job, a purchase,
// a shop's install) so a retry anywhere in the system lands on the same key.
export const keys = {
  welcomeBonus: (shopId: string) => `welcome_bonus_${shopId}`,
  jobReserve: (jobId: string) => `job_reserve_${jobId}`,
  jobRefund: (jobId: string) => `job_fail_refund_${jobId}`,
  purchase: (provider: "shopify" | "stripe", purchaseId: string) => `purchase_${provider}_${purchaseId}`,
};

export async function grantPurchase(
  db: Db,
  shopId: string,
  p: { credits: number; key: string; reference?: string; description?: string },
): Promise<PostOutcome> {
  return postEntries(db, shopId, [
    { key: p.key, type: "purchase", amount: p.credits, reference: p.reference, description: p.description },
  ]);
}

export async function grantBonus(
  db: Db,
  shopId: string,
  p: { credits: number; key: string; description?: string },
): Promise<PostOutcome> {
  return postEntries(db, shopId, [{ key: p.key, type: "bonus", amount: p.credits, description: p.description }]);
}

/** Exactly once per shop: the key is the shop id, which survives reinstalls. */
export async function grantWelcomeBonus(db: Db, shopId: string, credits: number): Promise<PostOutcome | null> {
  if (credits <= 0) return null;
  return grantBonus(db, shopId, { credits, key: keys.welcomeBonus(shopId), description: "Welcome bonus" });
}

export interface JobCharge {
  jobId: string;
  cost: number;
}

/**
 * Reserve on create: one spend per job, all in one statement, so a bulk request of
 * N jobs is charged for all N or refused as a whole. Call it in the transaction that
 * inserts the jobs (the database refuses a job without its spend).
 */
export async function reserveJobs(
  db: Db,
  shopId: string,
  charges: JobCharge[],
  p: { reference?: string; description?: string } = {},
): Promise<PostOutcome> {
  if (charges.length === 0) throw new LedgerEntryError("nothing to reserve");
  for (const c of charges) {
    if (!Number.isInteger(c.cost) || c.cost <= 0) throw new LedgerEntryError(`job ${c.jobId} has no positive cost`);
  }
  return postEntries(
    db,
    shopId,
    charges.map((c) => ({
      key: keys.jobReserve(c.jobId),
      type: "spend" as const,
      amount: -c.cost,
      jobId: c.jobId,
      reference: p.reference,
      description: p.description ?? "Shoot reserved",
    })),
  );
}

/**
 * Gives back what a job was charged (or part of it). At most one refund per job: a
 * retry with the same amount is a replay, another amount a conflict.
 */
export async function refundJob(
  db: Db,
  shopId: string,
  p: { jobId: string; amount?: number; description?: string },
): Promise<PostOutcome> {
  let amount = p.amount;
  if (amount === undefined) {
    const spend = await db.creditLedgerEntry.findFirst({
      where: { shopId, jobId: p.jobId, txType: "spend" },
      select: { amount: true },
    });
    if (!spend) throw new LedgerEntryError(`job ${p.jobId} has no spend in this shop`);
    amount = -spend.amount;
  }
  return postEntries(db, shopId, [
    {
      key: keys.jobRefund(p.jobId),
      type: "refund",
      amount,
      jobId: p.jobId,
      description: p.description ?? "Refund for a failed job",
    },
  ]);
}

/** Operator correction, either sign; never below zero. */
export async function adjust(
  db: Db,
  shopId: string,
  p: { amount: number; key: string; description: string; reference?: string },
): Promise<PostOutcome> {
  if (!p.description.trim()) throw new LedgerEntryError("an adjustment needs a reason");
  return postEntries(db, shopId, [
    { key: p.key, type: "adjustment", amount: p.amount, description: p.description, reference: p.reference },
  ]);
}
