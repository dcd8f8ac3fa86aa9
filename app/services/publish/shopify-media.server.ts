import { z } from "zod";
import type { AdminGraphQL } from "../shopify/admin-graphql.server";

// The Admin GraphQL calls that put a photo on a product and take it off again. Every
// answer is parsed: a field Shopify renames fails here, loudly, not three steps later.

export class PublishUserError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = "PublishUserError";
  }
}

const userErrors = z.array(z.object({ field: z.array(z.string()).nullish(), message: z.string(), code: z.string().nullish() }));

function assertNoUserErrors(errors: z.infer<typeof userErrors>, fallbackCode: string): void {
  if (errors.length === 0) return;
  throw new PublishUserError(errors.map((e) => e.message).join("; "), errors[0]!.code ?? fallbackCode);
}

// Three reads of different cost: the product's media (to find what is ours), its
// variants (only to attach by colour), and one media's status (polled while Shopify
// processes it), so polling never pays for the whole product.

export const PRODUCT_MEDIA = `#graphql
  query AtelierProductMedia($id: ID!) {
    product(id: $id) {
      id
      title
      featuredMedia { id }
      options(first: 3) { name values }
      media(last: 100) {
        nodes {
          id
          alt
          status
          mediaErrors { code message }
          ... on MediaImage { image { url } }
        }
      }
    }
  }`;

const mediaNode = z.object({
  id: z.string(),
  alt: z.string().nullish(),
  status: z.enum(["UPLOADED", "PROCESSING", "READY", "FAILED"]),
  mediaErrors: z.array(z.object({ code: z.string(), message: z.string() })).default([]),
  image: z.object({ url: z.string() }).nullish(),
});
export type ProductMedia = z.infer<typeof mediaNode>;

const productMedia = z.object({
  product: z
    .object({
      id: z.string(),
      title: z.string(),
      featuredMedia: z.object({ id: z.string() }).nullish(),
      options: z.array(z.object({ name: z.string(), values: z.array(z.string()) })).default([]),
      // The newest media: where a copy the app appended is found.
      media: z.object({ nodes: z.array(mediaNode) }),
    })
    .nullable(),
});
export type ProductWithMedia = NonNullable<z.infer<typeof productMedia>["product"]>;

export async function fetchProductMedia(admin: AdminGraphQL, productId: string): Promise<ProductWithMedia | null> {
  return productMedia.parse(await admin.request(PRODUCT_MEDIA, { id: productId })).product;
}

export const PRODUCT_VARIANTS = `#graphql
  query AtelierProductVariants($id: ID!) {
    product(id: $id) {
      variants(first: 100) {
        nodes {
          id
          selectedOptions { name value }
          media(first: 1) { nodes { id } }
        }
      }
    }
  }`;

const variantNode = z.object({
  id: z.string(),
  selectedOptions: z.array(z.object({ name: z.string(), value: z.string() })),
  media: z.object({ nodes: z.array(z.object({ id: z.string() })) }),
});
export type ProductVariantMedia = z.infer<typeof variantNode>;

const productVariants = z.object({ product: z.object({ variants: z.object({ nodes: z.array(variantNode) }) }).nullable() });

export async function fetchProductVariants(admin: AdminGraphQL, productId: string): Promise<ProductVariantMedia[] | null> {
  return productVariants.parse(await admin.request(PRODUCT_VARIANTS, { id: productId })).product?.variants.nodes ?? null;
}

export const MEDIA_STATUS = `#graphql
  query AtelierMediaStatus($id: ID!) {
    node(id: $id) {
      ... on MediaImage { id alt status mediaErrors { code message } image { url } }
    }
  }`;

const mediaStatus = z.object({ node: z.record(z.string(), z.unknown()).nullable() });

/** One media's processing state; null when it no longer exists. */
export async function fetchMediaStatus(admin: AdminGraphQL, mediaId: string): Promise<ProductMedia | null> {
  const node = mediaStatus.parse(await admin.request(MEDIA_STATUS, { id: mediaId })).node;
  return node && "id" in node ? mediaNode.parse(node) : null;
}

export const STAGED_UPLOADS_CREATE = `#graphql
  mutation AtelierStagedUpload($input: [StagedUploadInput!]!) {
    stagedUploadsCreate(input: $input) {
      stagedTargets { url resourceUrl parameters { name value } }
      userErrors { field message }
    }
  }`;

const stagedUploads = z.object({
  stagedUploadsCreate: z.object({
    stagedTargets: z.array(z.object({ url: z.string().url(), resourceUrl: z.string().url(), parameters: z.array(z.object({ name: z.string(), value: z.string() })) })).nullish(),
    userErrors,
  }),
});
export type StagedTarget = { url: string; resourceUrl: string; parameters: { name: string; value: string }[] };

export async function createStagedUpload(admin: AdminGraphQL, file: { filename: string; mimeType: string; fileSize: number }): Promise<StagedTarget> {
  const data = stagedUploads.parse(
    await admin.request(STAGED_UPLOADS_CREATE, {
      input: [{ filename: file.filename, mimeType: file.mimeType, fileSize: String(file.fileSize), resource: "IMAGE", httpMethod: "POST" }],
    }),
  ).stagedUploadsCreate;
  assertNoUserErrors(data.userErrors, "STAGED_UPLOAD_REFUSED");
  const target = data.stagedTargets?.[0];
  if (!target) throw new PublishUserError("Shopify returned no upload target.", "STAGED_UPLOAD_REFUSED");
  return target;
}

export class StagedUploadError extends Error {
  constructor(readonly status: number) {
    super(`The upload to Shopify's storage failed with HTTP ${status}.`);
    this.name = "StagedUploadError";
  }
}

/** A multipart POST to the staged target: its parameters first, the file last, as the storage service requires. */
export async function uploadToStagedTarget(target: StagedTarget, file: { bytes: Buffer; filename: string; mimeType: string }): Promise<void> {
  const form = new FormData();
  for (const p of target.parameters) form.append(p.name, p.value);
  form.append("file", new Blob([new Uint8Array(file.bytes)], { type: file.mimeType }), file.filename);
  const response = await fetch(target.url, { method: "POST", body: form, signal: AbortSignal.timeout(120_000) });
  await response.arrayBuffer().catch(() => undefined);
  if (!response.ok) throw new StagedUploadError(response.status);
}

export const PRODUCT_ADD_MEDIA = `#graphql
  mutation AtelierProductAddMedia($product: ProductUpdateInput!, $media: [CreateMediaInput!]) {
    productUpdate(product: $product, media: $media) {
      product { media(last: 10) { nodes { id alt status } } }
      userErrors { field message }
    }
  }`;

const productAddMedia = z.object({
  productUpdate: z.object({
    product: z.object({ media: z.object({ nodes: z.array(z.object({ id: z.string(), alt: z.string().nullish(), status: z.string() })) }) }).nullish(),
    userErrors,
  }),
});

/** Adds the staged file to the product; returns the product's last media, newest last. */
export async function addProductMedia(admin: AdminGraphQL, productId: string, media: { originalSource: string; alt: string }) {
  const data = productAddMedia.parse(
    await admin.request(PRODUCT_ADD_MEDIA, {
      product: { id: productId },
      media: [{ originalSource: media.originalSource, mediaContentType: "IMAGE", alt: media.alt }],
    }),
  ).productUpdate;
  assertNoUserErrors(data.userErrors, "PRODUCT_UPDATE_REFUSED");
  return data.product?.media.nodes ?? [];
}

export const PRODUCT_REORDER_MEDIA = `#graphql
  mutation AtelierReorderMedia($id: ID!, $moves: [MoveInput!]!) {
    productReorderMedia(id: $id, moves: $moves) {
      job { id done }
      mediaUserErrors { field message code }
    }
  }`;

const reorder = z.object({ productReorderMedia: z.object({ job: z.object({ id: z.string(), done: z.boolean() }).nullish(), mediaUserErrors: userErrors }) });

export async function moveMedia(admin: AdminGraphQL, productId: string, mediaId: string, position: number): Promise<void> {
  const data = reorder.parse(await admin.request(PRODUCT_REORDER_MEDIA, { id: productId, moves: [{ id: mediaId, newPosition: String(position) }] }));
  assertNoUserErrors(data.productReorderMedia.mediaUserErrors, "REORDER_REFUSED");
}

export const VARIANT_APPEND_MEDIA = `#graphql
  mutation AtelierVariantAppendMedia($productId: ID!, $variantMedia: [ProductVariantAppendMediaInput!]!) {
    productVariantAppendMedia(productId: $productId, variantMedia: $variantMedia) {
      productVariants { id }
      userErrors { field message code }
    }
  }`;

const appendMedia = z.object({ productVariantAppendMedia: z.object({ productVariants: z.array(z.object({ id: z.string() })).nullish(), userErrors }) });

export async function setVariantMedia(admin: AdminGraphQL, productId: string, pairs: { variantId: string; mediaId: string }[]): Promise<void> {
  if (pairs.length === 0) return;
  const data = appendMedia.parse(
    await admin.request(VARIANT_APPEND_MEDIA, { productId, variantMedia: pairs.map((p) => ({ variantId: p.variantId, mediaIds: [p.mediaId] })) }),
  );
  assertNoUserErrors(data.productVariantAppendMedia.userErrors, "VARIANT_MEDIA_REFUSED");
}

export const FILE_DELETE = `#graphql
  mutation AtelierFileDelete($fileIds: [ID!]!) {
    fileDelete(fileIds: $fileIds) {
      deletedFileIds
      userErrors { field message code }
    }
  }`;

const fileDelete = z.object({ fileDelete: z.object({ deletedFileIds: z.array(z.string()).nullish(), userErrors }) });

/** Deletes files the app created (productDeleteMedia is deprecated in favour of the file mutations). */
export async function deleteFiles(admin: AdminGraphQL, fileIds: string[]): Promise<void> {
  const data = fileDelete.parse(await admin.request(FILE_DELETE, { fileIds })).fileDelete;
  assertNoUserErrors(data.userErrors, "FILE_DELETE_REFUSED");
}
