import { gid, type BulkOperationRecord, type MediaRecord, type ProductRecord, type PurchaseRecord, type VariantRecord } from "../state";
import { mediaUrl, type SimContext } from "../runtime";
import { connection, type PageArgs } from "./connections";

// Records as GraphQL source objects. Only modelled fields exist; any other field
// fails loudly through the strict resolver.

const iso = (d: Date) => d.toISOString();

const FILE_ERROR_CODES = new Set(["IMAGE_DOWNLOAD_FAILURE", "IMAGE_PROCESSING_FAILURE", "UNSUPPORTED_IMAGE_FILE_TYPE", "INVALID_IMAGE_FILE_SIZE", "MEDIA_TIMEOUT_ERROR"]);

export function mediaObject(ctx: SimContext, m: MediaRecord) {
  const ready = m.status === "READY";
  const image = ready
    ? {
        __typename: "Image",
        id: gid("ImageSource", m.id),
        url: () => mediaUrl(ctx.sim, ctx.shop, m),
        width: m.width,
        height: m.height,
        altText: m.alt,
        thumbhash: null,
      }
    : null;
  return {
    __typename: "MediaImage",
    id: gid("MediaImage", m.id),
    alt: m.alt,
    status: m.status,
    fileStatus: m.status,
    mediaContentType: "IMAGE",
    mimeType: m.mimeType,
    createdAt: iso(m.createdAt),
    updatedAt: iso(m.updatedAt),
    image,
    preview: { status: ready ? "READY" : m.status === "FAILED" ? "FAILED" : "PROCESSING", image },
    originalSource: m.originalSource ? { url: m.originalSource, fileSize: m.source.kind === "bytes" ? m.source.bytes.length : null } : null,
    mediaErrors: m.errors.map((e) => ({ ...e })),
    // FileErrorCode carries the same image codes as MediaErrorCode.
    fileErrors: m.errors.map((e) => ({ code: FILE_ERROR_CODES.has(e.code) ? e.code : "UNKNOWN", message: e.message, details: e.details })),
    mediaWarnings: [],
  };
}

export function variantObject(ctx: SimContext, v: VariantRecord) {
  return {
    __typename: "ProductVariant",
    id: gid("ProductVariant", v.id),
    legacyResourceId: String(v.id),
    title: v.title,
    displayName: `${ctx.shop.products.get(v.productId)?.title ?? ""} - ${v.title}`,
    sku: v.sku,
    price: v.price,
    position: v.position,
    media: (args: PageArgs) =>
      connection(
        v.mediaIds.map((id) => ctx.shop.media.get(id)).filter((m): m is MediaRecord => Boolean(m)),
        args,
        (m) => m.id,
        (m) => mediaObject(ctx, m),
        { unbounded: ctx.bulk },
      ),
    product: () => productObject(ctx, ctx.shop.products.get(v.productId)!),
  };
}

export function productMedia(ctx: SimContext, p: ProductRecord): MediaRecord[] {
  return p.mediaIds.map((id) => ctx.shop.media.get(id)).filter((m): m is MediaRecord => Boolean(m));
}

export function productObject(ctx: SimContext, p: ProductRecord) {
  return {
    __typename: "Product",
    id: gid("Product", p.id),
    legacyResourceId: String(p.id),
    title: p.title,
    handle: p.handle,
    status: p.status,
    productType: p.productType,
    vendor: p.vendor,
    tags: p.tags,
    descriptionHtml: p.descriptionHtml,
    createdAt: iso(p.createdAt),
    updatedAt: iso(p.updatedAt),
    media: (args: PageArgs) =>
      connection(productMedia(ctx, p), args, (m) => m.id, (m) => mediaObject(ctx, m), { unbounded: ctx.bulk }),
    mediaCount: () => ({ count: p.mediaIds.length, precision: "EXACT" }),
    featuredMedia: () => {
      const first = productMedia(ctx, p)[0];
      return first ? mediaObject(ctx, first) : null;
    },
    variants: (args: PageArgs) =>
      connection(
        p.variantIds.map((id) => ctx.shop.variants.get(id)).filter((v): v is VariantRecord => Boolean(v)),
        args,
        (v) => v.id,
        (v) => variantObject(ctx, v),
        { unbounded: ctx.bulk },
      ),
    variantsCount: () => ({ count: p.variantIds.length, precision: "EXACT" }),
  };
}

export function bulkOperationObject(ctx: SimContext, op: BulkOperationRecord) {
  const url = op.jsonl !== null ? `${ctx.sim.publicUrl()}/bulk/${ctx.shop.domain}/${op.id}.jsonl` : null;
  return {
    __typename: "BulkOperation",
    id: gid("BulkOperation", op.id),
    status: op.status,
    type: "QUERY",
    query: op.query,
    createdAt: iso(op.createdAt),
    completedAt: op.completedAt ? iso(op.completedAt) : null,
    objectCount: String(op.objectCount),
    rootObjectCount: String(op.rootObjectCount),
    fileSize: op.jsonl !== null ? String(Buffer.byteLength(op.jsonl)) : null,
    url: op.jsonl ? url : null,
    partialDataUrl: null,
    errorCode: op.errorCode,
  };
}

export function purchaseObject(_ctx: SimContext, p: PurchaseRecord) {
  return {
    __typename: "AppPurchaseOneTime",
    id: gid("AppPurchaseOneTime", p.id),
    name: p.name,
    status: p.status,
    test: p.test,
    createdAt: iso(p.createdAt),
    price: { amount: p.amount, currencyCode: p.currencyCode },
  };
}

export function shopObject(ctx: SimContext) {
  const s = ctx.shop;
  return {
    __typename: "Shop",
    id: gid("Shop", s.numericId),
    name: s.name,
    email: s.email,
    contactEmail: s.email,
    myshopifyDomain: s.domain,
    url: `https://${s.domain}`,
    currencyCode: s.currencyCode,
    ianaTimezone: "Etc/UTC",
    plan: { partnerDevelopment: true, publicDisplayName: "Development", shopifyPlus: false },
    primaryDomain: { __typename: "Domain", id: gid("Domain", s.numericId), host: s.domain, url: `https://${s.domain}`, sslEnabled: true },
  };
}
