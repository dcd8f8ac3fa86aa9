import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Worker } from "bullmq";
import pino from "pino";
import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";
import { enqueueGenerationJobs } from "~/lib/generate-queue.server";
import { grantPurchase } from "~/services/credits/operations.server";
import { createShoot } from "~/services/shoots/create.server";
import { createLocalStorage } from "~/services/storage/local.server";
import { generateProcessor } from "../../worker/generate";
import type { Provider } from "../../worker/providers/provider";
import { makeQueue, redisConnection } from "../../worker/queues";
import { makeShop, useTestDb } from "../support/db";
import { addProductPhoto } from "../support/photos";

const h = useTestDb(4);
const root = mkdtempSync(path.join(tmpdir(), "atelier-fair-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const storage = createLocalStorage({ driver: "local", root, appUrl: "http://127.0.0.1:9", signingSecret: "s".repeat(40) });
const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const connection = redisConnection(redisUrl);
const queue = makeQueue("generate", connection, process.env.REDIS_PREFIX!);

async function shoot(products: number) {
  const shop = await makeShop(h);
  await grantPurchase(h.prisma, shop.id, { credits: products, key: `p-${shop.id}` });
  const input = await sharp({ create: { width: 32, height: 32, channels: 3, background: "#884422" } }).jpeg().toBuffer();
  const productIds = Array.from({ length: products }, (_, i) => `gid://shopify/Product/${9000 + i}`);
  for (const productId of productIds) await addProductPhoto(h, storage, { shopId: shop.id, productId, bytes: input });
  const created = await createShoot(h.prisma, shop.id, { clientKey: randomUUID(), productIds, options: { modelPreset: "fashion_model_v1", posePreset: "standing", scenePreset: "studio", generationType: "standard" } });
  return { shopId: shop.id, jobIds: created.jobIds };
}

describe("fairness between shops", () => {
  it("runs a small shop's shoot among the first jobs even behind a large one", { timeout: 60_000 }, async () => {
    const big = await shoot(60);
    const small = await shoot(5);
    await enqueueGenerationJobs(queue, h.prisma, big.shopId, big.jobIds);
    await enqueueGenerationJobs(queue, h.prisma, small.shopId, small.jobIds);
    const order: string[] = [];
    const image = await sharp({ create: { width: 16, height: 16, channels: 3, background: "#000" } }).jpeg().toBuffer();
    const provider: Provider = {
      name: "order",
      label: "Order",
      async submit(req) {
        order.push(req.jobId);
        return { state: "succeeded", output: { kind: "image", image, mimeType: "image/jpeg" } };
      },
    };
    const worker = new Worker("generate", generateProcessor({ db: h.prisma, storage, provider, log: pino({ level: "silent" }) }), {
      connection: redisConnection(redisUrl),
      prefix: process.env.REDIS_PREFIX!,
      concurrency: 1,
    });
    try {
      while (order.length < 65) await new Promise((r) => setTimeout(r, 50));
    } finally {
      await worker.close();
      await queue.obliterate({ force: true });
      await queue.close();
      connection.disconnect();
    }
    const lastSmall = Math.max(...small.jobIds.map((id) => order.indexOf(id)));
    // Interleaved: the 5 small jobs are done within the first 10, not after all 60.
    expect(lastSmall).toBeLessThan(10);
  });
});

describe("provider concurrency", () => {
  it("caps photos in flight across every worker of the fleet", { timeout: 60_000 }, async () => {
    const { parseWorkerEnv } = await import("../../worker/env.server");
    const { startFleet } = await import("../../worker/fleet");
    const prefix = `${process.env.REDIS_PREFIX}-cap`;
    const source = { ...process.env, REDIS_PREFIX: prefix, WORKER_QUEUES: "generate", GENERATE_CONCURRENCY: "8", PROVIDER_CONCURRENCY: "3", LOG_LEVEL: "silent" };
    // Starting a fleet sets the queue-wide cap; then count what two busy workers run at once.
    const fleet = await startFleet(parseWorkerEnv(source), pino({ level: "silent" }), source);
    await fleet.close();
    const conn = redisConnection(redisUrl);
    const q = makeQueue("generate", conn, prefix);
    expect(await q.getGlobalConcurrency()).toBe(3);
    const work = await shoot(12);
    await enqueueGenerationJobs(q, h.prisma, work.shopId, work.jobIds);
    let inFlight = 0;
    let peak = 0;
    let done = 0;
    const image = await sharp({ create: { width: 16, height: 16, channels: 3, background: "#000" } }).jpeg().toBuffer();
    const provider: Provider = {
      name: "slow",
      label: "Slow",
      async submit() {
        peak = Math.max(peak, ++inFlight);
        await new Promise((r) => setTimeout(r, 150));
        inFlight--;
        done++;
        return { state: "succeeded", output: { kind: "image", image, mimeType: "image/jpeg" } };
      },
    };
    const workers = [0, 1].map(
      () => new Worker("generate", generateProcessor({ db: h.prisma, storage, provider, log: pino({ level: "silent" }) }), { connection: redisConnection(redisUrl), prefix, concurrency: 8 }),
    );
    try {
      while (done < 12) await new Promise((r) => setTimeout(r, 50));
    } finally {
      await Promise.all(workers.map((w) => w.close()));
      await q.obliterate({ force: true });
      await q.close();
      conn.disconnect();
    }
    expect(peak).toBeLessThanOrEqual(3);
    expect(peak).toBeGreaterThan(1);
  });
});
