import { GraphQLError } from "graphql";
import { COLLECTION_SORTS, collectionFilter, collectionMembers, collectionProductsSorted } from "../collections";
import {
  gid,
  parseGid,
  type BulkOperationRecord,
  type CollectionRecord,
  type MediaRecord,
  type ProductOptionRecord,
  type ProductRecord,
  type PurchaseRecord,
  type VariantRecord,
} from "../state";
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
    selectedOptions: () => {
      const product = ctx.shop.products.get(v.productId)!;
      return v.selectedOptions.map((selected) => {
        const option = product.options.find((o) => o.name === selected.name)!;
        const value = option.values.find((x) => x.name === selected.value)!;
        return { name: selected.name, value: selected.value, optionValue: () => optionValueObject(ctx, product, option, value) };
      });
    },
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

function productVariants(ctx: SimContext, p: ProductRecord): VariantRecord[] {
  return p.variantIds.map((id) => ctx.shop.variants.get(id)).filter((v): v is VariantRecord => Boolean(v));
}

function hasVariants(ctx: SimContext, p: ProductRecord, option: string, value: string): boolean {
  return productVariants(ctx, p).some((v) => v.selectedOptions.some((s) => s.name === option && s.value === value));
}

function optionValueObject(ctx: SimContext, p: ProductRecord, option: ProductOptionRecord, value: ProductOptionRecord["values"][number]) {
  return {
    __typename: "ProductOptionValue",
    id: gid("ProductOptionValue", value.id),
    name: value.name,
    hasVariants: () => hasVariants(ctx, p, option.name, value.name),
  };
}

function optionObject(ctx: SimContext, p: ProductRecord, option: ProductOptionRecord, position: number) {
  return {
    __typename: "ProductOption",
    id: gid("ProductOption", option.id),
    name: option.name,
    position,
    // `values` lists only the values some variant has; optionValues lists them all.
    values: () => option.values.filter((v) => hasVariants(ctx, p, option.name, v.name)).map((v) => v.name),
    optionValues: () => option.values.map((v) => optionValueObject(ctx, p, option, v)),
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
    options: (args: { first?: number | null }) =>
      p.options.slice(0, args.first == null ? undefined : Math.max(0, args.first)).map((o, i) => optionObject(ctx, p, o, i + 1)),
    variants: (args: PageArgs) =>
      connection(
        productVariants(ctx, p),
        args,
        (v) => v.id,
        (v) => variantObject(ctx, v),
        { unbounded: ctx.bulk },
      ),
    variantsCount: () => ({ count: p.variantIds.length, precision: "EXACT" }),
    collections: (args: PageArgs & { query?: string | null; sortKey?: string | null }) =>
      collectionsConnection(
        ctx,
        [...ctx.shop.collections.values()].filter((c) => collectionMembers(ctx.shop, c).some((m) => m.id === p.id)),
        args,
      ),
    inCollection: (args: { id: string }) => {
      const c = collectionByGid(ctx, args.id);
      return Boolean(c && collectionMembers(ctx.shop, c).some((m) => m.id === p.id));
    },
  };
}

function collectionByGid(ctx: SimContext, id: string): CollectionRecord | null {
  const ref = parseGid(id, "Collection");
  return (ref && ctx.shop.collections.get(ref.id)) ?? null;
}

/** collections(query, sortKey, first/after…) over a list of collections. */
export function collectionsConnection(
  ctx: SimContext,
  items: CollectionRecord[],
  args: PageArgs & { query?: string | null; sortKey?: string | null; savedSearchId?: string | null },
) {
  if (args.savedSearchId) {
    throw new GraphQLError("Saved searches are not implemented by the simulated shop", { extensions: { code: "NOT_IMPLEMENTED_IN_SIMULATOR" } });
  }
  const sort = COLLECTION_SORTS[args.sortKey ?? "ID"];
  if (!sort) throw new GraphQLError(`Sorting collections by ${args.sortKey} is not implemented by the simulated shop`);
  const list = items.filter(collectionFilter(ctx.shop, args.query)).sort(sort);
  return connection(list, args, (c) => c.id, (c) => collectionObject(ctx, c), { unbounded: ctx.bulk });
}

const stripHtml = (html: string) => html.replace(/<[^>]*>/g, "").trim();

export function collectionObject(ctx: SimContext, c: CollectionRecord) {
  const members = () => collectionMembers(ctx.shop, c);
  return {
    __typename: "Collection",
    id: gid("Collection", c.id),
    legacyResourceId: String(c.id),
    title: c.title,
    handle: c.handle,
    descriptionHtml: c.descriptionHtml,
    description: (args: { truncateAt?: number | null }) => {
      const text = stripHtml(c.descriptionHtml);
      return args.truncateAt != null && text.length > args.truncateAt ? `${text.slice(0, Math.max(0, args.truncateAt - 3))}...` : text;
    },
    updatedAt: iso(c.updatedAt),
    sortOrder: c.sortOrder,
    templateSuffix: null,
    image: null,
    seo: { title: null, description: null },
    ruleSet: c.ruleSet
      ? { appliedDisjunctively: c.ruleSet.appliedDisjunctively, rules: c.ruleSet.rules.map((r) => ({ ...r, conditionObject: null })) }
      : null,
    productsCount: () => ({ count: members().length, precision: "EXACT" }),
    hasProduct: (args: { id: string }) => {
      const ref = parseGid(args.id, "Product");
      return Boolean(ref && members().some((p) => p.id === ref.id));
    },
    products: (args: PageArgs & { sortKey?: string | null }) => {
      const items = collectionProductsSorted(ctx.shop, c, args.sortKey);
      if (!items) throw new GraphQLError(`Sorting collection products by ${args.sortKey} is not implemented by the simulated shop`);
      return connection(items, args, (p) => p.id, (p) => productObject(ctx, p), { unbounded: ctx.bulk });
    },
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
