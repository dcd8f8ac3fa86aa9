import { z } from "zod";
import type { Db } from "../prisma.server";

// What the products/update and products/delete webhooks tell Atelier about a product.
export const productWebhookPayload = z.object({
  id: z.union([z.number(), z.string()]),
  admin_graphql_api_id: z.string().optional(),
  media: z
    .array(
      z.object({
        admin_graphql_api_id: z.string(),
        preview_image: z.object({ src: z.string().nullable().optional() }).nullable().optional(),
      }),
    )
    .optional(),
});
export type ProductWebhookPayload = z.infer<typeof productWebhookPayload>;

export function productGid(payload: ProductWebhookPayload): string {
  return payload.admin_graphql_api_id ?? `gid://shopify/Product/${payload.id}`;
}

/**
 * Marks imported photos stale when the product no longer has that media, or its URL
 * (which carries a version) changed. The next import fetches them again; stale assets
 * stay usable for shoots already queued.
 */
export async function markChangedImagesStale(db: Db, shopId: string, payload: ProductWebhookPayload): Promise<number> {
  if (!payload.media) return 0;
  const productId = productGid(payload);
  const current = new Map(payload.media.map((m) => [m.admin_graphql_api_id, m.preview_image?.src ?? null]));
  const assets = await db.asset.findMany({
    where: { shopId, productId, kind: "upload", source: "shopify", status: "active" },
    select: { id: true, mediaId: true, sourceUrl: true },
  });
  const stale = assets.filter((a) => {
    if (!a.mediaId || !current.has(a.mediaId)) return true;
    const src = current.get(a.mediaId);
    return Boolean(src && a.sourceUrl && src !== a.sourceUrl);
  });
  if (stale.length === 0) return 0;
  const result = await db.asset.updateMany({ where: { id: { in: stale.map((a) => a.id) }, shopId }, data: { status: "stale" } });
  return result.count;
}

/** A deleted product's photos stay for shoots already made but leave the catalog. */
export async function orphanProductImages(db: Db, shopId: string, payload: ProductWebhookPayload): Promise<number> {
  const result = await db.asset.updateMany({
    where: { shopId, productId: productGid(payload), kind: "upload" },
    data: { status: "orphaned" },
  });
  return result.count;
}
