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

// An external provider's jobs in flight are capped fleet-wide by slots counted in
// PostgreSQL, however many workers and worker slots there are.

const h = useTestDb(8);
const root = mkdtempSync(path.join(tmpdir(), "atelier-slots-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const storage = createLocalStorage({ driver: "local", root, appUrl: "http://127.0.0.1:9", signingSecret: "s".repeat(40) });

describe("provider slots", () => {
  it("keeps at most PROVIDER_CONCURRENCY jobs submitted across two workers, and finishes them all", { timeout: 60_000 }, async () => {
    const shop = await makeShop(h);
    await grantPurchase(h.prisma, shop.id, { credits: 20, key: `g-${shop.id}` });
    const image = await sharp({ create: { width: 64, height: 96, channels: 3, background: "#334" } }).jpeg().toBuffer();
    const productIds: string[] = [];
    for (let i = 0; i < 8; i++) {
      const productId = `gid://shopify/Product/${9100 + i}`;
      await addProductPhoto(h, storage, { shopId: shop.id, productId, bytes: image, width: 64, height: 96 });
      productIds.push(productId);
    }
    const shoot = await createShoot(h.prisma, shop.id, {
      clientKey: randomUUID(),
      productIds,
      options: { modelPreset: "fashion_model_v1", posePreset: "standing", scenePreset: "studio", generationType: "standard" },
    });
    // A provider that takes ~600 ms per job and is polled for it.
    const submittedAt = new Map<string, number>();
    let inFlight = 0;
    let peak = 0;
    const provider: Provider = {
      name: "slow-async",
      label: "Slow async",
      async submit(req) {
        submittedAt.set(req.jobId, Date.now());
        peak = Math.max(peak, ++inFlight);
        return { state: "queued", providerJobId: `p-${req.jobId}` };
      },
      async status(id) {
        const jobId = id.slice(2);
        if (Date.now() - submittedAt.get(jobId)! < 600) return { state: "running", providerJobId: id };
        inFlight--;
        return { state: "succeeded", providerJobId: id, output: { kind: "image", image, mimeType: "image/jpeg" } };
      },
    };
    const prefix = `${process.env.REDIS_PREFIX}-slots`;
    const connection = redisConnection(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
    const queue = makeQueue("generate", connection, prefix);
    const workers = [0, 1].map(
      () =>
        new Worker(
          "generate",
          generateProcessor({ db: h.prisma, storage, provider, log: pino({ level: "silent" }), providerConcurrency: 3, checkDelayMs: { first: 100, max: 200 }, fidelityGate: false }),
          { connection: redisConnection(process.env.REDIS_URL ?? "redis://127.0.0.1:6379"), prefix, concurrency: 8 },
        ),
    );
    let dbPeak = 0;
    try {
      await enqueueGenerationJobs(queue, h.prisma, shop.id, shoot.jobIds);
      for (;;) {
        const submitted = await h.prisma.generationJob.count({ where: { batchId: shoot.batchId, status: "processing", submittedAt: { not: null } } });
        dbPeak = Math.max(dbPeak, submitted);
        const done = await h.prisma.generationJob.count({ where: { batchId: shoot.batchId, status: "completed" } });
        if (done === 8) break;
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await Promise.all(workers.map((w) => w.close()));
      await queue.obliterate({ force: true });
      await queue.close();
      connection.disconnect();
    }
    expect(peak).toBe(3);
    expect(dbPeak).toBeLessThanOrEqual(3);
    const waits = await h.prisma.jobEvent.count({ where: { shopId: shop.id, event: "retry" } });
    expect(waits).toBe(0);
  });
});
