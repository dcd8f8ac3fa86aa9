import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { adminAppUrl } from "~/lib/admin-url.server";
import { closeQueues } from "~/queues.server";
import { action as importsAction } from "~/routes/api.extensions.imports";
import { loader } from "~/routes/api.extensions.product-outputs";
import { createShoot } from "~/services/shoots/create.server";
import { storage } from "~/storage.server";
import { useTestDb } from "../support/db";
import { finishedPhoto } from "../support/outputs";
import { call, extensionShop, post, product } from "./support";
import type { ImportResponse, ProductOutputsResponse } from "../../extensions/shared/contract";

const root = mkdtempSync(path.join(tmpdir(), "atelier-ext-outputs-"));
process.env.LOCAL_STORAGE_DIR = root;
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterAll(() => closeQueues());
const h = useTestDb(3);

const outputs = (shop: string, productId: string) =>
  call<ProductOutputsResponse>(loader, shop, `/api/extensions/product-outputs?productId=${encodeURIComponent(productId)}`);

describe("GET /api/extensions/product-outputs", () => {
  it("returns the product's 12 newest photos with their review state and short-lived thumbnails", async () => {
    const shop = await extensionShop(h, { label: "outputs", credits: 5, withPhotos: [product(1)] });
    const made: string[] = [];
    for (let i = 0; i < 14; i++) {
      const { jobId } = await finishedPhoto(h, storage(), { shopId: shop.id, productId: product(1), reviewState: "new" });
      await h.prisma.generationJob.update({ where: { id: jobId }, data: { completedAt: new Date(Date.UTC(2026, 0, 1, 0, i)) } });
      made.push(jobId);
    }
    const newest = made.slice(-12).reverse();
    await h.prisma.generationJob.update({ where: { id: newest[0] }, data: { reviewState: "approved" } });
    await h.prisma.generationJob.update({ where: { id: newest[1] }, data: { reviewState: "rejected" } });
    await h.prisma.generationJob.update({ where: { id: newest[2] }, data: { needsReview: true } });
    // Another product's photo and a photo still being made.
    await finishedPhoto(h, storage(), { shopId: shop.id, productId: product(2) });
    await createShoot(h.prisma, shop.id, {
      clientKey: randomUUID(),
      productIds: [product(1)],
      options: { modelPreset: "fashion_model_v1", posePreset: "standing", scenePreset: "studio", generationType: "standard" },
    });

    const before = Math.floor(Date.now() / 1000);
    const r = await outputs(shop.domain, product(1));
    expect(r.status).toBe(200);
    expect(r.body.product_id).toBe(product(1));
    expect(r.body.outputs.map((o) => o.job_id)).toEqual(newest);
    expect(r.body.outputs.slice(0, 4).map((o) => o.review_status)).toEqual(["approved", "rejected", "needs_review", "new"]);
    expect(r.body.in_progress).toBe(1);
    expect(r.body.review_url).toBe(adminAppUrl(shop.domain, "/app/catalog/1"));
    const first = r.body.outputs[0]!;
    expect(first).toMatchObject({ width: 600, height: 800, completed_at: "2026-01-01T00:13:00.000Z" });
    const batch = await h.prisma.generationJob.findUniqueOrThrow({ where: { id: first.job_id } });
    expect(first.shoot_url).toBe(adminAppUrl(shop.domain, `/app/shoots/${batch.batchId}`));
    const thumb = new URL(first.thumbnail_url!);
    expect(thumb.pathname).toContain(`/storage/outputs/${shop.id}/${first.job_id}/`);
    const expires = Number(thumb.searchParams.get("expires"));
    expect(expires - before).toBeGreaterThan(0);
    expect(expires - before).toBeLessThanOrEqual(301);
  });

  it("never shows another shop's photos of the same product id", async () => {
    const a = await extensionShop(h, { label: "outputs-a" });
    const b = await extensionShop(h, { label: "outputs-b" });
    const { jobId } = await finishedPhoto(h, storage(), { shopId: a.id, productId: product(9) });
    const own = await outputs(a.domain, product(9));
    expect(own.body.outputs.map((o) => o.job_id)).toEqual([jobId]);
    const foreign = await outputs(b.domain, product(9));
    expect(foreign.status).toBe(200);
    expect(foreign.body).toMatchObject({ outputs: [], in_progress: 0 });
    expect(JSON.stringify(foreign.body)).not.toContain(jobId);
  });

  it("refuses anything but one product id", async () => {
    const shop = await extensionShop(h, { label: "outputs-bad" });
    for (const id of ["", "1", "gid://shopify/Collection/1", `${product(1)},${product(2)}`, `gid://shopify/Product/${"1".repeat(30)}`]) {
      const r = await outputs(shop.domain, id);
      expect(r.status, id).toBe(400);
      expect(r.body.code).toBe("invalid_request");
    }
  });
});

describe("POST /api/extensions/imports", () => {
  it("starts an import of the chosen products' photos for the session's shop", async () => {
    const shop = await extensionShop(h, { label: "ext-import" });
    const r = await post<ImportResponse>(importsAction, shop.domain, "/api/extensions/imports", { productIds: [product(4), product(5), product(4)] });
    expect(r.status).toBe(202);
    expect(r.body.products).toBe(2);
    const run = await h.prisma.importRun.findUniqueOrThrow({ where: { id: r.body.import_run_id } });
    expect(run).toMatchObject({ shopId: shop.id, mode: "selection", productIds: [product(4), product(5)] });

    const bad = await post(importsAction, shop.domain, "/api/extensions/imports", { productIds: ["gid://shopify/Order/1"] });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/not a Shopify product id/);
    expect(await h.prisma.importRun.count({ where: { shopId: shop.id } })).toBe(1);
  });
});
