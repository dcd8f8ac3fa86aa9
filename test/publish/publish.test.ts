import { describe, expect, it } from "vitest";
import { AI_DISCLOSURE } from "~/lib/alt-text";
import { reconcilePublication, type PublishDeps } from "~/services/publish/publish.server";
import { requestPublish, requestUnpublish, rollbackShoot } from "~/services/publish/requests.server";
import type { AdminGraphQL } from "~/services/shopify/admin-graphql.server";
import { useTestDb } from "../support/db";
import { finishedPhoto, outputImage } from "../support/outputs";
import { useSimulator } from "../support/simulator";
import { connectedShop, productState, settle, tempStorage, type ProductState } from "./support";

const h = useTestDb(6);
// A roomy cost bucket: these tests are about media, not pacing (see publish-queue.test.ts).
const sim = await useSimulator({
  products: 40,
  bucketSize: 1_000_000,
  restoreRate: 100_000,
});
process.env.SHOPIFY_SIMULATOR_URL = sim.url;
const { storage } = tempStorage("publish");
const append = { position: "append", attachVariants: false } as const;

async function products(token: string): Promise<ProductState[]> {
  const r = await sim.gql<{ products: { nodes: { id: string }[] } }>("{ products(first: 40) { nodes { id } } }", {}, token);
  const all = await Promise.all(r.body.data!.products.nodes.map((p) => productState(sim, token, p.id)));
  return all.filter((p): p is ProductState => p !== null);
}

async function setup(label: string) {
  const c = await connectedShop(h, sim, label);
  const deps: PublishDeps = { db: h.prisma, admin: c.admin, storage };
  const catalog = await products(c.token);
  return { ...c, deps, catalog };
}

const colourOf = (v: ProductState["variants"][number]) => v.selectedOptions.find((o) => o.name === "Color")?.value;

describe("publishing an approved photo", () => {
  it("uploads it, adds it to the product, waits for READY and records the media", async () => {
    const { shop, token, deps, catalog } = await setup("pub-one");
    const product = catalog.find((p) => p.media.length >= 1)!;
    const photo = await finishedPhoto(h, storage, {
      shopId: shop.id,
      productId: product.id,
      sourceMediaId: product.media[0]!.id,
    });
    const [pubId] = await requestPublish(h.prisma, shop.id, [photo.jobId], append);
    expect(await settle(deps, shop.id, pubId!)).toEqual({ state: "published" });

    const after = (await productState(sim, token, product.id))!;
    expect(after.media.map((m) => m.id).slice(0, -1)).toEqual(product.media.map((m) => m.id));
    const added = after.media.at(-1)!;
    expect(added.status).toBe("READY");
    expect(added.alt).toContain(product.title);
    expect(added.alt).toContain("walking on a city street");
    expect(added.alt).toContain(AI_DISCLOSURE);
    const pub = await h.prisma.publication.findUniqueOrThrow({
      where: { id: pubId! },
    });
    expect(pub).toMatchObject({
      status: "ready",
      mediaId: added.id,
      position: "append",
      errorMessage: null,
    });
    expect(pub.publishedAt).toBeInstanceOf(Date);
    expect(new URL(added.image!.url).pathname).toMatch(new RegExp(`/atelier-${pub.id}\\.jpg$`));
    // The bytes on the product are the photo the merchant approved.
    expect(Buffer.from(await (await fetch(added.image!.url)).arrayBuffer())).toEqual(photo.bytes);

    // Asking again (a double click, a retried request) changes nothing.
    expect(await requestPublish(h.prisma, shop.id, [photo.jobId], append)).toEqual([pubId]);
    expect(await settle(deps, shop.id, pubId!)).toEqual({ state: "published" });
    expect((await productState(sim, token, product.id))!.media).toHaveLength(after.media.length);
  });

  it("publishes nothing the merchant has not approved", async () => {
    const { shop, token, catalog } = await setup("pub-unapproved");
    const product = catalog[0]!;
    const fresh = await finishedPhoto(h, storage, {
      shopId: shop.id,
      productId: product.id,
      reviewState: "new",
    });
    const rejected = await finishedPhoto(h, storage, {
      shopId: shop.id,
      productId: product.id,
      reviewState: "rejected",
    });
    expect(await requestPublish(h.prisma, shop.id, [fresh.jobId, rejected.jobId], append)).toEqual([]);
    expect(await h.prisma.publication.count({ where: { shopId: shop.id } })).toBe(0);
    expect((await productState(sim, token, product.id))!.media).toHaveLength(product.media.length);
  });

  it("refuses another shop's photo", async () => {
    const a = await setup("pub-tenant-a");
    const b = await setup("pub-tenant-b");
    const photo = await finishedPhoto(h, storage, {
      shopId: a.shop.id,
      productId: a.catalog[0]!.id,
    });
    expect(await requestPublish(h.prisma, b.shop.id, [photo.jobId], append)).toEqual([]);
    const [pubId] = await requestPublish(h.prisma, a.shop.id, [photo.jobId], append);
    expect(await reconcilePublication(b.deps, b.shop.id, pubId!)).toEqual({
      state: "gone",
    });
    expect(await requestUnpublish(h.prisma, b.shop.id, [pubId!])).toEqual([]);
  });

  it("puts a photo first when asked for the featured position", async () => {
    const { shop, token, deps, catalog } = await setup("pub-featured");
    const product = catalog.find((p) => p.media.length >= 2)!;
    const photo = await finishedPhoto(h, storage, {
      shopId: shop.id,
      productId: product.id,
    });
    const [pubId] = await requestPublish(h.prisma, shop.id, [photo.jobId], {
      position: "featured",
      attachVariants: false,
    });
    await settle(deps, shop.id, pubId!);
    const after = (await productState(sim, token, product.id))!;
    const pub = await h.prisma.publication.findUniqueOrThrow({
      where: { id: pubId! },
    });
    expect(after.media.map((m) => m.id)).toEqual([pub.mediaId, ...product.media.map((m) => m.id)]);
  });

  it("attaches the photo to the variants of its colour, and taking it back gives them their own image", async () => {
    const { shop, token, deps, catalog } = await setup("pub-variants");
    const product = catalog.find(
      (p) => new Set(p.variants.map(colourOf).filter(Boolean)).size === 2 && p.variants.every((v) => v.media.nodes.length === 1)
    )!;
    expect(product).toBeDefined();
    const colours = [...new Set(product.variants.map(colourOf))];
    const second = product.variants.find((v) => colourOf(v) === colours[1])!;
    const sourceMediaId = second.media.nodes[0]!.id;
    const photo = await finishedPhoto(h, storage, {
      shopId: shop.id,
      productId: product.id,
      sourceMediaId,
    });
    const [pubId] = await requestPublish(h.prisma, shop.id, [photo.jobId], {
      position: "append",
      attachVariants: true,
    });
    await settle(deps, shop.id, pubId!);

    const pub = await h.prisma.publication.findUniqueOrThrow({
      where: { id: pubId! },
    });
    const after = (await productState(sim, token, product.id))!;
    for (const v of after.variants) {
      const before = product.variants.find((b) => b.id === v.id)!;
      expect(v.media.nodes[0]?.id).toBe(colourOf(v) === colours[1] ? pub.mediaId : before.media.nodes[0]?.id);
    }
    expect(after.media.find((m) => m.id === pub.mediaId)!.alt).toContain(product.title);

    await requestUnpublish(h.prisma, shop.id, [pubId!]);
    expect(await settle(deps, shop.id, pubId!)).toEqual({
      state: "unpublished",
    });
    const restored = (await productState(sim, token, product.id))!;
    expect(restored.media.map((m) => m.id)).toEqual(product.media.map((m) => m.id));
    expect(restored.variants.map((v) => v.media.nodes[0]?.id)).toEqual(product.variants.map((v) => v.media.nodes[0]?.id));
  });

  it("a retry after a crash between the upload and recording it adds no second copy", async () => {
    const { shop, token, deps, catalog } = await setup("pub-crash");
    const product = catalog.find((p) => p.media.length >= 1)!;
    const photo = await finishedPhoto(h, storage, {
      shopId: shop.id,
      productId: product.id,
    });
    const [pubId] = await requestPublish(h.prisma, shop.id, [photo.jobId], append);
    // Shopify applies productUpdate, but the worker dies before it reads the answer.
    const crashing: AdminGraphQL = {
      bucket: deps.admin.bucket,
      async request<T>(operation: string, variables?: Record<string, unknown>): Promise<T> {
        const result = await deps.admin.request<T>(operation, variables);
        if (operation.includes("productUpdate")) throw new Error("worker killed");
        return result;
      },
    };
    await expect(reconcilePublication({ ...deps, admin: crashing }, shop.id, pubId!)).rejects.toThrow("worker killed");
    // A killed worker never releases its lease: the next one waits for it to run out.
    await h.prisma.$executeRaw`update public.publications set lease_until = now() + interval '1 hour' where id = ${pubId}::uuid`;
    expect(await reconcilePublication(deps, shop.id, pubId!)).toMatchObject({
      state: "wait",
    });
    await h.prisma.$executeRaw`update public.publications set lease_until = now() - interval '1 second' where id = ${pubId}::uuid`;

    expect(await settle(deps, shop.id, pubId!)).toEqual({ state: "published" });
    const after = (await productState(sim, token, product.id))!;
    expect(after.media).toHaveLength(product.media.length + 1);
    const pub = await h.prisma.publication.findUniqueOrThrow({
      where: { id: pubId! },
    });
    expect(after.media.at(-1)!.id).toBe(pub.mediaId);

    // The same after the photo finished processing: the file name in its URL identifies it.
    const again = await finishedPhoto(h, storage, {
      shopId: shop.id,
      productId: product.id,
      bytes: await outputImage("#aa3311"),
    });
    const [secondId] = await requestPublish(h.prisma, shop.id, [again.jobId], append);
    await expect(reconcilePublication({ ...deps, admin: crashing }, shop.id, secondId!)).rejects.toThrow("worker killed");
    await new Promise((r) => setTimeout(r, 300));
    expect(await settle(deps, shop.id, secondId!)).toEqual({
      state: "published",
    });
    expect((await productState(sim, token, product.id))!.media).toHaveLength(product.media.length + 2);
  });

  it("surfaces Shopify's reason when it cannot process the photo, and leaves no broken media", async () => {
    const { shop, token, deps, catalog } = await setup("pub-failed");
    const product = catalog.find((p) => p.media.length >= 1)!;
    const photo = await finishedPhoto(h, storage, {
      shopId: shop.id,
      productId: product.id,
    });
    // The stored file got corrupted after review: Shopify will not decode it.
    await storage.put("outputs", photo.output.path, Buffer.from("\xff\xd8\xff this is not a jpeg".repeat(20), "latin1"), {
      contentType: "image/jpeg",
      upsert: true,
    });
    const [pubId] = await requestPublish(h.prisma, shop.id, [photo.jobId], append);
    expect(await settle(deps, shop.id, pubId!)).toEqual({ state: "failed" });
    const pub = await h.prisma.publication.findUniqueOrThrow({
      where: { id: pubId! },
    });
    expect(pub.status).toBe("failed");
    expect(pub.errorCode).toBe("IMAGE_PROCESSING_FAILURE");
    expect(pub.errorMessage).toMatch(/could not process the photo: Image could not be processed/);
    expect((await productState(sim, token, product.id))!.media.map((m) => m.id)).toEqual(product.media.map((m) => m.id));

    // Fixed and asked again: the same publication is retried and succeeds.
    await storage.put("outputs", photo.output.path, photo.bytes, {
      contentType: "image/jpeg",
      upsert: true,
    });
    expect(await requestPublish(h.prisma, shop.id, [photo.jobId], append)).toEqual([pubId]);
    expect(await settle(deps, shop.id, pubId!)).toEqual({ state: "published" });
  });

  it("fails cleanly for a product deleted meanwhile, without touching the others", async () => {
    const { shop, token, deps, catalog } = await setup("pub-deleted");
    const [gone, kept] = catalog.filter((p) => p.media.length >= 1);
    const a = await finishedPhoto(h, storage, {
      shopId: shop.id,
      productId: gone!.id,
    });
    const b = await finishedPhoto(h, storage, {
      shopId: shop.id,
      productId: kept!.id,
      batchId: a.batchId,
    });
    const ids = await requestPublish(h.prisma, shop.id, [a.jobId, b.jobId], append);
    sim.runtime.state.shop(shop.domain).products.delete(Number(gone!.id.split("/").pop()));
    const outcomes = await Promise.all(ids.map((id) => settle(deps, shop.id, id)));
    const rows = await h.prisma.publication.findMany({
      where: { id: { in: ids } },
    });
    const byProduct = new Map(rows.map((r) => [r.productId, r]));
    expect(outcomes.map((o) => o.state).sort()).toEqual(["failed", "published"]);
    expect(byProduct.get(gone!.id)).toMatchObject({
      status: "failed",
      errorCode: "product_deleted",
      errorMessage: "The product was deleted in Shopify.",
      mediaId: null,
    });
    expect(byProduct.get(kept!.id)!.status).toBe("ready");
    expect((await productState(sim, token, kept!.id))!.media).toHaveLength(kept!.media.length + 1);
  });
});

describe("taking photos back", () => {
  it("unpublishes one photo and rolls back a shoot, leaving the merchant's media and order as they were", async () => {
    const { shop, token, deps, catalog } = await setup("pub-rollback");
    const product = catalog.find((p) => p.media.length >= 2)!;
    const other = catalog.find((p) => p.id !== product.id && p.media.length >= 1)!;
    const first = await finishedPhoto(h, storage, {
      shopId: shop.id,
      productId: product.id,
    });
    const second = await finishedPhoto(h, storage, {
      shopId: shop.id,
      productId: product.id,
      batchId: first.batchId,
      variation: 2,
      bytes: await outputImage("#117744"),
    });
    const third = await finishedPhoto(h, storage, {
      shopId: shop.id,
      productId: other.id,
      batchId: first.batchId,
    });
    const [featured] = await requestPublish(h.prisma, shop.id, [first.jobId], {
      position: "featured",
      attachVariants: false,
    });
    const rest = await requestPublish(h.prisma, shop.id, [second.jobId, third.jobId], append);
    for (const id of [featured!, ...rest]) expect(await settle(deps, shop.id, id)).toEqual({ state: "published" });
    expect((await productState(sim, token, product.id))!.media).toHaveLength(product.media.length + 2);

    // The merchant adds a photo of their own meanwhile: it is not ours to remove.
    const own = await sim.gql<{
      productUpdate: { product: { media: { nodes: { id: string }[] } } };
    }>(
      `mutation ($product: ProductUpdateInput!, $media: [CreateMediaInput!]) { productUpdate(product: $product, media: $media) { product { media(last: 1) { nodes { id } } } } }`,
      {
        product: { id: other.id },
        media: [
          {
            originalSource: `${sim.url}/cdn/nowhere.jpg`,
            mediaContentType: "IMAGE",
            alt: "Merchant's own",
          },
        ],
      },
      token
    );
    const merchantMedia = own.body.data!.productUpdate.product.media.nodes[0]!.id;

    const [one] = await requestUnpublish(h.prisma, shop.id, [featured!]);
    expect(await settle(deps, shop.id, one!)).toEqual({ state: "unpublished" });
    const afterOne = (await productState(sim, token, product.id))!;
    expect(afterOne.media.map((m) => m.id).slice(0, product.media.length)).toEqual(product.media.map((m) => m.id));
    expect(afterOne.media).toHaveLength(product.media.length + 1);

    const back = await rollbackShoot(h.prisma, shop.id, first.batchId);
    expect(back.sort()).toEqual([...rest].sort());
    for (const id of back) expect(await settle(deps, shop.id, id)).toEqual({ state: "unpublished" });
    expect((await productState(sim, token, product.id))!.media.map((m) => m.id)).toEqual(product.media.map((m) => m.id));
    expect((await productState(sim, token, other.id))!.media.map((m) => m.id)).toEqual([...other.media.map((m) => m.id), merchantMedia]);
    const rows = await h.prisma.publication.findMany({
      where: { shopId: shop.id },
    });
    expect(rows.every((r) => r.status === "unpublished" && r.unpublishedAt)).toBe(true);
    // A photo taken back can be published again: a new publication, a new copy.
    const [republished] = await requestPublish(h.prisma, shop.id, [first.jobId], append);
    expect(rows.map((r) => r.id)).not.toContain(republished);
    expect(await settle(deps, shop.id, republished!)).toEqual({
      state: "published",
    });
  });

  it("rolling back before the worker ran closes the publication without calling Shopify", async () => {
    const { shop, token, deps, catalog } = await setup("pub-early-rollback");
    const product = catalog.find((p) => p.media.length >= 1)!;
    const photo = await finishedPhoto(h, storage, {
      shopId: shop.id,
      productId: product.id,
    });
    const [pubId] = await requestPublish(h.prisma, shop.id, [photo.jobId], append);
    await rollbackShoot(h.prisma, shop.id, photo.batchId);
    expect(await settle(deps, shop.id, pubId!)).toEqual({
      state: "unpublished",
    });
    expect((await productState(sim, token, product.id))!.media).toHaveLength(product.media.length);
  });
});
