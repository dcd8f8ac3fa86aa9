import type { PrismaClient } from "@prisma/client";
import { ingestImage, newAssetKey, type IngestedImage } from "../images/ingest.server";
import type { Storage } from "../storage/storage.server";

/** The uploads bucket's limit: a merchant's photo above it is refused while streaming. */
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

/**
 * A merchant's own photo for a product: validated and re-encoded as it streams in,
 * then stored and recorded. A refused file leaves neither a file nor a row.
 */
export async function saveMerchantUpload(
  deps: { db: PrismaClient; storage: Storage },
  p: { shopId: string; productId: string; source: AsyncIterable<Uint8Array>; declaredType?: string },
) {
  const image: IngestedImage = await ingestImage(p.source, { maxBytes: MAX_UPLOAD_BYTES, declaredType: p.declaredType });
  const path = `${p.shopId}/${newAssetKey(image.ext)}`;
  await deps.storage.put("uploads", path, image.bytes, { contentType: image.mimeType });
  try {
    return await deps.db.asset.create({
      data: {
        shopId: p.shopId,
        kind: "upload",
        source: "merchant",
        bucket: "uploads",
        path,
        productId: p.productId,
        sha256: image.sourceSha256,
        mimeType: image.mimeType,
        byteSize: BigInt(image.bytes.length),
        width: image.width,
        height: image.height,
      },
    });
  } catch (error) {
    await deps.storage.delete("uploads", [path]).catch(() => undefined);
    throw error;
  }
}
