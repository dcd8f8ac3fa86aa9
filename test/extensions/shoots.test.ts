import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { adminAppUrl } from "~/lib/admin-url.server";
import { closeQueues } from "~/queues.server";
import { action } from "~/routes/api.extensions.shoots";
import { getBalance } from "~/services/credits/queries.server";
import { saveLook } from "~/services/shoots/looks.server";
import { useTestDb } from "../support/db";
import { call, extensionShop, post, product } from "./support";
import type { CreateShootResponse } from "../../extensions/shared/contract";

const h = useTestDb(4);
afterAll(() => closeQueues());

const PATH = "/api/extensions/shoots";
const hd = { modelPreset: "fashion_model_v1_petite", posePreset: "walking", scenePreset: "street", generationType: "hd", aspectRatio: "3:4", variations: 1 };
const shoot = (shop: string, body: Record<string, unknown>) => post<CreateShootResponse>(action, shop, PATH, { clientKey: randomUUID(), ...body });

async function nothingCreated(shopId: string, balance: number) {
  expect(await h.prisma.generationBatch.count({ where: { shopId } })).toBe(0);
  expect(await h.prisma.generationJob.count({ where: { shopId } })).toBe(0);
  expect(await getBalance(h.prisma, shopId)).toBe(balance);
}

describe("POST /api/extensions/shoots", () => {
  it("creates the shoot, reserves its price, enqueues it after commit and links to it in the app", async () => {
    const shop = await extensionShop(h, { label: "ext-shoot", credits: 10, withPhotos: [product(1), product(2)] });
    const r = await shoot(shop.domain, { productIds: [product(1), product(2)], options: hd, variations: 2 });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ cost_credits: 8, remaining_credits: 2, replayed: false });
    expect(r.body.job_ids).toHaveLength(4);
    expect(r.body.shoot_url).toBe(adminAppUrl(shop.domain, `/app/shoots/${r.body.batch_id}`));
    expect(r.headers.get("Access-Control-Allow-Origin")).toBe("*");

    const batch = await h.prisma.generationBatch.findUniqueOrThrow({ where: { id: r.body.batch_id }, include: { jobs: true } });
    expect(batch).toMatchObject({ shopId: shop.id, costCredits: 8, jobCount: 4, source: "extension" });
    expect(new Set(batch.jobs.map((j) => j.productId))).toEqual(new Set([product(1), product(2)]));
    expect(batch.jobs.every((j) => j.generationType === "hd" && j.scenePreset === "street" && j.costCredits === 2)).toBe(true);
    // Queued on Redis once the transaction had committed.
    expect(batch.jobs.map((j) => j.status)).toEqual(["queued", "queued", "queued", "queued"]);
    expect(await getBalance(h.prisma, shop.id)).toBe(2);
  });

  it("returns the same shoot for the same client key (a double click), charging once", async () => {
    const shop = await extensionShop(h, { label: "ext-replay", credits: 5, withPhotos: [product(1)] });
    const clientKey = randomUUID();
    const first = await shoot(shop.domain, { clientKey, productIds: [product(1)], options: hd });
    const again = await shoot(shop.domain, { clientKey, productIds: [product(1)], options: hd });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ batch_id: first.body.batch_id, job_ids: first.body.job_ids, replayed: true, remaining_credits: 3 });
    expect(await h.prisma.generationBatch.count({ where: { shopId: shop.id } })).toBe(1);
  });

  it("shoots with a saved look of the shop; another shop's look is not found", async () => {
    const shop = await extensionShop(h, { label: "ext-look", credits: 20, withPhotos: [product(3)] });
    const other = await extensionShop(h, { label: "ext-look-other", credits: 20, withPhotos: [product(3)] });
    const look = await saveLook(h.prisma, shop.id, { name: "Loft", options: { modelPreset: "fashion_model_v1_neutral", posePreset: "seated", scenePreset: "loft", generationType: "standard", variations: 2 } });
    const r = await shoot(shop.domain, { productIds: [product(3)], lookId: look.id });
    expect(r.status).toBe(201);
    expect(r.body.cost_credits).toBe(2);
    const jobs = await h.prisma.generationJob.findMany({ where: { batchId: r.body.batch_id } });
    expect(jobs.map((j) => [j.modelPreset, j.scenePreset])).toEqual([
      ["fashion_model_v1_neutral", "loft"],
      ["fashion_model_v1_neutral", "loft"],
    ]);

    const foreign = await shoot(other.domain, { productIds: [product(3)], lookId: look.id });
    expect(foreign.status).toBe(404);
    expect(foreign.body.code).toBe("look_not_found");
    await nothingCreated(other.id, 20);
  });

  it("refuses a shoot the balance cannot pay with 402, creating nothing", async () => {
    const shop = await extensionShop(h, { label: "ext-poor", credits: 3, withPhotos: [product(1), product(2)] });
    const r = await shoot(shop.domain, { productIds: [product(1), product(2)], options: hd });
    expect(r.status).toBe(402);
    expect(r.body).toEqual({ error: "This shoot costs 4 credits and your balance is 3.", code: "insufficient_credits", required: 4, balance: 3 });
    expect(r.headers.get("Access-Control-Allow-Origin")).toBe("*");
    await nothingCreated(shop.id, 3);
  });

  it("refuses new spending while credits are owed with 402", async () => {
    const shop = await extensionShop(h, { label: "ext-owed", credits: 10, withPhotos: [product(1)] });
    await h.prisma.creditDebt.create({ data: { shopId: shop.id, amount: 4, reason: "refund", idempotencyKey: `debt-${shop.id}` } });
    const r = await shoot(shop.domain, { productIds: [product(1)], options: hd });
    expect(r.status).toBe(402);
    expect(r.body.code).toBe("credits_owed");
    await nothingCreated(shop.id, 10);
  });

  it("refuses a shoot over the hourly limit with 429 and when to retry", async () => {
    const shop = await extensionShop(h, { label: "ext-limit", credits: 20, withPhotos: [product(1), product(2)] });
    await h.prisma.shop.update({ where: { id: shop.id }, data: { settings: { jobsPerHour: 3 } } });
    const ok = await shoot(shop.domain, { productIds: [product(1), product(2)], options: { ...hd, generationType: "standard" } });
    expect(ok.status).toBe(201);
    const over = await shoot(shop.domain, { productIds: [product(1), product(2)], options: { ...hd, generationType: "standard" } });
    expect(over.status).toBe(429);
    expect(over.body.code).toBe("rate_limited");
    expect(Number(over.headers.get("Retry-After"))).toBeGreaterThan(3000);
    expect(new Date(over.body.retry_at!).getTime()).toBeGreaterThan(Date.now());
    expect(await h.prisma.generationBatch.count({ where: { shopId: shop.id } })).toBe(1);
    expect(await getBalance(h.prisma, shop.id)).toBe(18);
  });

  it("names the products without a photo in Atelier (a clear 400), creating nothing", async () => {
    const shop = await extensionShop(h, { label: "ext-missing", credits: 10, withPhotos: [product(1)] });
    const r = await shoot(shop.domain, { productIds: [product(1), product(2), product(3)], options: hd });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({
      error: "2 of the chosen products have no photo in Atelier yet; import their images first.",
      code: "missing_photos",
      product_ids: [product(2), product(3)],
    });
    await nothingCreated(shop.id, 10);
  });

  it("treats another shop's products as products without photos, and keeps client keys per shop", async () => {
    const a = await extensionShop(h, { label: "ext-scope-a", credits: 10, withPhotos: [product(50)] });
    const b = await extensionShop(h, { label: "ext-scope-b", credits: 10 });
    const clientKey = randomUUID();
    const own = await shoot(a.domain, { clientKey, productIds: [product(50)], options: hd });
    expect(own.status).toBe(201);

    const foreign = await shoot(b.domain, { productIds: [product(50)], options: hd });
    expect(foreign.status).toBe(400);
    expect(foreign.body).toMatchObject({ code: "missing_photos", product_ids: [product(50)] });
    // A's client key from B is B's own (new) request, never A's shoot.
    const sameKey = await shoot(b.domain, { clientKey, productIds: [product(50)], options: hd });
    expect(sameKey.status).toBe(400);
    expect(JSON.stringify(sameKey.body)).not.toContain(own.body.batch_id);
    await nothingCreated(b.id, 10);
    expect(await getBalance(h.prisma, a.id)).toBe(8);
  });

  it("refuses malformed requests with 400, 413 or 415", async () => {
    const shop = await extensionShop(h, { label: "ext-bad", credits: 10, withPhotos: [product(1)] });
    const look = await saveLook(h.prisma, shop.id, { name: "L", options: hd });
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ productIds: [] }, /at least one product/],
      [{ productIds: ["gid://shopify/ProductVariant/1"] }, /not a Shopify product id/],
      [{ productIds: Array.from({ length: 251 }, (_, i) => product(i + 1)), options: hd }, /at most 250 products/],
      [{ productIds: [product(1)], clientKey: "short" }, /clientKey/],
      [{ productIds: [product(1)], options: { ...hd, scenePreset: "moon" } }, /scenePreset/],
      [{ productIds: [product(1)], options: { ...hd, prompt: "x".repeat(501) } }, /under 500 characters/],
      [{ productIds: [product(1)], options: hd, variations: 9 }, /variations/],
    ];
    for (const [body, message] of cases) {
      const r = await shoot(shop.domain, body);
      expect(r.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(r.body.error).toMatch(message);
    }
    const both = await shoot(shop.domain, { productIds: [product(1)], options: hd, lookId: look.id });
    expect(both.status).toBe(400);
    expect(both.body.code).toBe("invalid_selection");

    const notJson = await call(action, shop.domain, PATH, { method: "POST", body: "{not json" });
    expect(notJson.status).toBe(400);
    const form = await call(action, shop.domain, PATH, { method: "POST", body: `productIds=${product(1)}`, headers: { "Content-Type": "application/x-www-form-urlencoded" } });
    expect(form.status).toBe(415);
    const huge = await shoot(shop.domain, { productIds: [product(1)], options: { ...hd, prompt: "x".repeat(40_000) } });
    expect(huge.status).toBe(413);
    await nothingCreated(shop.id, 10);
  });
});
