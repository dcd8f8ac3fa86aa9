import { QueueEvents } from "bullmq";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { enqueuePublications, sweepPublications } from "~/lib/publish-queue.server";
import { requestPublish } from "~/services/publish/requests.server";
import { parseWorkerEnv } from "../../worker/env.server";
import { startFleet } from "../../worker/fleet";
import { makeQueue, redisConnection } from "../../worker/queues";
import { useTestDb } from "../support/db";
import { finishedPhoto, outputImage } from "../support/outputs";
import { storeOfflineSession } from "../support/shopify";
import { useSimulator } from "../support/simulator";
import { connectedShop, productState, tempStorage } from "./support";

const h = useTestDb(6);
// Shopify's standard bucket: 1,000 points restoring at 50 a second.
const sim = await useSimulator({
  products: 30,
  bucketSize: 1000,
  restoreRate: 50,
});
process.env.SHOPIFY_SIMULATOR_URL = sim.url;
const { root, storage } = tempStorage("publish-queue");
const source = {
  ...process.env,
  WORKER_QUEUES: "publish",
  PUBLISH_CONCURRENCY: "4",
  LOG_LEVEL: "silent",
  LOCAL_STORAGE_DIR: root,
};
const env = parseWorkerEnv(source);
const fleet = await startFleet(env, pino({ level: "silent" }), source);
const connection = redisConnection(env.REDIS_URL);
const queue = makeQueue("publish", connection, env.REDIS_PREFIX);
const events = new QueueEvents("publish", {
  connection: redisConnection(env.REDIS_URL),
  prefix: env.REDIS_PREFIX,
});
afterAll(async () => {
  await events.close();
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
  await fleet.close();
});
await events.waitUntilReady();

async function shopWithToken(label: string) {
  const c = await connectedShop(h, sim, label);
  await storeOfflineSession(h.prisma, c.shop.domain);
  await h.prisma.session.update({
    where: { id: `offline_${c.shop.domain}` },
    data: { accessToken: c.token },
  });
  return c;
}

async function waitFor(ids: string[], statuses: string[], timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const rows = await h.prisma.publication.findMany({
      where: { id: { in: ids } },
    });
    if (rows.every((r) => statuses.includes(r.status))) return rows;
    if (Date.now() > until) throw new Error(`publications still ${rows.map((r) => r.status).join(",")}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("the publish queue", () => {
  it("publishes a shoot through a throttled shop without spending attempts on the waits", { timeout: 90_000 }, async () => {
    const { shop, token } = await shopWithToken("pubq-shoot");
    const catalog = (
      await sim.gql<{
        products: { nodes: { id: string; mediaCount: { count: number } }[] };
      }>("{ products(first: 30) { nodes { id mediaCount { count } } } }", {}, token)
    ).body
      .data!.products.nodes.filter((p) => p.mediaCount.count > 0)
      .slice(0, 5);
    const first = await finishedPhoto(h, storage, {
      shopId: shop.id,
      productId: catalog[0]!.id,
    });
    const jobIds = [first.jobId];
    for (const [i, p] of catalog.slice(1).entries()) {
      jobIds.push(
        (
          await finishedPhoto(h, storage, {
            shopId: shop.id,
            productId: p.id,
            batchId: first.batchId,
            bytes: await outputImage(`#${(i + 2) * 111}`),
          })
        ).jobId
      );
    }
    const ids = await requestPublish(h.prisma, shop.id, jobIds, {
      position: "append",
      attachVariants: false,
    });
    expect(ids).toHaveLength(catalog.length);

    // Another app instance has just used up the shop's bucket.
    const bucket = sim.runtime.state.shop(shop.domain).bucket;
    bucket.available = 0;
    bucket.at = Date.now();
    const delayed = new Set<string>();
    events.on("delayed", ({ jobId }) => delayed.add(jobId));
    await enqueuePublications(
      queue,
      ids.map((id) => ({ id, shopId: shop.id }))
    );
    const rows = await waitFor(ids, ["ready", "failed"]);
    expect(rows.map((r) => [r.status, r.errorMessage])).toEqual(ids.map(() => ["ready", null]));
    expect(delayed.size).toBeGreaterThan(0);
    // The rows are ready a moment before BullMQ records each job as completed.
    const completed = async () => (await queue.getCompleted()).filter((j) => ids.includes(j.data.publicationId));
    await expect.poll(async () => (await completed()).length, { timeout: 10_000 }).toBe(ids.length);
    const ours = await completed();
    // The waits (throttle, processing) moved jobs to delayed; none spent a retry.
    const runs = ours.map((j) => ({ attempts: j.attemptsMade, result: j.returnvalue, stack: j.stacktrace }));
    expect(runs, JSON.stringify(runs)).toEqual(ours.map(() => ({ attempts: 1, result: "published", stack: [] })));
    // Read straight from the simulated shop: the API is what the test keeps throttled.
    const state = sim.runtime.state.shop(shop.domain);
    for (const p of catalog) {
      const product = state.products.get(Number(p.id.split("/").pop()))!;
      const pub = rows.find((r) => r.productId === p.id)!;
      expect(product.mediaIds).toHaveLength(p.mediaCount.count + 1);
      expect(`gid://shopify/MediaImage/${product.mediaIds.at(-1)}`).toBe(pub.mediaId);
    }
  });

  it("the sweeper picks up a publication nobody enqueued (Redis was down at request)", { timeout: 60_000 }, async () => {
    const { shop, token } = await shopWithToken("pubq-sweep");
    const product = (
      await sim.gql<{
        products: { nodes: { id: string; mediaCount: { count: number } }[] };
      }>("{ products(first: 5) { nodes { id mediaCount { count } } } }", {}, token)
    ).body.data!.products.nodes[0]!;
    const photo = await finishedPhoto(h, storage, {
      shopId: shop.id,
      productId: product.id,
    });
    const [id] = await requestPublish(h.prisma, shop.id, [photo.jobId], {
      position: "append",
      attachVariants: false,
    });
    expect(await sweepPublications(queue, h.prisma)).toBe(0);
    // Left pending a while: swept.
    await new Promise((r) => setTimeout(r, 400));
    expect(await sweepPublications(queue, h.prisma, 100)).toBe(1);
    await waitFor([id!], ["ready"]);
    expect((await productState(sim, token, product.id))!.media).toHaveLength(product.mediaCount.count + 1);
  });
});
