import { unstable_parseMultipartFormData, type ActionFunctionArgs } from "@remix-run/node";
import prisma from "~/db.server";
import { requireShop } from "~/lib/shop-context.server";
import { MAX_UPLOAD_BYTES, saveMerchantUpload } from "~/services/catalog/merchant-upload.server";
import { ImageRejectedError } from "~/services/images/ingest.server";
import { storage } from "~/storage.server";

const PRODUCT_EXISTS = `#graphql
  query AtelierProductExists($id: ID!) { product(id: $id) { id } }`;

const REASONS: Record<string, string> = {
  too_large: `The file is larger than ${MAX_UPLOAD_BYTES / 1024 / 1024} MB.`,
  unsupported_type: "Only JPEG, PNG, WebP or GIF images can be uploaded.",
  too_many_pixels: "The image has too many pixels; use one under 50 megapixels.",
  too_many_frames: "Animated images with that many frames are not supported.",
  corrupt: "The file is damaged or not a complete image.",
  empty: "The file is empty.",
};

// POST multipart/form-data with one "photo" part: the merchant's own photo of a product.
export const action = async ({ request, params }: ActionFunctionArgs) => {
  if (!/^\d{1,20}$/.test(params.productId ?? "")) return Response.json({ error: "Unknown product." }, { status: 404 });
  const { shop, graphql } = await requireShop(request);
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > MAX_UPLOAD_BYTES + 64 * 1024) return Response.json({ error: REASONS.too_large }, { status: 413 });
  const productId = `gid://shopify/Product/${params.productId}`;
  // Only products of this shop: a photo for another store's product is never saved.
  const found = await graphql.request<{ product: { id: string } | null }>(PRODUCT_EXISTS, { id: productId });
  if (!found.product) return Response.json({ error: "Unknown product." }, { status: 404 });
  const saved: string[] = [];
  try {
    await unstable_parseMultipartFormData(request, async (part) => {
      if (part.name !== "photo" || !part.filename) return undefined;
      if (saved.length > 0) throw new ImageRejectedError("unsupported_type", "one photo per upload");
      const asset = await saveMerchantUpload({ db: prisma, storage: storage() }, { shopId: shop.id, productId, source: part.data, declaredType: part.contentType });
      saved.push(asset.id);
      return asset.id;
    });
  } catch (error) {
    if (error instanceof ImageRejectedError) {
      return Response.json({ error: REASONS[error.code] ?? error.message, reason: error.code }, { status: 400 });
    }
    return Response.json({ error: "The upload could not be read." }, { status: 400 });
  }
  if (saved.length === 0) return Response.json({ error: "Choose a photo to upload." }, { status: 400 });
  return Response.json({ assetId: saved[0], error: null });
};
