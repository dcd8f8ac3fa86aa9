import { describe, expect, it } from "vitest";
import { AI_DISCLOSURE, MAX_ALT_TEXT, MAX_EDITABLE_ALT_TEXT, proposeAltText, publishedAltText } from "~/lib/alt-text";
import { readPublishSettings } from "~/lib/shop-settings";
import { InsufficientCreditsError } from "~/services/credits/errors.server";
import { grantPurchase } from "~/services/credits/operations.server";
import { getBalance } from "~/services/credits/queries.server";
import { autoPublish } from "~/services/publish/auto-publish.server";
import { requestPublish, requestUnpublish } from "~/services/publish/requests.server";
import { matchesFilter, reviewItems, ReviewError, setAltText, setReviewState } from "~/services/review/review.server";
import { regenerate, RegenerateError } from "~/services/shoots/regenerate.server";
import { makeShop, useTestDb } from "../support/db";
import { finishedPhoto } from "../support/outputs";
import { tempStorage } from "../publish/support";

const h = useTestDb(4);
const { storage } = tempStorage("review");
const product = "gid://shopify/Product/8000000001";

describe("reviewing photos", () => {
  it("approves, rejects and filters a shoot's photos by where they stand", async () => {
    const shop = await makeShop(h);
    const a = await finishedPhoto(h, storage, { shopId: shop.id, productId: product, reviewState: "new" });
    const b = await finishedPhoto(h, storage, { shopId: shop.id, productId: product, reviewState: "new", batchId: a.batchId, variation: 2 });
    const c = await finishedPhoto(h, storage, { shopId: shop.id, productId: product, reviewState: "new", batchId: a.batchId, variation: 3, needsReview: true });
    expect(await setReviewState(h.prisma, shop.id, [a.jobId, b.jobId], "approved")).toBe(2);
    const [pub] = await requestPublish(h.prisma, shop.id, [a.jobId], { position: "append", attachVariants: false });
    await h.prisma.publication.update({ where: { id: pub! }, data: { status: "ready", mediaId: "gid://shopify/MediaImage/1" } });

    // A photo on the product must be taken back before it can be rejected.
    expect(await setReviewState(h.prisma, shop.id, [a.jobId], "rejected")).toBe(0);
    expect(await setReviewState(h.prisma, shop.id, [b.jobId], "rejected")).toBe(1);

    const items = await reviewItems(h.prisma, shop.id, { batchId: a.batchId });
    const status = Object.fromEntries(items.map((i) => [i.id, i.reviewStatus]));
    expect(status).toEqual({ [a.jobId]: "published", [b.jobId]: "rejected", [c.jobId]: "needs_review" });
    expect(items.filter((i) => matchesFilter(i.reviewStatus, "published")).map((i) => i.id)).toEqual([a.jobId]);
    expect(items.filter((i) => matchesFilter(i.reviewStatus, "needs_review")).map((i) => i.id)).toEqual([c.jobId]);
    expect(items.filter((i) => matchesFilter(i.reviewStatus, "all"))).toHaveLength(3);
    expect(items.find((i) => i.id === a.jobId)!.output!.path).toBe(a.output.path);

    // Asked to come off: no longer counted as published, and can be rejected again.
    await requestUnpublish(h.prisma, shop.id, [pub!]);
    const after = await reviewItems(h.prisma, shop.id, { productId: product });
    expect(after.find((i) => i.id === a.jobId)!.reviewStatus).toBe("approved");
    expect(await setReviewState(h.prisma, shop.id, [a.jobId], "rejected")).toBe(1);
  });

  it("keeps each shop's photos to itself", async () => {
    const shop = await makeShop(h);
    const other = await makeShop(h);
    const photo = await finishedPhoto(h, storage, { shopId: shop.id, productId: product, reviewState: "new" });
    expect(await setReviewState(h.prisma, other.id, [photo.jobId], "approved")).toBe(0);
    await expect(setAltText(h.prisma, other.id, photo.jobId, "Hijacked")).rejects.toThrow(ReviewError);
    expect(await reviewItems(h.prisma, other.id, { batchId: photo.batchId })).toEqual([]);
    await expect(regenerate(h.prisma, other.id, photo.jobId)).rejects.toThrow(RegenerateError);
    expect((await h.prisma.generationJob.findUniqueOrThrow({ where: { id: photo.jobId } })).reviewState).toBe("new");
  });

  it("saves edited alt text within its limits", async () => {
    const shop = await makeShop(h);
    const photo = await finishedPhoto(h, storage, { shopId: shop.id, productId: product });
    expect(await setAltText(h.prisma, shop.id, photo.jobId, "  Navy hoodie on a model  ")).toBe("Navy hoodie on a model");
    await expect(setAltText(h.prisma, shop.id, photo.jobId, "   ")).rejects.toThrow("can't be empty");
    await expect(setAltText(h.prisma, shop.id, photo.jobId, "x".repeat(MAX_EDITABLE_ALT_TEXT + 1))).rejects.toThrow(/under/);
    expect((await h.prisma.generationJob.findUniqueOrThrow({ where: { id: photo.jobId } })).altText).toBe("Navy hoodie on a model");
  });
});

describe("alt text", () => {
  it("proposes it from the title, colour and presets, and appends the disclosure once", () => {
    const alt = proposeAltText({ title: "Relaxed Navy Hoodie", colour: "Olive", modelPreset: "fashion_model_v1", posePreset: "walking", scenePreset: "beach" });
    expect(alt).toBe("Relaxed Navy Hoodie in Olive, worn by a model walking on a beach");
    expect(proposeAltText({ title: "Relaxed Navy Hoodie", colour: "navy", modelPreset: "dress_form", posePreset: "walking", scenePreset: "studio" })).toBe(
      "Relaxed Navy Hoodie, shown on a dress form in a studio",
    );
    expect(publishedAltText(alt, true)).toBe(`${alt} (${AI_DISCLOSURE})`);
    expect(publishedAltText(`${alt} (${AI_DISCLOSURE})`, true)).toBe(`${alt} (${AI_DISCLOSURE})`);
    expect(publishedAltText(alt, false)).toBe(alt);
    const long = publishedAltText("word ".repeat(200), true);
    expect(long.length).toBeLessThanOrEqual(MAX_ALT_TEXT);
    expect(long.endsWith(`(${AI_DISCLOSURE})`)).toBe(true);
  });

  it("reads settings leniently: disclosure on and auto-publish off unless the shop chose otherwise", () => {
    expect(readPublishSettings({})).toEqual({ aiDisclosure: true, autoPublish: false, publishPosition: "append", attachVariants: false });
    expect(readPublishSettings({ aiDisclosure: "yes", publishPosition: "middle", autoPublish: true })).toMatchObject({
      aiDisclosure: true,
      autoPublish: true,
      publishPosition: "append",
    });
    expect(readPublishSettings(null).aiDisclosure).toBe(true);
  });
});

describe("regenerating", () => {
  it("charges a photo that passed the gate like a new job, and refuses without credits leaving everything as it was", async () => {
    const shop = await makeShop(h);
    const photo = await finishedPhoto(h, storage, { shopId: shop.id, productId: product, reviewState: "rejected" });
    const balance = await getBalance(h.prisma, shop.id);
    await expect(regenerate(h.prisma, shop.id, photo.jobId)).rejects.toThrow(InsufficientCreditsError);
    expect(await getBalance(h.prisma, shop.id)).toBe(balance);
    expect(await h.prisma.generationJob.count({ where: { shopId: shop.id } })).toBe(1);

    await grantPurchase(h.prisma, shop.id, { credits: 5, key: `regen-${shop.id}` });
    const next = await regenerate(h.prisma, shop.id, photo.jobId);
    expect(next.costCredits).toBe(1);
    expect(await getBalance(h.prisma, shop.id)).toBe(balance + 5 - 1);
    const job = await h.prisma.generationJob.findUniqueOrThrow({ where: { id: next.jobId } });
    expect(job).toMatchObject({ status: "pending", batchId: photo.batchId, productId: product, posePreset: "walking", reviewState: "new" });
    expect((await h.prisma.generationJob.findUniqueOrThrow({ where: { id: photo.jobId } })).regeneratedAs).toBe(next.jobId);
    // Paid regeneration can be asked for again; each one is charged.
    await regenerate(h.prisma, shop.id, photo.jobId);
    expect(await getBalance(h.prisma, shop.id)).toBe(balance + 5 - 2);
  });

  it("is free, once, for a photo the fidelity gate flagged", async () => {
    const shop = await makeShop(h);
    const photo = await finishedPhoto(h, storage, { shopId: shop.id, productId: product, needsReview: true, reviewState: "new" });
    const balance = await getBalance(h.prisma, shop.id);
    expect((await regenerate(h.prisma, shop.id, photo.jobId)).costCredits).toBe(0);
    expect(await getBalance(h.prisma, shop.id)).toBe(balance);
    // The second time it is a paid regeneration, refused here for want of credits.
    await expect(regenerate(h.prisma, shop.id, photo.jobId)).rejects.toThrow(InsufficientCreditsError);
  });
});

describe("auto-publish", () => {
  it("publishes only photos that passed the gate, and only when the shop turned it on", async () => {
    const shop = await makeShop(h);
    const passed = await finishedPhoto(h, storage, { shopId: shop.id, productId: product, reviewState: "new" });
    const flagged = await finishedPhoto(h, storage, { shopId: shop.id, productId: product, reviewState: "new", needsReview: true, batchId: passed.batchId, variation: 2 });
    expect(await autoPublish(h.prisma, shop.id, passed.jobId)).toEqual([]);
    expect((await h.prisma.generationJob.findUniqueOrThrow({ where: { id: passed.jobId } })).reviewState).toBe("new");

    await h.prisma.shop.update({ where: { id: shop.id }, data: { settings: { autoPublish: true, publishPosition: "featured", attachVariants: true } } });
    const [pubId] = await autoPublish(h.prisma, shop.id, passed.jobId);
    expect(await h.prisma.publication.findUniqueOrThrow({ where: { id: pubId! } })).toMatchObject({ status: "pending", position: "featured", attachVariants: true });
    expect((await h.prisma.generationJob.findUniqueOrThrow({ where: { id: passed.jobId } })).reviewState).toBe("approved");
    expect(await autoPublish(h.prisma, shop.id, flagged.jobId)).toEqual([]);
    expect((await h.prisma.generationJob.findUniqueOrThrow({ where: { id: flagged.jobId } })).reviewState).toBe("new");
    // A photo the merchant already rejected stays rejected.
    await setReviewState(h.prisma, shop.id, [flagged.jobId], "rejected");
    await h.prisma.generationJob.update({ where: { id: flagged.jobId }, data: { needsReview: false } });
    expect(await autoPublish(h.prisma, shop.id, flagged.jobId)).toEqual([]);
  });
});
