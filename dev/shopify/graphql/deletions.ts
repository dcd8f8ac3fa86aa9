import { forgetMedia } from "../filenames";
import type { SimContext } from "../runtime";
import { gid, parseGid, type MediaRecord, type ProductRecord } from "../state";
import { shopObject } from "./objects";

// Like Shopify, both check every input before deleting anything: a refused request
// leaves the shop as it was.

/** Removes a file from the shop and from every product and variant showing it. */
function deleteMedia(ctx: SimContext, media: MediaRecord): void {
  const now = new Date();
  for (const product of ctx.shop.products.values()) {
    if (!product.mediaIds.includes(media.id)) continue;
    product.mediaIds = product.mediaIds.filter((id) => id !== media.id);
    product.updatedAt = now;
  }
  for (const variant of ctx.shop.variants.values()) variant.mediaIds = variant.mediaIds.filter((id) => id !== media.id);
  forgetMedia(ctx.shop, media);
}

/** Removes a product, its variants, its place in manual collections, and the files no other product uses. */
function deleteProduct(ctx: SimContext, product: ProductRecord): void {
  for (const id of product.variantIds) ctx.shop.variants.delete(id);
  for (const media of [...ctx.shop.media.values()]) {
    const had = media.productIds.delete(product.id) || product.mediaIds.includes(media.id);
    if (had && media.productIds.size === 0) forgetMedia(ctx.shop, media);
  }
  for (const collection of ctx.shop.collections.values()) {
    if (!collection.productIds.includes(product.id)) continue;
    collection.productIds = collection.productIds.filter((id) => id !== product.id);
    collection.updatedAt = new Date();
  }
  ctx.shop.products.delete(product.id);
}

export function fileDelete(ctx: SimContext, args: { fileIds: string[] }) {
  const found = new Set<MediaRecord>();
  const userErrors: { field: string[]; message: string; code: "FILE_DOES_NOT_EXIST" }[] = [];
  for (const id of args.fileIds) {
    const ref = parseGid(id, "MediaImage");
    const media = ref && ctx.shop.media.get(ref.id);
    if (media) found.add(media);
    else userErrors.push({ field: ["fileIds"], message: `File id ${id} does not exist.`, code: "FILE_DOES_NOT_EXIST" });
  }
  if (userErrors.length) return { deletedFileIds: null, userErrors };
  for (const media of found) deleteMedia(ctx, media);
  return { deletedFileIds: [...found].map((m) => gid("MediaImage", m.id)), userErrors: [] };
}

export function productDelete(ctx: SimContext, args: { input: { id: string }; synchronous?: boolean | null }) {
  const refused = (field: string[], message: string) => ({
    deletedProductId: null,
    productDeleteOperation: null,
    shop: shopObject(ctx),
    userErrors: [{ field, message }],
  });
  const ref = parseGid(args.input.id, "Product");
  const product = ref && ctx.shop.products.get(ref.id);
  if (!product) return refused(["id"], "Product does not exist");
  if (args.synchronous === false) {
    return refused(["synchronous"], "Asynchronous productDelete (synchronous: false) is not implemented by the simulated shop; omit synchronous or pass true");
  }
  deleteProduct(ctx, product);
  // Shopify notifies subscribers after the fact; a failed delivery does not undo the deletion.
  if (ctx.sim.config.webhookPaths["products/delete"]) {
    void ctx.sim.deliverWebhook(ctx.shop.domain, "products/delete", { id: product.id }).catch(() => undefined);
  }
  return { deletedProductId: gid("Product", product.id), productDeleteOperation: null, shop: shopObject(ctx), userErrors: [] };
}
