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

function csvCell(value: string | number | null): string {
  const text = value === null ? "" : String(value);
  // Leading = + - @ would be read as a formula by spreadsheet apps.
  const safe = /^[=+\-@\t\r]/.test(text) && typeof value === "string" ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The shop's whole ledger as CSV, oldest first, read in pages so a long history streams. */
export async function* ledgerCsv(db: Db, shopId: string): AsyncGenerator<string> {
  yield "date,type,amount,balance_after,job_id,reference,description\n";
  let after: bigint | undefined;
  for (;;) {
    const page = await db.creditLedgerEntry.findMany({
      where: { shopId, ...(after !== undefined ? { seq: { gt: after } } : {}) },
      orderBy: { seq: "asc" },
      take: 1000,
    });
    if (page.length === 0) return;
    yield page
      .map((e) => [e.createdAt.toISOString(), e.txType, e.amount, e.balanceAfter, e.jobId, e.reference, e.description].map(csvCell).join(",") + "\n")
      .join("");
    after = page.at(-1)!.seq;
  }
}
