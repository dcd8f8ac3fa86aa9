import { afterAll, describe, expect, it } from "vitest";
import type { TriageResult } from "~/lib/operator-triage.server";
import { operatorQueues } from "~/lib/operator-queues.server";
import { closeQueues } from "~/queues.server";
import { action } from "~/routes/ops._index";
import { adjust } from "~/services/credits/operations.server";
import { reconcileLedger } from "~/services/ops/queries.server";
import { retryJobId } from "~/services/ops/retry.server";
import { useTestDb } from "../support/db";
import { args, balanceAndLedger, failedJob, outcome, shopWithStaff, staffRequest } from "./support";

const h = useTestDb(6);
afterAll(() => closeQueues());

const operator = await shopWithStaff(h, { label: "agency", role: "operator" });

async function click(jobId: string, who = operator) {
  const body = new URLSearchParams({ intent: "refund-and-retry", jobId });
  const response = (await outcome(action(args(await staffRequest(who.shop.domain, who.userId, "/ops?index", { method: "POST", body }))))) as Response;
  return { status: response.status, body: (await response.json()) as TriageResult };
}

async function ledgerOf(shopId: string) {
  return h.prisma.creditLedgerEntry.findMany({ where: { shopId }, orderBy: { seq: "asc" }, select: { txType: true, amount: true, jobId: true, idempotencyKey: true } });
}

async function expectExactLedger(shopId: string) {
  const { balance, sum } = await balanceAndLedger(h, shopId);
  expect(balance).toBe(sum);
  expect((await reconcileLedger(h.prisma)).discrepancies).toEqual([]);
}

describe("refund and retry", () => {
  it("retries a failed (already refunded) job once, charged like a regeneration, and enqueues it", async () => {
    const { shop, jobId, batchId, productId } = await failedJob(h);
    const before = await balanceAndLedger(h, shop.id);
    expect(before.balance).toBe(10);

    const first = await click(jobId);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ ok: true, retryJobId: retryJobId(jobId) });
    const retry = await h.prisma.generationJob.findUniqueOrThrow({ where: { id: retryJobId(jobId) } });
    const old = await h.prisma.generationJob.findUniqueOrThrow({ where: { id: jobId } });
    expect(retry).toMatchObject({ shopId: shop.id, batchId, productId, status: "queued", modelPreset: old.modelPreset, posePreset: old.posePreset, scenePreset: old.scenePreset, generationType: old.generationType, variation: old.variation, costCredits: old.costCredits, inputAssetId: old.inputAssetId });
    expect(old).toMatchObject({ status: "failed", regeneratedAs: retry.id });

    // The worker's refund stood; only the retry's charge is new.
    expect(await ledgerOf(shop.id)).toEqual([
      expect.objectContaining({ txType: "purchase", amount: 10 }),
      expect.objectContaining({ txType: "spend", amount: -1, jobId }),
      expect.objectContaining({ txType: "refund", amount: 1, jobId, idempotencyKey: `job_fail_refund_${jobId}` }),
      expect.objectContaining({ txType: "spend", amount: -1, jobId: retry.id, idempotencyKey: `job_reserve_${retry.id}` }),
    ]);
    expect((await balanceAndLedger(h, shop.id)).balance).toBe(9);
    await expectExactLedger(shop.id);

    const queued = await operatorQueues().get("generate")!.getJob(retry.id);
    expect(queued?.data).toEqual({ shopId: shop.id, jobId: retry.id });

    // Who did it is on the record, in the merchant's shop's job history.
    const events = await h.prisma.jobEvent.findMany({ where: { jobId: { in: [jobId, retry.id] }, event: { in: ["operator_retry", "created"] } } });
    expect(events.find((e) => e.event === "operator_retry")?.detail).toEqual({ retryJobId: retry.id, operatorUserId: operator.userId, operatorShopId: operator.shop.id });
    expect(events.find((e) => e.jobId === retry.id)?.detail).toMatchObject({ retries: jobId, operatorUserId: operator.userId });
  });

  it("a double click, sequential or at once, makes one retry and one charge", async () => {
    const { shop, jobId } = await failedJob(h);
    const [a, b] = await Promise.all([click(jobId), click(jobId)]);
    const again = await click(jobId);
    for (const r of [a, b, again]) expect(r.body).toMatchObject({ ok: true, retryJobId: retryJobId(jobId) });
    expect([a, b, again].filter((r) => r.body.ok && r.body.message.startsWith("Already retried"))).toHaveLength(2);
    expect(await h.prisma.generationJob.count({ where: { shopId: shop.id } })).toBe(2);
    const ledger = await ledgerOf(shop.id);
    expect(ledger.filter((e) => e.txType === "spend")).toHaveLength(2);
    expect(ledger.filter((e) => e.txType === "refund")).toHaveLength(1);
    expect((await balanceAndLedger(h, shop.id)).balance).toBe(9);
    await expectExactLedger(shop.id);
  });

  it("refunds a failed job that never was, exactly once, before retrying it", async () => {
    const { shop, jobId } = await failedJob(h, { refunded: false });
    expect((await balanceAndLedger(h, shop.id)).balance).toBe(9);
    const [a, b] = await Promise.all([click(jobId), click(jobId)]);
    expect([a, b].map((r) => r.body.ok)).toEqual([true, true]);
    expect([a, b].filter((r) => r.body.ok && r.body.message.includes("refunded first"))).toHaveLength(1);
    const ledger = await ledgerOf(shop.id);
    expect(ledger.filter((e) => e.txType === "refund")).toEqual([expect.objectContaining({ amount: 1, jobId, idempotencyKey: `job_fail_refund_${jobId}` })]);
    expect(ledger.filter((e) => e.txType === "spend").map((e) => e.jobId)).toEqual([jobId, retryJobId(jobId)]);
    // Spent 1, refunded 1, retry charged 1.
    expect((await balanceAndLedger(h, shop.id)).balance).toBe(9);
    await expectExactLedger(shop.id);
    const refundEvent = await h.prisma.jobEvent.findFirstOrThrow({ where: { jobId, event: "operator_refund" } });
    expect(refundEvent.detail).toEqual({ operatorUserId: operator.userId, operatorShopId: operator.shop.id });
  });

  it("refuses what it cannot retry, changing nothing", async () => {
    const poor = await failedJob(h, { credits: 1 });
    // The refunded credit went on something else: the retry cannot be paid for.
    await adjust(h.prisma, poor.shop.id, { amount: -1, key: `adj-${poor.shop.id}`, description: "Correction" });
    const broke = await click(poor.jobId);
    expect(broke.status).toBe(409);
    expect(broke.body).toMatchObject({ ok: false, error: expect.stringContaining("credits") });
    expect(await h.prisma.generationJob.count({ where: { shopId: poor.shop.id } })).toBe(1);
    await expectExactLedger(poor.shop.id);

    const { shop, jobId } = await failedJob(h, { variations: 2 });
    const pending = await h.prisma.generationJob.findFirstOrThrow({ where: { shopId: shop.id, id: { not: jobId } } });
    expect(await click(pending.id)).toMatchObject({ status: 409, body: { ok: false, error: "Only failed jobs can be retried; this one is pending." } });
    expect(await click(crypto.randomUUID())).toMatchObject({ status: 404, body: { ok: false, error: "Job not found." } });
    expect(await click("not-a-job")).toMatchObject({ status: 400 });

    await h.prisma.generationBatch.updateMany({ where: { shopId: shop.id }, data: { cancelledAt: new Date() } });
    expect(await click(jobId)).toMatchObject({ status: 409, body: { ok: false, error: "The merchant cancelled this shoot." } });
    expect(await h.prisma.generationJob.count({ where: { shopId: shop.id } })).toBe(2);
    await expectExactLedger(shop.id);
  });
});
