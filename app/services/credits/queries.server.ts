import type { Db } from "../prisma.server";

export async function getBalance(db: Db, shopId: string): Promise<number> {
  const row = await db.creditBalance.findUnique({ where: { shopId }, select: { balance: true } });
  return row?.balance ?? 0;
}

export async function listLedger(db: Db, shopId: string, p: { limit?: number; beforeSeq?: bigint } = {}) {
  const limit = Math.min(Math.max(p.limit ?? 50, 1), 200);
  return db.creditLedgerEntry.findMany({
    where: { shopId, ...(p.beforeSeq !== undefined ? { seq: { lt: p.beforeSeq } } : {}) },
    orderBy: { seq: "desc" },
    take: limit,
  });
}

/** Shops whose cached balance differs from the sum of their ledger (always empty). */
export async function ledgerDiscrepancies(db: Db) {
  return db.$queryRaw<{ shop_id: string; balance: number; ledger_total: bigint }[]>`
    select shop_id, balance, ledger_total from public.ledger_discrepancies`;
}
