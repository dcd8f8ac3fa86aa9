import type { PrismaClient } from "@prisma/client";
import type { Storage } from "../storage/storage.server";

export interface IngestedImage {
  bytes: Buffer;
  mimeType: string;
  ext: string;
  width: number;
  height: number;
  /** Hash of the bytes as downloaded: what "same bytes" means for re-imports. */
  sourceSha256: string;
}

export interface ImageIngestDeps {
  db: PrismaClient;
  storage: Storage;
  /** Guarded download of a URL (scheme, address, byte and time caps). */
  download(url: string): Promise<AsyncIterable<Uint8Array>>;
  /** Sniff, validate and re-encode. */
  ingest(source: AsyncIterable<Uint8Array>): Promise<IngestedImage>;
  newKey(ext: string): string;
}

export type ImageOutcome = "imported" | "unchanged";

/**
 * Imports one product image as an asset. Idempotent: the same URL, or the same bytes
 * under a new URL, adds nothing; changed bytes add the next version and mark the
 * previous one stale. A failure leaves no file and no row behind.
 */
export async function importShopifyImage(
  deps: ImageIngestDeps,
  p: { shopId: string; productId: string; mediaId: string; url: string },
): Promise<ImageOutcome> {
  const latest = await deps.db.asset.findFirst({
    where: { shopId: p.shopId, mediaId: p.mediaId, kind: "upload", source: "shopify" },
    orderBy: { version: "desc" },
  });
  if (latest && latest.sourceUrl === p.url && latest.status === "active") return "unchanged";

  const image = await deps.ingest(await deps.download(p.url));
  if (latest && latest.sha256 === image.sourceSha256) {
    await deps.db.asset.update({ where: { id: latest.id }, data: { sourceUrl: p.url, status: "active", productId: p.productId } });
    return "unchanged";
  }
  const path = `${p.shopId}/${deps.newKey(image.ext)}`;
  await deps.storage.put("uploads", path, image.bytes, { contentType: image.mimeType });
  try {
    await deps.db.$transaction(async (tx) => {
      await tx.asset.create({
        data: {
          shopId: p.shopId,
          kind: "upload",
          source: "shopify",
          bucket: "uploads",
          path,
          productId: p.productId,
          mediaId: p.mediaId,
          sha256: image.sourceSha256,
          mimeType: image.mimeType,
          byteSize: BigInt(image.bytes.length),
          width: image.width,
          height: image.height,
          version: (latest?.version ?? 0) + 1,
          sourceUrl: p.url,
        },
      });
      if (latest) await tx.asset.updateMany({ where: { id: latest.id }, data: { status: "stale" } });
    });
  } catch (error) {
    await deps.storage.delete("uploads", [path]).catch(() => undefined);
    // A concurrent import of the same media won the version: that is the same outcome.
    if ((error as { code?: string }).code === "P2002") return "unchanged";
    throw error;
  }
  return "imported";
}
