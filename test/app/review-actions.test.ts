import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MAX_IDS } from "~/lib/review-actions.server";
import type { ReviewActionResult } from "~/lib/review-photo";
import { closeQueues } from "~/queues.server";
import { action as productAction, loader as productLoader } from "~/routes/app.catalog.$productId";
import { action as shootAction, loader as shootLoader } from "~/routes/app.shoots.$batchId";
import { storage } from "~/storage.server";
import { makeShop, useTestDb } from "../support/db";
import { finishedPhoto, outputImage } from "../support/outputs";
import { embeddedRequest, storeOfflineSession } from "../support/shopify";
import { useSimulator } from "../support/simulator";

// The review pages' loaders and actions as App Bridge calls them: a session token for
// one shop, the simulated shop behind the Admin API.

const root = mkdtempSync(path.join(tmpdir(), "atelier-review-actions-"));
process.env.LOCAL_STORAGE_DIR = root;
afterAll(() => rmSync(root, { recursive: true, force: true }));
const h = useTestDb(4);
const sim = await useSimulator({ products: 5 });
process.env.SHOPIFY_SIMULATOR_URL = sim.url;
afterAll(() => closeQueues());

/** A shop connected to the simulated shop, and one of its products. */
async function connectedShop(label: string) {
  const shop = await makeShop(h, { label });
  await storeOfflineSession(h.prisma, shop.domain);
  await h.prisma.session.update({ where: { id: `offline_${shop.domain}` }, data: { accessToken: await sim.accessToken(shop.domain) } });
  const product = [...sim.runtime.state.shop(shop.domain).products.values()][0]!;
  return { shop, product: { id: `gid://shopify/Product/${product.id}`, number: String(product.id), title: product.title } };
}

async function shootOf(label: string, n = 2, reviewState: "new" | "approved" = "new") {
  const { shop, product } = await connectedShop(label);
  const first = await finishedPhoto(h, storage(), { shopId: shop.id, productId: product.id, reviewState });
  const jobIds = [first.jobId];
  for (let v = 2; v <= n; v++) jobIds.push((await finishedPhoto(h, storage(), { shopId: shop.id, productId: product.id, batchId: first.batchId, reviewState, variation: v })).jobId);
  // The product photos they were made from, for the before/after view.
  const inputs = await h.prisma.asset.findMany({ where: { shopId: shop.id, kind: "upload" } });
  for (const input of inputs) await storage().put("uploads", input.path, await outputImage("#aa8866"), { contentType: "image/jpeg", upsert: true });
  return { shop, product, batchId: first.batchId, jobIds };
}

async function post(shop: string, batchId: string, fields: [string, string][]) {
  const body = new URLSearchParams(fields);
  const request = await embeddedRequest(shop, `/app/shoots/${batchId}`, { method: "POST", body, headers: { "Content-Type": "application/x-www-form-urlencoded" } });
  const outcome = await shootAction({ request, params: { batchId }, context: {} });
  return outcome instanceof Response ? { status: outcome.status, body: (await outcome.json()) as ReviewActionResult } : { status: 200, body: outcome as ReviewActionResult };
}

async function load(shop: string, batchId: string, search = "") {
  const request = await embeddedRequest(shop, `/app/shoots/${batchId}${search}`);
  return shootLoader({ request, params: { batchId }, context: {} });
}

const states = async (ids: string[]) =>
  (await h.prisma.generationJob.findMany({ where: { id: { in: ids } }, orderBy: { variation: "asc" } })).map((j) => j.reviewState);

describe("the shoot page's loader", () => {
  it("shows the shoot's photos with counts, alt proposals from the product title, and falls back to All for a bad filter", async () => {
    const { shop, product, batchId, jobIds } = await shootOf("loader");
    await h.prisma.generationJob.update({ where: { id: jobIds[1] }, data: { reviewState: "approved" } });
    const all = await load(shop.domain, batchId, "?filter=bogus");
    expect(all.filter).toBe("all");
    expect(all.photos.map((p) => p.id)).toEqual(jobIds);
    expect(all.tabs).toMatchObject({ all: 2, new: 1, approved: 1, needs_review: 0, rejected: 0, published: 0 });
    expect(all.photos[0]).toMatchObject({ productTitle: product.title, reviewStatus: "new", regenerateCost: 1, altText: `${product.title}, worn by a model walking on a city street` });
    expect(all.photos[0]!.output!.url).toContain("/storage/outputs/");
    expect(all.photos[0]!.source!.url).toContain("/storage/uploads/");
    expect(all.defaults).toEqual({ position: "append", attachVariants: false });

    const approved = await load(shop.domain, batchId, "?filter=approved");
    expect(approved.filter).toBe("approved");
    expect(approved.photos.map((p) => p.id)).toEqual([jobIds[1]]);
  });

  it("answers 404 for another shop's shoot", async () => {
    const mine = await connectedShop("mine");
    const theirs = await shootOf("theirs");
    const outcome = await load(mine.shop.domain, theirs.batchId).catch((e: unknown) => e);
    expect((outcome as Response).status).toBe(404);
  });
});

describe("review actions", () => {
  it("approves and rejects selected photos, and approves all that passed", async () => {
    const { shop, batchId, jobIds } = await shootOf("decide", 3);
    await h.prisma.generationJob.update({ where: { id: jobIds[2] }, data: { needsReview: true, reviewReason: "Sleeves changed" } });
    expect(await post(shop.domain, batchId, [["intent", "approve"], ["ids", jobIds[0]!]])).toEqual({ status: 200, body: { ok: true, message: "1 photo approved" } });
    expect(await post(shop.domain, batchId, [["intent", "reject"], ["ids", jobIds[0]!], ["ids", jobIds[1]!]])).toMatchObject({ status: 200, body: { ok: true, message: "2 photos rejected" } });
    expect(await states(jobIds)).toEqual(["rejected", "rejected", "new"]);
    // The flagged photo waits for the merchant.
    expect(await post(shop.domain, batchId, [["intent", "approve-passed"]])).toMatchObject({ status: 400, body: { ok: false, error: "No new photos passed the garment check." } });
    await h.prisma.generationJob.updateMany({ where: { id: { in: jobIds.slice(0, 2) } }, data: { reviewState: "new" } });
    expect(await post(shop.domain, batchId, [["intent", "approve-passed"]])).toMatchObject({ status: 200, body: { message: "2 photos approved" } });
    expect(await states(jobIds)).toEqual(["approved", "approved", "new"]);
  });

  it("saves alt text and answers field errors from the review service", async () => {
    const { shop, batchId, jobIds } = await shootOf("alt", 1);
    expect(await post(shop.domain, batchId, [["intent", "alt"], ["jobId", jobIds[0]!], ["alt", "  Linen shirt on a model  "]])).toMatchObject({ status: 200, body: { ok: true } });
    expect((await h.prisma.generationJob.findUniqueOrThrow({ where: { id: jobIds[0] } })).altText).toBe("Linen shirt on a model");
    const empty = await post(shop.domain, batchId, [["intent", "alt"], ["jobId", jobIds[0]!], ["alt", "   "]]);
    expect(empty).toEqual({ status: 400, body: { ok: false, error: "Alt text can't be empty", field: { jobId: jobIds[0], message: "Alt text can't be empty" } } });
    const long = await post(shop.domain, batchId, [["intent", "alt"], ["jobId", jobIds[0]!], ["alt", "x".repeat(600)]]);
    expect(long.status).toBe(400);
    expect(long.body).toMatchObject({ ok: false, field: { jobId: jobIds[0] } });
    expect((await h.prisma.generationJob.findUniqueOrThrow({ where: { id: jobIds[0] } })).altText).toBe("Linen shirt on a model");
    expect((await load(shop.domain, batchId)).photos[0]!.altText).toBe("Linen shirt on a model");
  });

  it("refuses to publish with nothing approved, then publishes what was approved with the chosen options", async () => {
    const { shop, batchId, jobIds } = await shootOf("publish", 2);
    const publish: [string, string][] = [["intent", "publish"], ["position", "featured"], ["attachVariants", "true"]];
    expect(await post(shop.domain, batchId, publish)).toEqual({ status: 400, body: { ok: false, error: "Approve photos before publishing them." } });
    expect(await h.prisma.publication.count({ where: { shopId: shop.id } })).toBe(0);

    await post(shop.domain, batchId, [["intent", "approve"], ["ids", jobIds[1]!]]);
    expect(await post(shop.domain, batchId, publish)).toEqual({ status: 200, body: { ok: true, message: "1 photo queued for publishing" } });
    const publications = await h.prisma.publication.findMany({ where: { shopId: shop.id } });
    expect(publications.map((p) => [p.jobId, p.status, p.position, p.attachVariants])).toEqual([[jobIds[1], "pending", "featured", true]]);
    const view = await load(shop.domain, batchId, "?filter=published");
    expect(view.photos.map((p) => [p.id, p.reviewStatus])).toEqual([[jobIds[1], "publishing"]]);
    expect(view.inFlight).toBe(true);

    // Published, then rolled back: the publication is asked to come off.
    await h.prisma.publication.update({ where: { id: publications[0]!.id }, data: { status: "ready", mediaId: "gid://shopify/MediaImage/1" } });
    expect((await load(shop.domain, batchId)).onProduct).toBe(1);
    expect(await post(shop.domain, batchId, [["intent", "reject"], ["ids", jobIds[1]!]])).toMatchObject({ status: 400, body: { error: "Unpublish photos before rejecting them." } });
    expect(await post(shop.domain, batchId, [["intent", "rollback"]])).toMatchObject({ status: 200, body: { ok: true } });
    expect((await h.prisma.publication.findUniqueOrThrow({ where: { id: publications[0]!.id } })).unpublishRequestedAt).not.toBeNull();
    expect(await post(shop.domain, batchId, [["intent", "unpublish"], ["ids", jobIds[1]!]])).toMatchObject({ status: 400, body: { error: "Those photos are not on your products." } });
  });

  it("changes nothing for another shop's photos or shoot", async () => {
    const mine = await shootOf("owner", 1);
    const theirs = await shootOf("intruder", 1);
    // Their photo in my shoot's form, alone or with mine: 404, nothing changes.
    for (const fields of [
      [["intent", "approve"], ["ids", theirs.jobIds[0]!]],
      [["intent", "approve"], ["ids", mine.jobIds[0]!], ["ids", theirs.jobIds[0]!]],
      [["intent", "alt"], ["jobId", theirs.jobIds[0]!], ["alt", "Hijacked"]],
      [["intent", "regenerate"], ["jobId", theirs.jobIds[0]!]],
      [["intent", "unpublish"], ["ids", theirs.jobIds[0]!]],
    ] as [string, string][][]) {
      expect((await post(mine.shop.domain, mine.batchId, fields)).status).toBe(404);
    }
    // Their shoot from my session: not found either.
    expect((await post(mine.shop.domain, theirs.batchId, [["intent", "approve"], ["ids", theirs.jobIds[0]!]])).status).toBe(404);
    expect((await post(mine.shop.domain, theirs.batchId, [["intent", "rollback"]])).status).toBe(404);
    const jobs = await h.prisma.generationJob.findMany({ where: { id: { in: [mine.jobIds[0]!, theirs.jobIds[0]!] } } });
    expect(jobs.map((j) => [j.reviewState, j.altText, j.regeneratedAs])).toEqual([
      ["new", null, null],
      ["new", null, null],
    ]);
    expect(await h.prisma.generationJob.count({ where: { shopId: { in: [mine.shop.id, theirs.shop.id] } } })).toBe(2);
  });

  it("validates the form: unknown intents, malformed ids, too many ids", async () => {
    const { shop, batchId, jobIds } = await shootOf("validate", 1);
    expect(await post(shop.domain, batchId, [["intent", "delete-everything"]])).toEqual({ status: 400, body: { ok: false, error: "Unknown action" } });
    expect((await post(shop.domain, batchId, [["intent", "approve"], ["ids", "not-a-uuid"]])).status).toBe(400);
    expect(await post(shop.domain, batchId, [["intent", "approve"]])).toMatchObject({ status: 400, body: { error: "Select photos first." } });
    const many = Array.from({ length: MAX_IDS + 1 }, () => ["ids", jobIds[0]!] as [string, string]);
    expect(await post(shop.domain, batchId, [["intent", "approve"], ...many])).toMatchObject({ status: 400, body: { error: `Choose at most ${MAX_IDS} photos at a time.` } });
    expect(await post(shop.domain, batchId, [["intent", "publish"], ["position", "sideways"]])).toMatchObject({ status: 400, body: { error: "Choose where the photos go." } });
    expect(await states(jobIds)).toEqual(["new"]);
  });

  it("regenerates a flagged photo free", async () => {
    const { shop, batchId, jobIds } = await shootOf("regenerate", 1);
    await h.prisma.generationJob.update({ where: { id: jobIds[0] }, data: { needsReview: true } });
    expect((await load(shop.domain, batchId)).photos[0]).toMatchObject({ reviewStatus: "needs_review", regenerateCost: 0 });
    expect(await post(shop.domain, batchId, [["intent", "regenerate"], ["jobId", jobIds[0]!]])).toEqual({ status: 200, body: { ok: true, message: "Regenerating free" } });
    const old = await h.prisma.generationJob.findUniqueOrThrow({ where: { id: jobIds[0] } });
    expect(old.regeneratedAs).not.toBeNull();
    const after = await load(shop.domain, batchId);
    expect(after.photos.map((p) => [p.id, p.reviewStatus])).toEqual([[jobIds[0], "new"], [old.regeneratedAs, null]]);
    expect(after.active).toBe(true);
    // Shot again already: the next one is paid, and the balance is empty.
    expect(await post(shop.domain, batchId, [["intent", "regenerate"], ["jobId", jobIds[0]!]])).toMatchObject({ status: 400, body: { error: "This needs 1 credits and the balance is 0." } });
  });
});

describe("the product page", () => {
  it("lists the product's photos for review and acts on them, without a rollback", async () => {
    const { shop, product, jobIds } = await shootOf("product", 1);
    const request = await embeddedRequest(shop.domain, `/app/catalog/${product.number}`);
    const data = await productLoader({ request, params: { productId: product.number }, context: {} });
    expect(data.review.photos.map((p) => [p.id, p.reviewStatus, p.altText])).toEqual([[jobIds[0], "new", `${product.title}, worn by a model walking on a city street`]]);
    const act = async (fields: [string, string][]) => {
      const body = new URLSearchParams(fields);
      const r = await embeddedRequest(shop.domain, `/app/catalog/${product.number}`, { method: "POST", body, headers: { "Content-Type": "application/x-www-form-urlencoded" } });
      const outcome = await productAction({ request: r, params: { productId: product.number }, context: {} });
      return outcome instanceof Response ? outcome.status : 200;
    };
    expect(await act([["intent", "approve"], ["ids", jobIds[0]!]])).toBe(200);
    expect(await states(jobIds)).toEqual(["approved"]);
    expect(await act([["intent", "rollback"]])).toBe(400);
    // Another product's page does not reach this photo.
    const body = new URLSearchParams([["intent", "reject"], ["ids", jobIds[0]!]]);
    const elsewhere = await embeddedRequest(shop.domain, "/app/catalog/999", { method: "POST", body, headers: { "Content-Type": "application/x-www-form-urlencoded" } });
    expect(((await productAction({ request: elsewhere, params: { productId: "999" }, context: {} })) as Response).status).toBe(404);
    expect(await states(jobIds)).toEqual(["approved"]);
  });
});
