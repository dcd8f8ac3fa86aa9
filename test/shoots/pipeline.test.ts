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
import { getBalance } from "~/services/credits/queries.server";
import { createShoot } from "~/services/shoots/create.server";
import { createLocalStorage } from "~/services/storage/local.server";
import { renderGarment } from "../../dev/shopify/images";
import { parseWorkerEnv } from "../../worker/env.server";
import { startFleet } from "../../worker/fleet";
import { generateProcessor } from "../../worker/generate";
import { ProviderError, type Provider } from "../../worker/providers/provider";
import { makeQueue, redisConnection } from "../../worker/queues";
import { makeShop, useTestDb } from "../support/db";
import { addProductPhoto } from "../support/photos";

const h = useTestDb(8);
const root = mkdtempSync(path.join(tmpdir(), "atelier-pipeline-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const storage = createLocalStorage({ driver: "local", root, appUrl: "http://127.0.0.1:9", signingSecret: "s".repeat(40) });
const options = { modelPreset: "fashion_model_v1", posePreset: "standing", scenePreset: "studio", generationType: "standard" } as const;
const silent = pino({ level: "silent" });

async function shopWithProducts(count: number, credits: number) {
  const shop = await makeShop(h);
  await grantPurchase(h.prisma, shop.id, { credits, key: `p-${shop.id}` });
  const productIds: string[] = [];
  for (let i = 0; i < count; i++) {
    const productId = `gid://shopify/Product/${5000 + i}`;
    const bytes = await renderGarment({ garment: i % 2 ? "tee" : "dress", colour: i % 2 ? "Rust" : "Navy", pattern: "solid", view: "front" });
    await addProductPhoto(h, storage, { shopId: shop.id, productId, bytes, width: 800, height: 800 });
    productIds.push(productId);
  }
  return { shop, productIds };
}

async function waitForJobs(batchId: string, done: (statuses: string[]) => boolean, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const jobs = await h.prisma.generationJob.findMany({ where: { batchId }, select: { status: true } });
    if (done(jobs.map((j) => j.status))) return jobs;
    if (Date.now() > until) throw new Error(`jobs still ${jobs.map((j) => j.status).join(",")}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("the generate pipeline", () => {
  it("two worker fleets shoot every photo once with the studio provider", { timeout: 120_000 }, async () => {
    const source = { ...process.env, WORKER_QUEUES: "generate", GENERATE_CONCURRENCY: "2", LOCAL_STORAGE_DIR: root, LOG_LEVEL: "silent" };
    const env = parseWorkerEnv(source);
    const fleets = [await startFleet(env, silent, source), await startFleet(env, silent, source)];
    const connection = redisConnection(env.REDIS_URL);
    const queue = makeQueue("generate", connection, env.REDIS_PREFIX);
    afterAll(async () => {
      await Promise.all(fleets.map((f) => f.close()));
      await queue.obliterate({ force: true });
      await queue.close();
      connection.disconnect();
    });
    const { shop, productIds } = await shopWithProducts(3, 20);
    const shoot = await createShoot(h.prisma, shop.id, { clientKey: randomUUID(), productIds, options: { ...options, variations: 2 } });
    await enqueueGenerationJobs(queue, h.prisma, shop.id, shoot.jobIds);
    await waitForJobs(shoot.batchId, (s) => s.every((x) => x === "completed"));

    const outputs = await h.prisma.asset.findMany({ where: { shopId: shop.id, kind: "output" } });
    expect(outputs).toHaveLength(6);
    expect(new Set(outputs.map((o) => o.jobId)).size).toBe(6);
    for (const o of outputs) {
      expect(o.path).toMatch(new RegExp(`^${shop.id}/${o.jobId}/v[12]\\.jpg$`));
      const meta = await sharp(await storage.get("outputs", o.path)).metadata();
      expect(Math.max(meta.width!, meta.height!)).toBe(2048);
    }
    const events = await h.prisma.jobEvent.findMany({ where: { jobId: shoot.jobIds[0] }, orderBy: { id: "asc" } });
    // "queued" may land before or after a fast worker's claim; the rest is ordered.
    const names = events.map((e) => e.event).filter((e) => e !== "queued");
    expect(names).toEqual(["created", "processing", "completed"]);
    expect(await getBalance(h.prisma, shop.id)).toBe(14);
  });

  describe("failures", () => {
    const connection = redisConnection(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
    const prefix = `${process.env.REDIS_PREFIX}-failures`;
    const queue = makeQueue("generate", connection, prefix);
    let behaviour: (jobId: string, attempt: number) => void = () => undefined;
    const attempts = new Map<string, number>();
    const provider: Provider = {
      name: "test",
      label: "Test",
      async submit(req) {
        const n = (attempts.get(req.jobId) ?? 0) + 1;
        attempts.set(req.jobId, n);
        behaviour(req.jobId, n);
        const image = await sharp({ create: { width: 64, height: 96, channels: 3, background: "#808080" } }).jpeg().toBuffer();
        return { state: "succeeded", output: { kind: "image", image, mimeType: "image/jpeg" } };
      },
    };
    const worker = new Worker("generate", generateProcessor({ db: h.prisma, storage, provider, log: silent }), {
      connection: redisConnection(process.env.REDIS_URL ?? "redis://127.0.0.1:6379"),
      prefix,
      concurrency: 4,
    });
    afterAll(async () => {
      await worker.close();
      await queue.obliterate({ force: true });
      await queue.close();
      connection.disconnect();
    });

    it("fails a permanent error at once and refunds it exactly once", async () => {
      const { shop, productIds } = await shopWithProducts(1, 5);
      const shoot = await createShoot(h.prisma, shop.id, { clientKey: randomUUID(), productIds, options });
      behaviour = () => {
        throw new ProviderError("permanent", "content_refused", "The provider refused this image.");
      };
      await enqueueGenerationJobs(queue, h.prisma, shop.id, shoot.jobIds, { backoffMs: 10 });
      const [job] = await waitForJobs(shoot.batchId, (s) => s.every((x) => x === "failed"));
      expect(job).toBeDefined();
      expect(attempts.get(shoot.jobIds[0]!)).toBe(1);
      const refunds = await h.prisma.creditLedgerEntry.findMany({ where: { shopId: shop.id, txType: "refund" } });
      expect(refunds).toHaveLength(1);
      expect(await getBalance(h.prisma, shop.id)).toBe(5);
      const row = await h.prisma.generationJob.findUniqueOrThrow({ where: { id: shoot.jobIds[0] } });
      expect(row).toMatchObject({ errorCode: "content_refused", errorMessage: "The provider refused this image." });
    });

    it("retries transient errors and completes; after the last attempt fails and refunds once", async () => {
      const { shop, productIds } = await shopWithProducts(2, 5);
      const shoot = await createShoot(h.prisma, shop.id, { clientKey: randomUUID(), productIds, options });
      const [flaky, broken] = shoot.jobIds as [string, string];
      behaviour = (jobId, attempt) => {
        if ((jobId === flaky && attempt < 3) || jobId === broken) throw new ProviderError("transient", "upstream_503", "Provider unavailable");
      };
      await enqueueGenerationJobs(queue, h.prisma, shop.id, shoot.jobIds, { backoffMs: 10 });
      await waitForJobs(shoot.batchId, (s) => s.every((x) => x === "completed" || x === "failed"));
      const rows = await h.prisma.generationJob.findMany({ where: { batchId: shoot.batchId } });
      const byId = new Map(rows.map((r) => [r.id, r]));
      expect(byId.get(flaky)).toMatchObject({ status: "completed", attempts: 3 });
      expect(byId.get(broken)).toMatchObject({ status: "failed", attempts: 4, errorCode: "upstream_503" });
      expect(await h.prisma.creditLedgerEntry.count({ where: { shopId: shop.id, txType: "refund" } })).toBe(1);
      expect(await getBalance(h.prisma, shop.id)).toBe(5 - 1);
      const retries = await h.prisma.jobEvent.count({ where: { jobId: flaky, event: "retry" } });
      expect(retries).toBe(2);
    });
  });
});
