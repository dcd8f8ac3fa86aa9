import { randomUUID } from "node:crypto";
import type { PrismaHandle } from "~/services/prisma.server";
import type { Storage } from "~/services/storage/storage.server";

/** A product's photo as an import leaves it: the bytes in `uploads` and an active upload asset. */
export async function addProductPhoto(
  h: PrismaHandle,
  storage: Storage,
  p: { shopId: string; productId: string; bytes: Buffer; width?: number; height?: number },
) {
  const path = `${p.shopId}/${randomUUID()}.jpg`;
  await storage.put("uploads", path, p.bytes, { contentType: "image/jpeg" });
  return h.prisma.asset.create({
    data: {
      shopId: p.shopId,
      kind: "upload",
      source: "shopify",
      bucket: "uploads",
      path,
      productId: p.productId,
      mimeType: "image/jpeg",
      byteSize: BigInt(p.bytes.length),
      width: p.width,
      height: p.height,
    },
  });
}
