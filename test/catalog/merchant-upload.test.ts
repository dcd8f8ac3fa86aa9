import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";
import { makeShop, useTestDb } from "../support/db";
import { hugePng } from "../support/hostile-images";
import { embeddedRequest, storeOfflineSession } from "../support/shopify";
import { useSimulator } from "../support/simulator";

const root = mkdtempSync(path.join(tmpdir(), "atelier-upload-"));
process.env.LOCAL_STORAGE_DIR = root;
afterAll(() => rmSync(root, { recursive: true, force: true }));
const { action } = await import("~/routes/app.catalog.$productId.upload");
const h = useTestDb(2);
const sim = await useSimulator({ products: 3 });
process.env.SHOPIFY_SIMULATOR_URL = sim.url;
const PRODUCT = "8000000001";

/** A shop whose stored session token the simulated shop accepts. */
async function connectedShop() {
  const shop = await makeShop(h);
  await storeOfflineSession(h.prisma, shop.domain);
  await h.prisma.session.update({ where: { id: `offline_${shop.domain}` }, data: { accessToken: await sim.accessToken(shop.domain) } });
  return shop;
}

async function upload(shop: string, productNumber: string, body: Blob, filename: string) {
  const form = new FormData();
  form.append("photo", body, filename);
  const request = await embeddedRequest(shop, `/app/catalog/${productNumber}/upload`, { method: "POST", body: form });
  const response = (await action({ request, params: { productId: productNumber }, context: {} })) as Response;
  return { status: response.status, body: (await response.json()) as { assetId?: string; error: string | null; reason?: string } };
}

function filesOnDisk(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(dir, e.name));
      else out.push(e.name);
    }
  };
  walk(root);
  return out;
}

describe("merchant photo upload", () => {
  it("refuses a product that is not in the shop, saving nothing", async () => {
    const shop = await connectedShop();
    const png = await sharp({ create: { width: 50, height: 50, channels: 3, background: "#123456" } }).png().toBuffer();
    const r = await upload(shop.domain, "77", new Blob([png], { type: "image/png" }), "a.png");
    expect(r).toEqual({ status: 404, body: { error: "Unknown product." } });
    expect(await h.prisma.asset.count({ where: { shopId: shop.id } })).toBe(0);
  });

  it("stores a valid photo as the product's asset, re-encoded under a server-made name", async () => {
    const shop = await connectedShop();
    const png = await sharp({ create: { width: 300, height: 400, channels: 3, background: "#aa3322" } }).png().toBuffer();
    const r = await upload(shop.domain, PRODUCT, new Blob([png], { type: "image/jpeg" }), "../../evil.jpg");
    expect(r.status).toBe(200);
    const asset = await h.prisma.asset.findUniqueOrThrow({ where: { id: r.body.assetId! } });
    expect(asset).toMatchObject({ shopId: shop.id, productId: `gid://shopify/Product/${PRODUCT}`, source: "merchant", mimeType: "image/png", width: 300, height: 400 });
    expect(asset.path).toMatch(new RegExp(`^${shop.id}/[0-9a-f-]{36}\\.png$`));
  });

  it("refuses hostile files with a clear reason and leaves nothing behind", async () => {
    const shop = await connectedShop();
    const before = filesOnDisk().length;
    const html = new Blob(["<html><script>alert(1)</script></html>"], { type: "image/jpeg" });
    const svg = new Blob(['<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'], { type: "image/jpeg" });
    const jpeg = await sharp({ create: { width: 200, height: 200, channels: 3, background: "#123456" } }).jpeg().toBuffer();
    const truncated = new Blob([jpeg.subarray(0, Math.floor(jpeg.length / 2))], { type: "image/jpeg" });
    const huge = hugePng(20_000, 20_000);
    const oversized = new Blob([Buffer.concat([jpeg, Buffer.alloc(11 * 1024 * 1024)])], { type: "image/jpeg" });
    const cases: [Blob, string, number, RegExp][] = [
      [html, "photo.jpg", 400, /Only JPEG, PNG, WebP or GIF/],
      [svg, "photo.jpg", 400, /Only JPEG, PNG, WebP or GIF/],
      [truncated, "photo.jpg", 400, /damaged/],
      [new Blob([new Uint8Array(huge)], { type: "image/png" }), "big.png", 400, /too many pixels/],
      // Streamed without a Content-Length: refused by the cap while reading, not after.
      [oversized, "big.jpg", 400, /larger than 10 MB/],
    ];
    for (const [blob, name, status, message] of cases) {
      const r = await upload(shop.domain, PRODUCT, blob, name);
      expect(r.status, name).toBe(status);
      expect(r.body.error, name).toMatch(message);
    }
    expect(await h.prisma.asset.count({ where: { shopId: shop.id } })).toBe(0);
    expect(filesOnDisk().length).toBe(before);
  });
});
