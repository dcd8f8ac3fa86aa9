import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Job, QueueEvents } from "bullmq";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { createImportRun } from "~/services/catalog/import.server";
import { parseWorkerEnv } from "../../worker/env.server";
import { startFleet } from "../../worker/fleet";
import { makeQueue, redisConnection } from "../../worker/queues";
import { makeShop, useTestDb } from "../support/db";
import { storeOfflineSession } from "../support/shopify";
import { useSimulator } from "../support/simulator";

const h = useTestDb(4);
const sim = await useSimulator({ products: 30 });
process.env.SHOPIFY_SIMULATOR_URL = sim.url;
const root = mkdtempSync(path.join(tmpdir(), "atelier-worker-import-"));
const source = { ...process.env, WORKER_QUEUES: "import", LOG_LEVEL: "silent", LOCAL_STORAGE_DIR: root, FETCH_ALLOWED_ORIGINS: sim.url };
const env = parseWorkerEnv(source);
const fleet = await startFleet(env, pino({ level: "silent" }), source);
const connection = redisConnection(env.REDIS_URL);
const queue = makeQueue("import", connection, env.REDIS_PREFIX);
const events = new QueueEvents("import", { connection: redisConnection(env.REDIS_URL), prefix: env.REDIS_PREFIX });
afterAll(async () => {
  await events.close();
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
  await fleet.close();
  rmSync(root, { recursive: true, force: true });
});
await events.waitUntilReady();

describe("import queue", () => {
  it("delays a THROTTLED import without spending an attempt, then finishes it", async () => {
    const shop = await makeShop(h, { label: "worker-import" });
    await storeOfflineSession(h.prisma, shop.domain);
    // The app's stored token must be one the simulated shop issued.
    const token = await sim.accessToken(shop.domain);
    await h.prisma.session.update({ where: { id: `offline_${shop.domain}` }, data: { accessToken: token } });
    const products = (await sim.gql<{ products: { nodes: { id: string }[] } }>("{ products(first: 10) { nodes { id } } }", {}, token)).body.data!.products.nodes;
    const run = await createImportRun(h.prisma, shop.id, { productIds: products.map((p) => p.id) });

    // Another app instance has just used up the shop's bucket.
    sim.runtime.state.shop(shop.domain).bucket.available = 0;
    sim.runtime.state.shop(shop.domain).bucket.at = Date.now();
    let delayed = 0;
    events.on("delayed", ({ jobId }) => jobId === run.id && delayed++);
    const job = await queue.add("import", { shopId: shop.id, runId: run.id }, { jobId: run.id, attempts: 1 });
    await job.waitUntilFinished(events, 30_000);

    expect(delayed).toBeGreaterThan(0);
    // With a single attempt allowed, completing after the delay proves the delay did not spend it.
    const finished = await Job.fromId(queue, run.id);
    expect(await finished?.isCompleted()).toBe(true);
    expect(finished?.attemptsMade).toBe(1);
    const saved = await h.prisma.importRun.findUniqueOrThrow({ where: { id: run.id } });
    expect(saved.status).toBe("completed");
    expect(saved.imagesImported).toBeGreaterThan(0);
    expect(await h.prisma.asset.count({ where: { shopId: shop.id } })).toBe(saved.imagesImported);
  });

  it("marks the run failed when the shop has no access token", async () => {
    const shop = await makeShop(h, { label: "worker-noauth" });
    const run = await createImportRun(h.prisma, shop.id, { productIds: ["gid://shopify/Product/1"] });
    const job = await queue.add("import", { shopId: shop.id, runId: run.id }, { jobId: run.id });
    await job.waitUntilFinished(events, 10_000);
    const saved = await h.prisma.importRun.findUniqueOrThrow({ where: { id: run.id } });
    expect(saved.status).toBe("failed");
    expect(saved.errorMessage).toMatch(/no offline access token/);
  });
});
