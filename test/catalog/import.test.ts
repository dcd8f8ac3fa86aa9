import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { importDeps } from "~/services/catalog/import-deps.server";
import { BulkOperationPending, createImportRun, ImportInputError, runImport } from "~/services/catalog/import.server";
import { createAdminGraphQL, ShopifyThrottledError } from "~/services/shopify/admin-graphql.server";
import { createLocalStorage } from "~/services/storage/local.server";
import { makeShop, useTestDb } from "../support/db";
import { useSimulator } from "../support/simulator";

const h = useTestDb(6);
const sim = await useSimulator({ products: 40, restoreRate: 100, bucketSize: 2000 });
process.env.SHOPIFY_SIMULATOR_URL = sim.url;
const root = mkdtempSync(path.join(tmpdir(), "atelier-import-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const storage = createLocalStorage({ driver: "local", root, appUrl: "http://127.0.0.1:9", signingSecret: "s".repeat(40) });

async function setup(shopDomain: string) {
  const shop = await makeShop(h, { label: shopDomain.replace(".myshopify.com", "") });
  const token = await sim.accessToken(shop.domain);
  const admin = createAdminGraphQL({ shop: shop.domain, accessToken: token });
  const deps = { ...importDeps(h.prisma, storage, { allowHttp: true, allowedOrigins: [sim.url] }), admin };
  return { shop, token, admin, deps };
}

type ProductMedia = { products: { nodes: { id: string; media: { nodes: { id: string; status: string }[] } }[] } };

async function productsWithMedia(token: string) {
  const r = await sim.gql<ProductMedia>("{ products(first: 40) { nodes { id media(first: 10) { nodes { id status } } } } }", {}, token);
  return r.body.data!.products.nodes;
}

describe("catalog import", () => {
  it("imports a selection's images as assets, and importing again adds nothing", async () => {
    const { shop, token, deps } = await setup("imp-sel.myshopify.com");
    const products = (await productsWithMedia(token)).filter((p) => p.media.nodes.length > 0).slice(0, 6);
    const expected = products.reduce((n, p) => n + p.media.nodes.length, 0);
    const run = await createImportRun(h.prisma, shop.id, { productIds: products.map((p) => p.id) });
    await runImport(deps, shop.id, run.id);
    const assets = await h.prisma.asset.findMany({ where: { shopId: shop.id } });
    expect(assets).toHaveLength(expected);
    for (const a of assets) {
      expect(a).toMatchObject({ kind: "upload", source: "shopify", bucket: "uploads", version: 1, status: "active", width: 800, height: 800 });
      expect(a.path.startsWith(`${shop.id}/`)).toBe(true);
      expect(a.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect((await storage.get("uploads", a.path)).subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    }
    const done = await h.prisma.importRun.findUniqueOrThrow({ where: { id: run.id } });
    expect(done).toMatchObject({ status: "completed", productsDone: 6, imagesImported: expected, imagesFailed: 0 });

    const again = await createImportRun(h.prisma, shop.id, { productIds: products.map((p) => p.id) });
    await runImport(deps, shop.id, again.id);
    expect(await h.prisma.asset.count({ where: { shopId: shop.id } })).toBe(expected);
    expect(await h.prisma.importRun.findUniqueOrThrow({ where: { id: again.id } })).toMatchObject({ imagesImported: 0, imagesUnchanged: expected });
  });

  it("adds a new version when a product's image bytes change, and marks the old one stale", async () => {
    const { shop, token, deps } = await setup("imp-ver.myshopify.com");
    const product = (await productsWithMedia(token)).find((p) => p.media.nodes.length === 1)!;
    const first = await createImportRun(h.prisma, shop.id, { productIds: [product.id] });
    await runImport(deps, shop.id, first.id);
    // The merchant replaces the photo's file in Shopify: same media id, new bytes and URL.
    const state = sim.runtime.state.shop(shop.domain);
    const media = state.media.get(Number(product.media.nodes[0]!.id.split("/").pop()))!;
    const sharp = (await import("sharp")).default;
    media.source = { kind: "bytes", bytes: await sharp({ create: { width: 600, height: 900, channels: 3, background: "#335577" } }).jpeg().toBuffer(), filename: "new.jpg" };
    media.width = 600;
    media.height = 900;
    media.version += 1;
    const second = await createImportRun(h.prisma, shop.id, { productIds: [product.id] });
    await runImport(deps, shop.id, second.id);
    const versions = await h.prisma.asset.findMany({ where: { shopId: shop.id }, orderBy: { version: "asc" } });
    expect(versions.map((v) => [v.version, v.status, v.width, v.height])).toEqual([
      [1, "stale", 800, 800],
      [2, "active", 600, 900],
    ]);
  });

  it("refuses an empty or malformed selection without creating a run", async () => {
    const { shop } = await setup("imp-bad.myshopify.com");
    await expect(createImportRun(h.prisma, shop.id, { productIds: [] })).rejects.toBeInstanceOf(ImportInputError);
    await expect(createImportRun(h.prisma, shop.id, { productIds: ["gid://shopify/Order/1"] })).rejects.toBeInstanceOf(ImportInputError);
    expect(await h.prisma.importRun.count({ where: { shopId: shop.id } })).toBe(0);
  });

  it("paces itself by the calculated cost and reports THROTTLED as a wait, not a failure", async () => {
    const { shop, token, admin } = await setup("imp-throttle.myshopify.com");
    const query = "{ products(first: 40) { nodes { id media(first: 10) { nodes { id } } } } }";
    // Teach the client the query's cost, then drain the bucket from another client.
    await admin.request(query);
    const other = createAdminGraphQL({ shop: shop.domain, accessToken: token, maxWaitMs: 0 });
    let throttled: unknown;
    for (let i = 0; i < 40 && !throttled; i++) {
      await sim.gql(query, {}, token);
      throttled = await other.request(query).then(() => undefined, (e: unknown) => e);
    }
    expect(throttled).toBeInstanceOf(ShopifyThrottledError);
    expect((throttled as ShopifyThrottledError).retryAfterMs).toBeGreaterThan(0);
    // The paced client waits for the points instead of being throttled.
    const waits: number[] = [];
    const paced = createAdminGraphQL({ shop: shop.domain, accessToken: token, sleep: (ms) => (waits.push(ms), new Promise((r) => setTimeout(r, ms))) });
    await paced.request(query);
    expect(waits.length).toBeGreaterThan(0);
  });

  it("imports the whole catalog through a bulk operation streamed as JSONL", async () => {
    const { shop, token, deps } = await setup("imp-bulk.myshopify.com");
    const products = await productsWithMedia(token);
    const expected = products.reduce((n, p) => n + p.media.nodes.filter((m) => m.status === "READY").length, 0);
    const run = await createImportRun(h.prisma, shop.id, { wholeCatalog: true });
    let pending = 0;
    for (;;) {
      try {
        await runImport(deps, shop.id, run.id);
        break;
      } catch (error) {
        expect(error).toBeInstanceOf(BulkOperationPending);
        pending++;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    expect(pending).toBeGreaterThan(0);
    const done = await h.prisma.importRun.findUniqueOrThrow({ where: { id: run.id } });
    expect(done.bulkOperationId).toMatch(/^gid:\/\/shopify\/BulkOperation\//);
    expect(done).toMatchObject({ status: "completed", mode: "catalog", productsTotal: 40, productsDone: 40, imagesImported: expected });
    expect(await h.prisma.asset.count({ where: { shopId: shop.id } })).toBe(expected);
  });
});
