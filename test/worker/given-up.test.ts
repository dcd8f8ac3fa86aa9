import { randomUUID } from "node:crypto";
import { UnrecoverableError, Worker, type Job } from "bullmq";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { grantPurchase } from "~/services/credits/operations.server";
import { getBalance } from "~/services/credits/queries.server";
import { createShoot } from "~/services/shoots/create.server";
import { claimJob, completeJob } from "~/services/shoots/job-state.server";
import { settleGivenUpJob } from "../../worker/given-up";
import { makeShop, useTestDb } from "../support/db";
import { useGenerateQueue } from "../support/generate-queue";

// A generate job the queue gives up on by itself (past the stall limit, BullMQ fails it
// with "job stalled more than allowable limit" before any processor runs): the photo is
// failed and refunded in the database, once, and a finished photo is left alone.

const h = useTestDb(2);
const { connection, queue } = useGenerateQueue();
const suffix = randomUUID().slice(0, 8);
const log = pino({ level: "silent" });

describe("a generate job the queue gave up on", () => {
  it("is failed and refunded once; a completed one is untouched", async () => {
    const shop = await makeShop(h);
    await grantPurchase(h.prisma, shop.id, { credits: 2, key: `p-${shop.id}` });
    for (const n of [1, 2]) {
      await h.prisma.asset.create({
        data: { shopId: shop.id, kind: "upload", source: "shopify", bucket: "uploads", path: `${shop.id}/${n}.jpg`, productId: `gid://shopify/Product/${n}`, mimeType: "image/jpeg", byteSize: 1n, status: "active" },
      });
    }
    const s = await createShoot(h.prisma, shop.id, {
      clientKey: randomUUID(),
      productIds: ["gid://shopify/Product/1", "gid://shopify/Product/2"],
      options: { modelPreset: "fashion_model_v1", posePreset: "standing", scenePreset: "studio", generationType: "standard" },
    });
    const [abandoned, finished] = s.jobIds as [string, string];
    for (const id of s.jobIds) await claimJob(h.prisma, shop.id, id, { provider: "studio", model: "studio-compositor" });
    await completeJob(h.prisma, shop.id, finished, { bucket: "outputs", path: `${shop.id}/${finished}/v1.jpg`, mimeType: "image/jpeg", byteSize: 1, width: 1, height: 1, sha256: "0".repeat(64), productId: null });
    expect(await getBalance(h.prisma, shop.id)).toBe(0);

    const settled: Promise<boolean>[] = [];
    const worker = new Worker(
      queue.name,
      () => {
        throw new UnrecoverableError("job stalled more than allowable limit");
      },
      { connection: connection.duplicate(), prefix: process.env.REDIS_PREFIX!, autorun: true },
    );
    const failedTwice = new Promise<void>((resolve) => {
      worker.on("failed", (job: Job | undefined) => {
        if (job) settled.push(settleGivenUpJob(h.prisma, job, log));
        if (settled.length === 2) resolve();
      });
    });
    try {
      for (const jobId of [abandoned, finished]) await queue.add("generate", { shopId: shop.id, jobId }, { jobId: `${jobId}-${suffix}` });
      await failedTwice;
      expect(await Promise.all(settled)).toEqual([true, false]);
    } finally {
      await worker.close();
    }
    const rows = await h.prisma.generationJob.findMany({ where: { id: { in: s.jobIds } }, select: { id: true, status: true, errorCode: true } });
    expect(rows.find((r) => r.id === abandoned)).toMatchObject({ status: "failed", errorCode: "abandoned" });
    expect(rows.find((r) => r.id === finished)).toMatchObject({ status: "completed" });
    expect(await getBalance(h.prisma, shop.id)).toBe(1);
    // Settling the same job again changes nothing.
    const again = await queue.getJob(`${abandoned}-${suffix}`);
    expect(await settleGivenUpJob(h.prisma, again!, log)).toBe(false);
    expect(await h.prisma.creditLedgerEntry.count({ where: { jobId: abandoned, txType: "refund" } })).toBe(1);
  });
});
