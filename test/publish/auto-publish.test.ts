import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { enqueueGenerationJobs } from "~/lib/generate-queue.server";
import { grantPurchase } from "~/services/credits/operations.server";
import { createShoot } from "~/services/shoots/create.server";
import { renderGarment } from "../../dev/shopify/images";
import { parseWorkerEnv } from "../../worker/env.server";
import { startFleet } from "../../worker/fleet";
import { makeQueue, redisConnection } from "../../worker/queues";
import { useTestDb } from "../support/db";
import { addProductPhoto } from "../support/photos";
import { storeOfflineSession } from "../support/shopify";
import { useSimulator } from "../support/simulator";
import { connectedShop, productState, tempStorage } from "./support";

const h = useTestDb(6);
const sim = await useSimulator({ products: 12 });
process.env.SHOPIFY_SIMULATOR_URL = sim.url;
const { root, storage } = tempStorage("auto-publish");
const source = { ...process.env, WORKER_QUEUES: "generate,publish", LOG_LEVEL: "silent", LOCAL_STORAGE_DIR: root };
const env = parseWorkerEnv(source);
const fleet = await startFleet(env, pino({ level: "silent" }), source);
const connection = redisConnection(env.REDIS_URL);
const generate = makeQueue("generate", connection, env.REDIS_PREFIX);
afterAll(async () => {
  await generate.obliterate({ force: true });
  await generate.close();
  connection.disconnect();
  await fleet.close();
});

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 90_000): Promise<T> {
  const stop = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > stop) throw new Error(`timed out: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("auto-publish", () => {
  it("puts each photo that passes the gate on its product as it completes, with the shop's position", { timeout: 120_000 }, async () => {
    const { shop, token } = await connectedShop(h, sim, "auto-pub");
    await storeOfflineSession(h.prisma, shop.domain);
    await h.prisma.session.update({ where: { id: `offline_${shop.domain}` }, data: { accessToken: token } });
    await h.prisma.shop.update({ where: { id: shop.id }, data: { settings: { autoPublish: true, publishPosition: "featured" } } });
    await grantPurchase(h.prisma, shop.id, { credits: 10, key: `auto-${shop.id}` });
    const state = sim.runtime.state.shop(shop.domain);
    const products = [...state.products.values()].filter((p) => p.mediaIds.length > 0).slice(0, 2);
    for (const p of products) {
      const spec = state.media.get(p.mediaIds[0]!)!.source;
      if (spec.kind !== "generated") throw new Error("expected a generated catalog photo");
      await addProductPhoto(h, storage, { shopId: shop.id, productId: `gid://shopify/Product/${p.id}`, bytes: await renderGarment(spec.spec), width: 800, height: 800 });
    }
    const before = new Map(products.map((p) => [p.id, [...p.mediaIds]]));
    const shoot = await createShoot(h.prisma, shop.id, {
      clientKey: `auto-${shop.id}`,
      productIds: products.map((p) => `gid://shopify/Product/${p.id}`),
      options: { modelPreset: "fashion_model_v1", posePreset: "standing", scenePreset: "studio", generationType: "standard" },
    });
    await enqueueGenerationJobs(generate, h.prisma, shop.id, shoot.jobIds);

    const rows = await until(
      () => h.prisma.publication.findMany({ where: { shopId: shop.id } }),
      (r) => r.length === products.length && r.every((p) => p.status === "ready" || p.status === "failed"),
    );
    expect(rows.map((r) => r.status)).toEqual(products.map(() => "ready"));
    const jobs = await h.prisma.generationJob.findMany({ where: { batchId: shoot.batchId } });
    expect(jobs.map((j) => [j.status, j.needsReview, j.reviewState])).toEqual(products.map(() => ["completed", false, "approved"]));
    for (const p of products) {
      const after = (await productState(sim, token, `gid://shopify/Product/${p.id}`))!;
      const ours = rows.find((r) => r.productId === `gid://shopify/Product/${p.id}`)!;
      expect(after.media.map((m) => m.id)).toEqual([ours.mediaId, ...before.get(p.id)!.map((id) => `gid://shopify/MediaImage/${id}`)]);
    }
  });
});
