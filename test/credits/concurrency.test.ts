import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { InsufficientCreditsError } from "~/services/credits/errors.server";
import { grantPurchase, refundJob, reserveJobs } from "~/services/credits/operations.server";
import { getBalance, ledgerDiscrepancies } from "~/services/credits/queries.server";
import { createPrisma, hasSqlState, type PrismaHandle } from "~/services/prisma.server";
import { makeShop, useTestDb } from "../support/db";

const h = useTestDb();
const db = h.prisma;

/** One single-connection client per simulated app instance or worker. */
function connections(n: number): PrismaHandle[] {
  const list = Array.from({ length: n }, () => createPrisma(process.env.DATABASE_URL!, 1));
  afterAll(() => Promise.all(list.map((c) => c.close())));
  return list;
}

describe("concurrent ledger writers", () => {
  const clients = connections(24);

  it("N concurrent reserves of k against balance B succeed exactly floor(B/k) times", async () => {
    for (const [balance, cost] of [
      [50, 3],
      [7, 7],
      [23, 5],
    ] as const) {
      const shop = await makeShop(h);
      await grantPurchase(db, shop.id, { credits: balance, key: `p-${shop.id}` });
      const results = await Promise.allSettled(
        clients.map((c) => reserveJobs(c.prisma, shop.id, [{ jobId: randomUUID(), cost }])),
      );
      const ok = results.filter((r) => r.status === "fulfilled").length;
      const refused = results.filter((r) => r.status === "rejected");
      expect(ok).toBe(Math.floor(balance / cost));
      for (const r of refused) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(InsufficientCreditsError);
      expect(await getBalance(db, shop.id)).toBe(balance - ok * cost);
    }
  });

  it("runs grants, reserves and refunds on one shop concurrently without deadlock", async () => {
    const shop = await makeShop(h);
    await grantPurchase(db, shop.id, { credits: 100, key: `p-${shop.id}` });
    const jobs = Array.from({ length: 24 }, () => randomUUID());
    await reserveJobs(db, shop.id, jobs.map((jobId) => ({ jobId, cost: 2 })));
    let expected = 100 - 48;
    const ops = clients.flatMap((c, i) => {
      const jobId = jobs[i]!;
      expected += 2 + 5 - 3;
      return [
        refundJob(c.prisma, shop.id, { jobId }),
        grantPurchase(c.prisma, shop.id, { credits: 5, key: `g-${jobId}` }),
        reserveJobs(c.prisma, shop.id, [{ jobId: randomUUID(), cost: 3 }]),
      ];
    });
    const results = await Promise.allSettled(ops);
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(failures.filter((f) => hasSqlState(f.reason, "40P01"))).toEqual([]);
    expect(failures).toEqual([]);
    expect(await getBalance(db, shop.id)).toBe(expected);
    expect(await ledgerDiscrepancies(db)).toEqual([]);
  });

  it("lets concurrent replays of one key post once", async () => {
    const shop = await makeShop(h);
    const results = await Promise.all(
      clients.map((c) => grantPurchase(c.prisma, shop.id, { credits: 9, key: `same-${shop.id}` })),
    );
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    expect(new Set(results.map((r) => r.entries[0]!.id)).size).toBe(1);
    expect(await getBalance(db, shop.id)).toBe(9);
  });
});
