import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loader } from "~/routes/api.extensions.shoot-quote";
import { saveLook } from "~/services/shoots/looks.server";
import { useTestDb } from "../support/db";
import { call, extensionShop, product } from "./support";
import type { QuoteResponse } from "../../extensions/shared/contract";

const root = mkdtempSync(path.join(tmpdir(), "atelier-ext-quote-"));
process.env.LOCAL_STORAGE_DIR = root;
afterAll(() => rmSync(root, { recursive: true, force: true }));
const h = useTestDb(2);

const quote = (shop: string, query: string) => call<QuoteResponse>(loader, shop, `/api/extensions/shoot-quote?${query}`);
const presets = "modelPreset=fashion_model_v1_curve&posePreset=walking&scenePreset=beach&generationType=hd&aspectRatio=4:5";

describe("GET /api/extensions/shoot-quote", () => {
  it("prices products × photos per product × credits per photo, against the balance", async () => {
    const shop = await extensionShop(h, { label: "quote-price", credits: 10, withPhotos: [product(1), product(2), product(3)] });
    const ids = [product(1), product(2), product(3)].join(",");

    const standard = await quote(shop.domain, `productIds=${ids}`);
    expect(standard.status).toBe(200);
    expect(standard.body.selection).toEqual({ look_id: null, options: expect.objectContaining({ modelPreset: "fashion_model_v1", generationType: "standard", variations: 1 }) });
    expect(standard.body.price).toEqual({ images: 3, per_image: 1, total: 3 });
    expect(standard.body).toMatchObject({ balance: 10, balance_after: 7, affordable: true, can_shoot: true, missing_product_ids: [] });

    const hd = await quote(shop.domain, `productIds=${ids}&${presets}&variations=2`);
    expect(hd.body.price).toEqual({ images: 6, per_image: 2, total: 12 });
    expect(hd.body).toMatchObject({ balance: 10, balance_after: -2, affordable: false, can_shoot: false });
    expect(hd.body.selection.options).toMatchObject({ modelPreset: "fashion_model_v1_curve", scenePreset: "beach", aspectRatio: "4:5", variations: 2 });

    // A product listed twice is one product.
    const dup = await quote(shop.domain, `productIds=${product(1)},${product(1)}`);
    expect(dup.body.price.total).toBe(1);
    expect(dup.body.products).toHaveLength(1);
  });

  it("lists each product's photo status, with signed thumbnails, and the choices", async () => {
    const shop = await extensionShop(h, { label: "quote-photos", credits: 5, withPhotos: [product(1)] });
    const r = await quote(shop.domain, `productIds=${product(1)},${product(2)}`);
    expect(r.body.products).toEqual([
      { id: product(1), has_photo: true, photo_url: expect.stringMatching(/\/storage\/uploads\/.+(expires|token|sig)/) },
      { id: product(2), has_photo: false, photo_url: null },
    ]);
    expect(r.body.missing_product_ids).toEqual([product(2)]);
    // Affordable, but not shootable until the photo is imported.
    expect(r.body).toMatchObject({ affordable: true, can_shoot: false });
    expect(r.body.presets.models.map((m) => m.id)).toContain("dress_form");
    expect(r.body.presets.generationTypes).toEqual([
      { id: "standard", label: "Standard", credits: 1 },
      { id: "hd", label: "HD", credits: 2 },
    ]);
    expect(r.body.presets.maxVariations).toBe(4);
  });

  it("prices a saved look of the shop, with photos per product overriding the look's", async () => {
    const shop = await extensionShop(h, { label: "quote-look", credits: 50, withPhotos: [product(1), product(2)] });
    const look = await saveLook(h.prisma, shop.id, {
      name: "Summer beach",
      options: { modelPreset: "fashion_model_v1_masc", posePreset: "seated", scenePreset: "beach", generationType: "hd", variations: 3 },
    });
    const r = await quote(shop.domain, `productIds=${product(1)},${product(2)}&lookId=${look.id}`);
    expect(r.body.looks).toEqual([{ id: look.id, name: "Summer beach", options: expect.objectContaining({ scenePreset: "beach", variations: 3 }) }]);
    expect(r.body.selection.look_id).toBe(look.id);
    expect(r.body.price).toEqual({ images: 6, per_image: 2, total: 12 });
    const fewer = await quote(shop.domain, `productIds=${product(1)},${product(2)}&lookId=${look.id}&variations=1`);
    expect(fewer.body.price).toEqual({ images: 2, per_image: 2, total: 4 });

    const both = await quote(shop.domain, `productIds=${product(1)}&lookId=${look.id}&${presets}`);
    expect(both.status).toBe(400);
    expect(both.body.code).toBe("invalid_selection");
  });

  it("never shows another shop's looks, photos or balance", async () => {
    const a = await extensionShop(h, { label: "quote-a", credits: 40, withPhotos: [product(7)] });
    const b = await extensionShop(h, { label: "quote-b", credits: 2 });
    const look = await saveLook(h.prisma, a.id, { name: "A's look", options: { modelPreset: "dress_form", posePreset: "standing", scenePreset: "studio", generationType: "standard" } });

    const asB = await quote(b.domain, `productIds=${product(7)}`);
    expect(asB.status).toBe(200);
    expect(asB.body.products).toEqual([{ id: product(7), has_photo: false, photo_url: null }]);
    expect(asB.body).toMatchObject({ looks: [], balance: 2, missing_product_ids: [product(7)], can_shoot: false });

    const foreignLook = await quote(b.domain, `productIds=${product(7)}&lookId=${look.id}`);
    expect(foreignLook.status).toBe(404);
    expect(foreignLook.body).toMatchObject({ code: "look_not_found" });
    expect(JSON.stringify(foreignLook.body)).not.toContain("A's look");
  });

  it("refuses bad input with a 400 that says what is wrong", async () => {
    const shop = await extensionShop(h, { label: "quote-bad" });
    const cases: [string, RegExp][] = [
      ["", /at least one product/],
      ["productIds=123", /not a Shopify product id/],
      ["productIds=gid://shopify/Collection/1", /not a Shopify product id/],
      [`productIds=${product(1)}&lookId=nope`, /not a look id/],
      [`productIds=${product(1)}&variations=5`, /variations/],
      [`productIds=${product(1)}&modelPreset=unknown&posePreset=walking&scenePreset=beach&generationType=hd`, /modelPreset/],
      [`productIds=${product(1)}&modelPreset=dress_form`, /posePreset/],
      [`productIds=${Array.from({ length: 251 }, (_, i) => product(i + 1)).join(",")}`, /at most 250 products/],
      [`productIds=${"9".repeat(20_000)}`, /at most 250 products/],
    ];
    for (const [query, message] of cases) {
      const r = await quote(shop.domain, query);
      expect(r.status, query).toBe(400);
      expect(r.body.code).toBe("invalid_request");
      expect(r.body.error, query).toMatch(message);
    }
    // Exactly the cap is fine.
    const full = await quote(shop.domain, `productIds=${Array.from({ length: 250 }, (_, i) => product(i + 1)).join(",")}`);
    expect(full.status).toBe(200);
    expect(full.body.price.images).toBe(250);
  });
});
