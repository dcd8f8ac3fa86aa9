import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  IdempotencyConflictError,
  InsufficientCreditsError,
  JobAlreadyChargedError,
  LedgerEntryError,
  ShopNotFoundError,
} from "~/services/credits/errors.server";
import { postEntries } from "~/services/credits/ledger.server";
import { adjust, grantBonus, grantPurchase, keys, refundJob, reserveJobs } from "~/services/credits/operations.server";
import { getBalance, ledgerDiscrepancies, listLedger } from "~/services/credits/queries.server";
import { handleUninstall } from "~/services/lifecycle.server";
import { recordInstall } from "~/services/shops.server";
import { makeShop, uniqueShopDomain, useTestDb } from "../support/db";

const h = useTestDb();
const db = h.prisma;

async function sumOfLedger(shopId: string): Promise<number> {
  const agg = await db.creditLedgerEntry.aggregate({ where: { shopId }, _sum: { amount: true } });
  return agg._sum.amount ?? 0;
}

describe("credit ledger operations", () => {
  it("grants, spends and refunds with a running balance_after", async () => {
    const shop = await makeShop(h);
    await grantPurchase(db, shop.id, { credits: 50, key: `p-${shop.id}`, reference: "pack_50" });
    const jobA = randomUUID();
    const jobB = randomUUID();
    const reserved = await reserveJobs(db, shop.id, [
      { jobId: jobA, cost: 4 },
      { jobId: jobB, cost: 4 },
    ]);
    expect(reserved.balance).toBe(42);
    expect(reserved.entries.map((e) => e.balanceAfter)).toEqual([46, 42]);
    const refund = await refundJob(db, shop.id, { jobId: jobA });
    expect(refund.entries[0]).toMatchObject({ type: "refund", amount: 4, balanceAfter: 46 });
    expect(await getBalance(db, shop.id)).toBe(46);
    expect(await sumOfLedger(shop.id)).toBe(46);
    const history = await listLedger(db, shop.id);
    expect(history.map((e) => e.txType)).toEqual(["refund", "spend", "spend", "purchase"]);
  });

  it("replays the same key and payload with the first result and refuses another payload", async () => {
    const shop = await makeShop(h);
    const first = await grantBonus(db, shop.id, { credits: 7, key: `bonus-${shop.id}` });
    const again = await grantBonus(db, shop.id, { credits: 7, key: `bonus-${shop.id}` });
    expect(first.replayed).toBe(false);
    expect(again.replayed).toBe(true);
    expect(again.entries[0]!.id).toBe(first.entries[0]!.id);
    await expect(grantBonus(db, shop.id, { credits: 8, key: `bonus-${shop.id}` })).rejects.toBeInstanceOf(
      IdempotencyConflictError,
    );
    // The same key from another shop is a conflict too, never a silent replay.
    const other = await makeShop(h);
    await expect(grantBonus(db, other.id, { credits: 7, key: `bonus-${shop.id}` })).rejects.toBeInstanceOf(
      IdempotencyConflictError,
    );
    expect(await getBalance(db, shop.id)).toBe(7);
    expect(await getBalance(db, other.id)).toBe(0);
  });

  it("reserves a batch all-or-nothing", async () => {
    const shop = await makeShop(h);
    await grantPurchase(db, shop.id, { credits: 10, key: `p-${shop.id}` });
    const jobs = Array.from({ length: 3 }, () => ({ jobId: randomUUID(), cost: 4 }));
    const error = await reserveJobs(db, shop.id, jobs).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InsufficientCreditsError);
    expect(error).toMatchObject({ balance: 10, required: 12 });
    expect(await db.creditLedgerEntry.count({ where: { shopId: shop.id, txType: "spend" } })).toBe(0);
    expect(await getBalance(db, shop.id)).toBe(10);
    const ok = await reserveJobs(db, shop.id, jobs.slice(0, 2));
    expect(ok.balance).toBe(2);
  });

  it("charges a job at most once and refunds it at most once, never above its spend", async () => {
    const shop = await makeShop(h);
    await grantPurchase(db, shop.id, { credits: 20, key: `p-${shop.id}` });
    const jobId = randomUUID();
    await reserveJobs(db, shop.id, [{ jobId, cost: 5 }]);
    // Same key: replay. A second spend under another key: refused.
    expect((await reserveJobs(db, shop.id, [{ jobId, cost: 5 }])).replayed).toBe(true);
    await expect(
      postEntries(db, shop.id, [{ key: `other-${jobId}`, type: "spend", amount: -5, jobId }]),
    ).rejects.toBeInstanceOf(JobAlreadyChargedError);
    await expect(refundJob(db, shop.id, { jobId, amount: 6 })).rejects.toBeInstanceOf(LedgerEntryError);
    await refundJob(db, shop.id, { jobId, amount: 3 });
    await expect(refundJob(db, shop.id, { jobId, amount: 2 })).rejects.toBeInstanceOf(IdempotencyConflictError);
    expect((await refundJob(db, shop.id, { jobId, amount: 3 })).replayed).toBe(true);
    await expect(refundJob(db, shop.id, { jobId: randomUUID(), amount: 1 })).rejects.toBeInstanceOf(LedgerEntryError);
    // Another shop cannot refund this shop's job.
    const other = await makeShop(h);
    await expect(refundJob(db, other.id, { jobId, amount: 1 })).rejects.toThrow();
    expect(await getBalance(db, shop.id)).toBe(20 - 5 + 3);
    expect(await getBalance(db, other.id)).toBe(0);
  });

  it("adjusts in either direction but never below zero", async () => {
    const shop = await makeShop(h);
    await adjust(db, shop.id, { amount: 5, key: `a1-${shop.id}`, description: "Goodwill" });
    await expect(adjust(db, shop.id, { amount: -6, key: `a2-${shop.id}`, description: "Fix" })).rejects.toBeInstanceOf(
      InsufficientCreditsError,
    );
    await adjust(db, shop.id, { amount: -5, key: `a3-${shop.id}`, description: "Fix" });
    await expect(adjust(db, shop.id, { amount: 1, key: `a4-${shop.id}`, description: " " })).rejects.toBeInstanceOf(
      LedgerEntryError,
    );
    expect(await getBalance(db, shop.id)).toBe(0);
  });

  it("rejects malformed entries and unknown shops with typed errors", async () => {
    const shop = await makeShop(h);
    await expect(grantBonus(db, shop.id, { credits: 0, key: "zero" })).rejects.toBeInstanceOf(LedgerEntryError);
    await expect(grantBonus(db, shop.id, { credits: 1.5, key: "frac" })).rejects.toBeInstanceOf(LedgerEntryError);
    await expect(grantBonus(db, shop.id, { credits: -1, key: "neg" })).rejects.toBeInstanceOf(LedgerEntryError);
    await expect(grantBonus(db, randomUUID(), { credits: 1, key: "ghost" })).rejects.toBeInstanceOf(ShopNotFoundError);
    await expect(grantBonus(db, "not-a-uuid", { credits: 1, key: "ghost2" })).rejects.toBeInstanceOf(ShopNotFoundError);
    expect(await db.creditLedgerEntry.count({ where: { shopId: shop.id } })).toBe(0);
  });

  it("credits_post itself refuses bad JSON entries without writing", async () => {
    const shop = await makeShop(h);
    const call = (entries: unknown) =>
      db.$queryRaw<{ r: { status: string } }[]>`select public.credits_post(${shop.id}::uuid, ${JSON.stringify(entries)}::jsonb) as r`;
    for (const bad of [
      {},
      [],
      [{ key: "a", type: "bonus", amount: "abc" }],
      [{ key: "a", type: "gift", amount: 1 }],
      [{ key: "a", type: "spend", amount: 3, job_id: randomUUID() }],
      [{ key: "a", type: "refund", amount: 3 }],
      [{ key: "a", type: "bonus", amount: 1 }, { key: "a", type: "bonus", amount: 1 }],
      [{ key: "", type: "bonus", amount: 1 }],
    ]) {
      const [row] = await call(bad);
      expect(row!.r.status, JSON.stringify(bad)).toBe("invalid");
    }
    expect(await db.creditLedgerEntry.count({ where: { shopId: shop.id } })).toBe(0);
  });

  it("gives the welcome bonus exactly once per shop, across reinstalls", async () => {
    const domain = uniqueShopDomain("welcome");
    const shop = await recordInstall(db, { domain, welcomeCredits: 10 });
    await recordInstall(db, { domain, welcomeCredits: 10 });
    await handleUninstall(db, domain);
    const again = await recordInstall(db, { domain, welcomeCredits: 10 });
    expect(again.id).toBe(shop.id);
    expect(again.uninstalledAt).toBeNull();
    expect(await getBalance(db, shop.id)).toBe(10);
    const bonus = await db.creditLedgerEntry.findMany({ where: { shopId: shop.id } });
    expect(bonus).toHaveLength(1);
    expect(bonus[0]!.idempotencyKey).toBe(keys.welcomeBonus(shop.id));
  });
});

describe("invariants enforced by the database", () => {
  it("refuses updates, deletes and truncation of ledger rows", async () => {
    const shop = await makeShop(h);
    await grantBonus(db, shop.id, { credits: 3, key: `b-${shop.id}` });
    await expect(db.$executeRaw`update credits_ledger set amount = 100 where shop_id = ${shop.id}::uuid`).rejects.toThrow(
      /append-only/,
    );
    await expect(db.$executeRaw`delete from credits_ledger where shop_id = ${shop.id}::uuid`).rejects.toThrow(/append-only/);
    await expect(db.$executeRawUnsafe("truncate credits_ledger")).rejects.toThrow(/append-only/);
    expect(await sumOfLedger(shop.id)).toBe(3);
  });

  it("refuses a balance that does not match the ledger, and negative balances", async () => {
    const shop = await makeShop(h);
    await grantBonus(db, shop.id, { credits: 3, key: `b-${shop.id}` });
    await expect(db.$executeRaw`update credit_balances set balance = 1000 where shop_id = ${shop.id}::uuid`).rejects.toThrow(
      /does not match its ledger/,
    );
    await expect(db.$executeRaw`delete from credit_balances where shop_id = ${shop.id}::uuid`).rejects.toThrow();
    // A hand-written ledger row that breaks the chain is refused.
    await expect(
      db.$executeRaw`insert into credits_ledger (shop_id, tx_type, amount, balance_after, idempotency_key)
                     values (${shop.id}::uuid, 'adjustment', 5, 100, ${`hand-${shop.id}`})`,
    ).rejects.toThrow(/balance chain/);
    await expect(
      db.$executeRaw`insert into credits_ledger (shop_id, tx_type, amount, balance_after, idempotency_key)
                     values (${shop.id}::uuid, 'adjustment', -5, 0, ${`neg-${shop.id}`})`,
    ).rejects.toThrow();
    expect(await getBalance(db, shop.id)).toBe(3);
    expect(await ledgerDiscrepancies(db)).toEqual([]);
  });

  it("refuses a generation job without its exact spend, and accepts one charged first in the same transaction", async () => {
    const shop = await makeShop(h);
    await grantPurchase(db, shop.id, { credits: 10, key: `p-${shop.id}` });
    const job = { shopId: shop.id, modelPreset: "m", posePreset: "p", scenePreset: "s", generationType: "standard" };
    await expect(db.generationJob.create({ data: { ...job, costCredits: 2 } })).rejects.toThrow(/no matching credit spend/);
    const id = randomUUID();
    await expect(
      db.$transaction(async (tx) => {
        await reserveJobs(tx, shop.id, [{ jobId: id, cost: 1 }]);
        await tx.generationJob.create({ data: { ...job, id, costCredits: 2 } });
      }),
    ).rejects.toThrow(/no matching credit spend/);
    expect(await getBalance(db, shop.id)).toBe(10);
    await db.$transaction(async (tx) => {
      await reserveJobs(tx, shop.id, [{ jobId: id, cost: 2 }]);
      await tx.generationJob.create({ data: { ...job, id, costCredits: 2 } });
    });
    expect(await getBalance(db, shop.id)).toBe(8);
    await expect(db.generationJob.update({ where: { id }, data: { costCredits: 1 } })).rejects.toThrow(/fixed/);
  });
});
