import { randomUUID } from "node:crypto";
import { UnrecoverableError, Worker } from "bullmq";
import { describe, expect, it } from "vitest";
import { enqueueGenerationJobs, recoverLostJobs } from "~/lib/generate-queue.server";
import { grantPurchase } from "~/services/credits/operations.server";
import { getBalance } from "~/services/credits/queries.server";
import { createShoot } from "~/services/shoots/create.server";
import { makeShop, useTestDb } from "../support/db";
import { useGenerateQueue } from "../support/generate-queue";

// Queued photos whose queue entries are gone (Redis lost its data) or were failed by the
// queue while the database could not be told: the sweep repairs both, once.

const h = useTestDb(2);
const { connection, queue } = useGenerateQueue();

describe("recovering generate jobs the queue lost", () => {
  it("puts back queued jobs the queue does not know, fails and refunds ones it failed, and leaves waiting ones alone", async () => {
    const shop = await makeShop(h);
    await grantPurchase(h.prisma, shop.id, { credits: 3, key: `p-${shop.id}` });
    const productIds = [1, 2, 3].map((n) => `gid://shopify/Product/${n}`);
    for (const productId of productIds) {
      await h.prisma.asset.create({
        data: { shopId: shop.id, kind: "upload", source: "shopify", bucket: "uploads", path: `${shop.id}/${randomUUID()}.jpg`, productId, mimeType: "image/jpeg", byteSize: 1n, status: "active" },
      });
    }
    const s = await createShoot(h.prisma, shop.id, {
      clientKey: randomUUID(),
      productIds,
      options: { modelPreset: "fashion_model_v1", posePreset: "standing", scenePreset: "studio", generationType: "standard" },
    });
    const [lost, givenUp, waiting] = s.jobIds as [string, string, string];
    await enqueueGenerationJobs(queue, h.prisma, shop.id, [givenUp]);
    // The queue fails this one on its own, and nothing tells the database.
    const worker = new Worker(
      queue.name,
      () => {
        throw new UnrecoverableError("job stalled more than allowable limit");
      },
      { connection: connection.duplicate(), prefix: process.env.REDIS_PREFIX! },
    );
    await new Promise<void>((resolve) => worker.once("failed", () => resolve()));
    await worker.close();
    await enqueueGenerationJobs(queue, h.prisma, shop.id, [lost, waiting]);
    await (await queue.getJob(lost))!.remove();
    expect(await queue.getJobState(lost)).toBe("unknown");

    // Recently queued jobs are not looked at.
    expect(await recoverLostJobs(queue, h.prisma)).toEqual({ requeued: 0, failed: 0 });
    await h.prisma.generationJob.updateMany({ where: { id: { in: s.jobIds } }, data: { queuedAt: new Date(Date.now() - 3_600_000) } });
    expect(await recoverLostJobs(queue, h.prisma)).toEqual({ requeued: 1, failed: 1 });

    expect(["waiting", "prioritized"]).toContain(await queue.getJobState(lost));
    expect(["waiting", "prioritized"]).toContain(await queue.getJobState(waiting));
    const rows = await h.prisma.generationJob.findMany({ where: { id: { in: s.jobIds } }, select: { id: true, status: true, errorCode: true } });
    expect(Object.fromEntries(rows.map((r) => [r.id, [r.status, r.errorCode]]))).toEqual({
      [lost]: ["queued", null],
      [givenUp]: ["failed", "abandoned"],
      [waiting]: ["queued", null],
    });
    expect(await getBalance(h.prisma, shop.id)).toBe(1);
    // A second sweep changes nothing.
    expect(await recoverLostJobs(queue, h.prisma)).toEqual({ requeued: 0, failed: 0 });
    expect(await h.prisma.creditLedgerEntry.count({ where: { jobId: givenUp, txType: "refund" } })).toBe(1);
  });
});
