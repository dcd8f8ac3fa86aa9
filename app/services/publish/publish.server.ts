import type { Publication } from "@prisma/client";
import { altColour, proposeAltText, publishedAltText } from "../../lib/alt-text";
import { readPublishSettings } from "../../lib/shop-settings";
import type { Db } from "../prisma.server";
import type { AdminGraphQL } from "../shopify/admin-graphql.server";
import type { Storage } from "../storage/storage.server";
import {
  addProductMedia,
  createStagedUpload,
  deleteFiles,
  fetchMediaStatus,
  fetchProductMedia,
  fetchProductVariants,
  moveMedia,
  PublishUserError,
  setVariantMedia,
  uploadToStagedTarget,
  type ProductWithMedia,
  type ProductMedia,
} from "./shopify-media.server";
import { photoColour, variantsOfColour } from "./variant-colour.server";

export interface PublishDeps {
  db: Db;
  admin: AdminGraphQL;
  storage: Storage;
  /** How long one worker holds a publication; a crashed worker's lease runs out. */
  leaseMs?: number;
  /** How long Shopify may take to process an uploaded photo before it counts as failed. */
  processingTimeoutMs?: number;
}

export type ReconcileOutcome =
  | { state: "published" | "unpublished" | "failed" | "gone" }
  | { state: "wait"; ms: number; reason: string };

const POLL_MS = 1_000;

class PublishFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Brings one publication in line with what the merchant asked for: the photo on the
 * product (with its position and variants), or taken back off. Every step first looks
 * at what Shopify already has, so a retry after a crash anywhere (even between the
 * upload and recording the media id) never adds a second copy.
 */
export async function reconcilePublication(deps: PublishDeps, shopId: string, publicationId: string): Promise<ReconcileOutcome> {
  const pub = await claimLease(deps.db, shopId, publicationId, deps.leaseMs ?? 120_000);
  if (!pub) {
    const exists = await deps.db.publication.count({ where: { id: publicationId, shopId } });
    return exists ? { state: "wait", ms: 2_000, reason: "another worker holds this publication" } : { state: "gone" };
  }
  try {
    if (pub.unpublishRequestedAt && pub.status !== "unpublished") return await takeBack(deps, pub);
    if (pub.status === "ready") return { state: "published" };
    if (pub.status === "unpublished") return { state: "unpublished" };
    if (pub.status === "failed") return { state: "failed" };
    return await putOn(deps, pub);
  } catch (error) {
    if (error instanceof PublishFailure) {
      await markFailed(deps.db, pub, error.code, error.message);
      return { state: "failed" };
    }
    if (error instanceof PublishUserError) {
      await markFailed(deps.db, pub, error.code, `Shopify refused the change: ${error.message}`);
      return { state: "failed" };
    }
    throw error;
  } finally {
    await releaseLease(deps.db, pub.id);
  }
}

/** Gives the publication back at once; if even that fails, the lease runs out on its own. */
async function releaseLease(db: Db, id: string): Promise<void> {
  await db.$executeRaw`update public.publications set lease_until = null where id = ${id}::uuid`.catch(() => undefined);
}

async function claimLease(db: Db, shopId: string, id: string, ms: number): Promise<Publication | null> {
  const claimed = await db.$queryRaw<{ id: string }[]>`
    update public.publications set lease_until = now() + make_interval(secs => ${ms / 1000})
     where id = ${id}::uuid and shop_id = ${shopId}::uuid and (lease_until is null or lease_until < now())
     returning id`;
  if (!claimed.length) return null;
  try {
    return await db.publication.findUniqueOrThrow({ where: { id } });
  } catch (error) {
    // Claimed but not read (a cut connection): give it back rather than hold it for the lease.
    await releaseLease(db, id);
    throw error;
  }
}

/** A publication that could not be done; the message is what the merchant reads. */
export async function markFailed(db: Db, pub: Pick<Publication, "id" | "shopId">, code: string, message: string): Promise<void> {
  await db.publication.updateMany({
    where: { id: pub.id, shopId: pub.shopId, status: { notIn: ["ready", "unpublished"] } },
    data: { status: "failed", errorCode: code.slice(0, 100), errorMessage: message.slice(0, 1000) },
  });
}

function fileNamePrefix(pub: Pick<Publication, "id">): string {
  return `atelier-${pub.id}`;
}

/**
 * The copy of this publication's photo already on the product, if an earlier attempt
 * got that far: new since the first upload and carrying our file name in its URL, or,
 * while Shopify has not processed it yet (no URL), our alt text.
 */
function findOurMedia(media: ProductMedia[], pub: Publication): ProductMedia | null {
  if (pub.mediaId) return media.find((m) => m.id === pub.mediaId) ?? null;
  if (!pub.filename) return null;
  const before = new Set((pub.mediaBefore as string[] | null) ?? []);
  const fresh = media.filter((m) => !before.has(m.id));
  const prefix = fileNamePrefix(pub);
  const named = fresh.find((m) => m.image?.url && decodeURIComponent(new URL(m.image.url).pathname.split("/").pop() ?? "").startsWith(prefix));
  return named ?? fresh.find((m) => !m.image?.url && pub.alt !== null && m.alt === pub.alt) ?? null;
}

async function putOn(deps: PublishDeps, pub: Publication): Promise<ReconcileOutcome> {
  const { db, admin } = deps;
  let media: ProductMedia | null;
  if (pub.mediaId) {
    media = await fetchMediaStatus(admin, pub.mediaId);
    if (!media) {
      if (!(await fetchProductMedia(admin, pub.productId))) throw new PublishFailure("product_deleted", "The product was deleted in Shopify.");
      throw new PublishFailure("media_removed", "The photo was removed from the product in Shopify before it was published.");
    }
  } else {
    const product = await fetchProductMedia(admin, pub.productId);
    if (!product) throw new PublishFailure("product_deleted", "The product was deleted in Shopify.");
    media = findOurMedia(product.media.nodes, pub);
    if (!media) return upload(deps, pub, product);
    await db.publication.update({ where: { id: pub.id }, data: { mediaId: media.id, status: "processing", uploadedAt: pub.uploadedAt ?? new Date() } });
    pub.mediaId = media.id;
  }
  if (media.status === "FAILED") {
    const reason = media.mediaErrors[0];
    // A broken image in the merchant's gallery helps no one; it is ours to remove.
    await deleteFiles(admin, [media.id]).catch(() => undefined);
    throw new PublishFailure(reason?.code ?? "media_failed", `Shopify could not process the photo: ${reason?.message ?? "unknown reason"}.`);
  }
  if (media.status !== "READY") {
    const since = pub.uploadedAt?.getTime() ?? Date.now();
    if (Date.now() - since > (deps.processingTimeoutMs ?? 15 * 60_000)) {
      throw new PublishFailure("media_timeout", "Shopify did not finish processing the photo.");
    }
    return { state: "wait", ms: POLL_MS, reason: "Shopify is processing the photo" };
  }
  if (pub.position === "featured") {
    const product = await fetchProductMedia(admin, pub.productId);
    if (!product) throw new PublishFailure("product_deleted", "The product was deleted in Shopify.");
    if (product.featuredMedia?.id !== media.id) await moveMedia(admin, pub.productId, media.id, 0);
  }
  if (pub.attachVariants) await attachToVariants(deps, pub, media.id);
  await db.publication.update({
    where: { id: pub.id },
    data: { status: "ready", publishedAt: new Date(), errorCode: null, errorMessage: null },
  });
  return { state: "published" };
}

async function upload(deps: PublishDeps, pub: Publication, product: ProductWithMedia): Promise<ReconcileOutcome> {
  const { db, admin, storage } = deps;
  const asset = await db.asset.findFirst({ where: { id: pub.outputAssetId, shopId: pub.shopId } });
  if (!asset) throw new PublishFailure("output_missing", "The photo's file is gone.");
  const alt = pub.alt ?? (await altFor(deps, pub, product));
  const ext = asset.mimeType === "image/png" ? "png" : asset.mimeType === "image/webp" ? "webp" : "jpg";
  const filename = `${fileNamePrefix(pub)}.${ext}`;
  // What was on the product before the first attempt: never ours to match or remove.
  const mediaBefore = (pub.mediaBefore as string[] | null) ?? product.media.nodes.map((m) => m.id);
  await db.publication.update({ where: { id: pub.id }, data: { status: "uploading", filename, alt, mediaBefore } });
  Object.assign(pub, { filename, alt, mediaBefore });
  const bytes = await storage.get(asset.bucket as "outputs", asset.path);
  const target = await createStagedUpload(admin, { filename, mimeType: asset.mimeType, fileSize: bytes.length });
  await uploadToStagedTarget(target, { bytes, filename, mimeType: asset.mimeType });
  const latest = await addProductMedia(admin, product.id, { originalSource: target.resourceUrl, alt });
  const before = new Set(mediaBefore);
  const created = [...latest].reverse().find((m) => !before.has(m.id) && m.alt === alt);
  // Without the id in the answer the next attempt finds the copy on the product.
  if (!created) throw new Error("Shopify did not return the new media");
  await db.publication.update({ where: { id: pub.id }, data: { mediaId: created.id, status: "processing", uploadedAt: new Date() } });
  return { state: "wait", ms: POLL_MS, reason: "Shopify is processing the photo" };
}

async function sourceOf(db: Db, pub: Publication) {
  const job = pub.jobId
    ? await db.generationJob.findFirst({
        where: { id: pub.jobId, shopId: pub.shopId },
        select: { inputAssetId: true, altText: true, modelPreset: true, posePreset: true, scenePreset: true },
      })
    : null;
  const input = job?.inputAssetId ? await db.asset.findFirst({ where: { id: job.inputAssetId, shopId: pub.shopId }, select: { mediaId: true } }) : null;
  return { job, mediaId: input?.mediaId ?? null };
}

/** The merchant's alt text, or the same proposal the review page showed them. */
async function altFor(deps: PublishDeps, pub: Publication, product: ProductWithMedia): Promise<string> {
  const { job } = await sourceOf(deps.db, pub);
  const shop = await deps.db.shop.findUniqueOrThrow({ where: { id: pub.shopId }, select: { settings: true } });
  const text =
    job?.altText ??
    proposeAltText({
      title: product.title,
      colour: altColour(product.options),
      modelPreset: job?.modelPreset ?? "",
      posePreset: job?.posePreset ?? "",
      scenePreset: job?.scenePreset ?? "",
    });
  return publishedAltText(text, readPublishSettings(shop.settings).aiDisclosure);
}

async function attachToVariants(deps: PublishDeps, pub: Publication, mediaId: string): Promise<void> {
  const { mediaId: source } = await sourceOf(deps.db, pub);
  const variants = await fetchProductVariants(deps.admin, pub.productId);
  if (!variants) throw new PublishFailure("product_deleted", "The product was deleted in Shopify.");
  const colour = photoColour(variants, source);
  if (!colour) return;
  const matching = variantsOfColour(variants, colour);
  // Each variant's own image is recorded once, before the first attach, so taking the
  // photo back can give it back.
  let before = pub.variantMediaBefore as Record<string, string | null> | null;
  if (!before) {
    before = Object.fromEntries(matching.map((v) => [v.id, v.media.nodes[0]?.id ?? null]));
    await deps.db.publication.update({ where: { id: pub.id }, data: { variantMediaBefore: before } });
  }
  const recorded = before;
  const pairs = matching.filter((v) => v.id in recorded && v.media.nodes[0]?.id !== mediaId).map((v) => ({ variantId: v.id, mediaId }));
  await setVariantMedia(deps.admin, pub.productId, pairs);
}

async function takeBack(deps: PublishDeps, pub: Publication): Promise<ReconcileOutcome> {
  const { db, admin } = deps;
  const done = async () => {
    await db.publication.update({ where: { id: pub.id }, data: { status: "unpublished", unpublishedAt: new Date() } });
    return { state: "unpublished" as const };
  };
  let mediaId = pub.mediaId;
  if (!mediaId && pub.filename) {
    const product = await fetchProductMedia(admin, pub.productId);
    mediaId = product ? (findOurMedia(product.media.nodes, pub)?.id ?? null) : null;
  }
  if (!mediaId) return done();
  // Variants that showed their own image before we attached ours get it back.
  const before = (pub.variantMediaBefore as Record<string, string | null> | null) ?? {};
  let restore: { variantId: string; mediaId: string }[] = [];
  if (Object.values(before).some(Boolean)) {
    const variants = (await fetchProductVariants(admin, pub.productId)) ?? [];
    const candidates = variants.filter((v) => {
      const shown = v.media.nodes[0]?.id ?? null;
      return before[v.id] && (shown === mediaId || shown === null);
    });
    if (candidates.length) {
      const product = await fetchProductMedia(admin, pub.productId);
      const ready = new Set(product?.media.nodes.filter((m) => m.id !== mediaId && m.status === "READY").map((m) => m.id) ?? []);
      restore = candidates.filter((v) => ready.has(before[v.id]!)).map((v) => ({ variantId: v.id, mediaId: before[v.id]! }));
    }
  }
  try {
    await deleteFiles(admin, [mediaId]);
  } catch (error) {
    // Already deleted in Shopify (by the merchant, or by an attempt that crashed after it).
    if (!(error instanceof PublishUserError && /NOT_EXIST|NOT_FOUND/i.test(error.code))) throw error;
  }
  if (restore.length) await setVariantMedia(admin, pub.productId, restore);
  return done();
}
