import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { grantPurchase } from "~/services/credits/operations.server";
import { getBalance } from "~/services/credits/queries.server";
import { makeShop, useTestDb } from "../support/db";
import { embeddedRequest, storeOfflineSession } from "../support/shopify";

// The app's queue connection points at a Redis that is not there.
const workingRedis = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
process.env.REDIS_URL = "redis://127.0.0.1:1";
const { action } = await import("~/routes/app.shoots.new");
const { closeQueues } = await import("~/queues.server");
const { sweepPendingJobs } = await import("~/lib/generate-queue.server");
const { makeQueue, redisConnection } = await import("../../worker/queues");

const h = useTestDb(2);

describe("submitting a shoot while Redis is down", () => {
  it("creates and charges the shoot, leaves its jobs pending, and the sweeper enqueues them later", { timeout: 30_000 }, async () => {
    const shop = await makeShop(h);
    await storeOfflineSession(h.prisma, shop.domain);
    await grantPurchase(h.prisma, shop.id, { credits: 5, key: `p-${shop.id}` });
    const productId = "gid://shopify/Product/77";
    await h.prisma.asset.create({ data: { shopId: shop.id, kind: "upload", source: "shopify", bucket: "uploads", path: `${shop.id}/${randomUUID()}.jpg`, productId, mimeType: "image/jpeg", byteSize: 1n } });
    const form = new URLSearchParams({
      clientKey: randomUUID(),
      productIds: productId,
      modelPreset: "fashion_model_v1",
      posePreset: "walking",
      scenePreset: "loft",
      generationType: "standard",
      aspectRatio: "4:5",
      variations: "2",
    });
    const request = await embeddedRequest(shop.domain, "/app/shoots/new", { method: "POST", body: form, headers: { "Content-Type": "application/x-www-form-urlencoded" } });
    const outcome = await action({ request, params: {}, context: {} }).catch((e: unknown) => e);
    expect(outcome).toBeInstanceOf(Response);
    expect((outcome as Response).status).toBe(302);
    await closeQueues();
    const jobs = await h.prisma.generationJob.findMany({ where: { shopId: shop.id } });
    expect(jobs.map((j) => j.status)).toEqual(["pending", "pending"]);
    expect(await getBalance(h.prisma, shop.id)).toBe(3);

    // Redis is back: the maintenance sweeper puts them on the queue.
    const connection = redisConnection(workingRedis);
    const queue = makeQueue("generate", connection, process.env.REDIS_PREFIX!);
    try {
      expect(await sweepPendingJobs(queue, h.prisma, 0)).toBe(2);
      expect((await h.prisma.generationJob.findMany({ where: { shopId: shop.id } })).every((j) => j.status === "queued")).toBe(true);
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
      connection.disconnect();
    }
  });
});
