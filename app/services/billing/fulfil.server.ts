import type { AppPurchase, Prisma } from "@prisma/client";
import { adjust, grantPurchase, keys } from "../credits/operations.server";
import { CreditsOwedError } from "../credits/errors.server";

type Tx = Prisma.TransactionClient;

/** The provider's own id for a purchase: what its ledger key is made of. */
function externalId(purchase: AppPurchase): string {
  const id = purchase.provider === "stripe" ? purchase.stripeSessionId : purchase.shopifyPurchaseId?.split("/").pop();
  if (!id) throw new Error(`purchase ${purchase.id} has no ${purchase.provider} id`);
  return id;
}

async function lockBalance(tx: Tx, shopId: string): Promise<number> {
  const rows = await tx.$queryRaw<{ balance: number }[]>`
    select balance from public.credit_balances where shop_id = ${shopId}::uuid for update`;
  return rows[0]?.balance ?? 0;
}

/**
 * Credits a paid purchase, exactly once whatever calls it (the return page, a webhook,
 * a retry): the ledger key is the provider's purchase id. Then what the shop owes from
 * earlier reversals is settled from the new balance. Call inside a transaction.
 */
export async function creditPurchase(tx: Tx, purchase: AppPurchase, description: string): Promise<boolean> {
  // Concurrent callers (a webhook racing the return page) queue here; the later one
  // then finds the ledger key posted and replays instead of colliding on it.
  await tx.$executeRaw`select 1 from public.app_purchases where id = ${purchase.id}::uuid for update`;
  const outcome = await grantPurchase(tx, purchase.shopId, {
    credits: purchase.credits,
    key: keys.purchase(purchase.provider as "shopify" | "stripe", externalId(purchase)),
    reference: `purchase:${purchase.id}`,
    description,
  });
  await tx.appPurchase.update({ where: { id: purchase.id }, data: { status: "ACTIVE", creditedAt: purchase.creditedAt ?? new Date() } });
  await settleDebts(tx, purchase.shopId);
  return !outcome.replayed;
}

/** Pays what the shop owes, oldest first, from its balance. */
export async function settleDebts(tx: Tx, shopId: string): Promise<number> {
  const open = await tx.creditDebt.findMany({ where: { shopId, settledAt: null }, orderBy: { createdAt: "asc" } });
  if (open.length === 0) return 0;
  let balance = await lockBalance(tx, shopId);
  let paid = 0;
  for (const debt of open) {
    const take = Math.min(balance, debt.amount - debt.settledAmount);
    if (take <= 0) break;
    await adjust(tx, shopId, {
      amount: -take,
      key: `debt_settle_${debt.id}_${debt.settledAmount}`,
      description: `Settles credits owed: ${debt.reason}`,
      reference: debt.purchaseId ? `purchase:${debt.purchaseId}` : undefined,
    });
    const settled = debt.settledAmount + take;
    await tx.creditDebt.update({ where: { id: debt.id }, data: { settledAmount: settled, settledAt: settled === debt.amount ? new Date() : null } });
    balance -= take;
    paid += take;
  }
  return paid;
}

/**
 * Takes back the credits of a purchase refunded or disputed up to `targetCredits` in
 * total. Idempotent and order-proof: only the difference from what was already taken
 * back is reversed. What the balance cannot cover is recorded as owed (the ledger
 * never goes below zero). Call inside a transaction.
 */
export async function reversePurchase(tx: Tx, purchase: AppPurchase, targetCredits: number, reason: string): Promise<{ reversed: number; owed: number }> {
  const rows = await tx.$queryRaw<{ reversed_credits: number }[]>`
    select reversed_credits from public.app_purchases where id = ${purchase.id}::uuid for update`;
  const already = rows[0]?.reversed_credits ?? 0;
  const target = Math.min(purchase.credits, Math.max(0, Math.round(targetCredits)));
  const delta = target - already;
  if (delta <= 0 || !purchase.creditedAt) return { reversed: 0, owed: 0 };
  const balance = await lockBalance(tx, purchase.shopId);
  const take = Math.min(balance, delta);
  const key = `purchase_reversal_${purchase.id}_${target}`;
  if (take > 0) {
    await adjust(tx, purchase.shopId, { amount: -take, key, description: reason, reference: `purchase:${purchase.id}` });
  }
  const owed = delta - take;
  if (owed > 0) {
    await tx.creditDebt.create({ data: { shopId: purchase.shopId, amount: owed, reason, purchaseId: purchase.id, idempotencyKey: `${key}_owed` } });
  }
  await tx.appPurchase.update({ where: { id: purchase.id }, data: { reversedCredits: target } });
  return { reversed: take, owed };
}

export async function creditsOwed(db: Tx, shopId: string): Promise<number> {
  const open = await db.creditDebt.findMany({ where: { shopId, settledAt: null }, select: { amount: true, settledAmount: true } });
  return open.reduce((sum, d) => sum + d.amount - d.settledAmount, 0);
}

/** New spending waits until what the shop owes is settled. */
export async function assertNothingOwed(db: Tx, shopId: string): Promise<void> {
  const owed = await creditsOwed(db, shopId);
  if (owed > 0) throw new CreditsOwedError(owed);
}
