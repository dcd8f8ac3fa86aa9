import { hash32 } from "../../worker/providers/studio/random";
import { generateCatalog, type ImageSpec } from "./catalog";
import { generateCollections } from "./collections";
import { claimFilename } from "./filenames";

export type MediaStatus = "UPLOADED" | "PROCESSING" | "READY" | "FAILED";

export interface MediaRecord {
  id: number;
  /** The file's name in the shop, unique within it: the last segment of its CDN URL. */
  filename: string;
  alt: string | null;
  status: MediaStatus;
  mimeType: string;
  width: number | null;
  height: number | null;
  source: { kind: "generated"; spec: ImageSpec } | { kind: "bytes"; bytes: Buffer; filename: string };
  originalSource: string | null;
  errors: { code: string; message: string; details: string | null }[];
  productIds: Set<number>;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface ProductRecord {
  id: number;
  title: string;
  handle: string;
  status: "ACTIVE" | "DRAFT" | "ARCHIVED";
  productType: string;
  vendor: string;
  tags: string[];
  descriptionHtml: string;
  createdAt: Date;
  updatedAt: Date;
  mediaIds: number[];
  variantIds: number[];
  options: ProductOptionRecord[];
}

export interface ProductOptionRecord {
  id: number;
  name: string;
  values: { id: number; name: string }[];
}

export interface VariantRecord {
  id: number;
  productId: number;
  title: string;
  sku: string;
  price: string;
  position: number;
  mediaIds: number[];
  /** One value per product option, in the options' order. */
  selectedOptions: { name: string; value: string }[];
}

export interface CollectionRuleRecord {
  column: "TYPE" | "TAG" | "TITLE" | "VENDOR";
  relation: "EQUALS" | "NOT_EQUALS" | "CONTAINS" | "NOT_CONTAINS" | "STARTS_WITH" | "ENDS_WITH";
  condition: string;
}

export interface CollectionRecord {
  id: number;
  title: string;
  handle: string;
  descriptionHtml: string;
  /** CollectionSortOrder. */
  sortOrder: "MANUAL" | "BEST_SELLING" | "ALPHA_ASC" | "ALPHA_DESC" | "PRICE_ASC" | "PRICE_DESC" | "CREATED" | "CREATED_DESC";
  /** A smart collection's rules; null for a manual (custom) collection. */
  ruleSet: { appliedDisjunctively: boolean; rules: CollectionRuleRecord[] } | null;
  /** A manual collection's products in their manual order (smart ones follow their rules). */
  productIds: number[];
  updatedAt: Date;
}

export interface BulkOperationRecord {
  id: number;
  query: string;
  status: "CREATED" | "RUNNING" | "COMPLETED" | "FAILED" | "CANCELING" | "CANCELED";
  createdAt: Date;
  completedAt: Date | null;
  objectCount: number;
  rootObjectCount: number;
  jsonl: string | null;
  errorCode: string | null;
}

export interface PurchaseRecord {
  id: number;
  name: string;
  amount: string;
  currencyCode: string;
  test: boolean;
  returnUrl: string;
  status: "PENDING" | "ACTIVE" | "DECLINED" | "EXPIRED";
  createdAt: Date;
}

export interface ShopState {
  domain: string;
  numericId: number;
  name: string;
  email: string;
  currencyCode: string;
  products: Map<number, ProductRecord>;
  media: Map<number, MediaRecord>;
  /** Filename → media id: the CDN serves files by name. */
  filenames: Map<string, number>;
  variants: Map<number, VariantRecord>;
  collections: Map<number, CollectionRecord>;
  bulkOperations: Map<number, BulkOperationRecord>;
  purchases: Map<number, PurchaseRecord>;
  bucket: { available: number; at: number };
  nextId: number;
  installed: boolean;
  /** Bumped by every uninstall: a reinstall gets a new access token, as on Shopify. */
  installGeneration: number;
  scopes: string[];
}

export interface StateOptions {
  products: number;
  seed: number;
  bucketSize: number;
  scopes: string[];
}

/** Every simulated shop, created on first use with its deterministic catalog. */
export class SimState {
  private shops = new Map<string, ShopState>();
  constructor(readonly options: StateOptions) {}

  shop(domain: string): ShopState {
    let shop = this.shops.get(domain);
    if (!shop) {
      shop = this.create(domain);
      this.shops.set(domain, shop);
    }
    return shop;
  }

  allShops(): ShopState[] {
    return [...this.shops.values()];
  }

  private create(domain: string): ShopState {
    const seed = hash32(`${this.options.seed}:${domain}`);
    const label = domain.replace(/\.myshopify\.com$/, "");
    const shop: ShopState = {
      domain,
      numericId: 60_000_000 + (seed % 1_000_000),
      name: label
        .split("-")
        .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
        .join(" "),
      email: `owner@${label}.example`,
      currencyCode: "USD",
      products: new Map(),
      media: new Map(),
      filenames: new Map(),
      variants: new Map(),
      collections: new Map(),
      bulkOperations: new Map(),
      purchases: new Map(),
      bucket: { available: this.options.bucketSize, at: Date.now() },
      nextId: 1,
      installed: false,
      installGeneration: 0,
      scopes: this.options.scopes,
    };
    let productId = 8_000_000_000;
    let mediaId = 30_000_000_000;
    let variantId = 45_000_000_000;
    let optionId = 10_000_000_000;
    let optionValueId = 4_000_000_000;
    const catalog = generateCatalog(seed, this.options.products);
    const productIdOf = (index: number) => 8_000_000_001 + index;
    for (const p of catalog) {
      const id = ++productId;
      const mediaIds = p.images.map((spec) => {
        const m: MediaRecord = {
          id: ++mediaId,
          filename: "",
          alt: spec.colour === p.colours[0] ? `${p.title} (${spec.view})` : `${p.title}, ${spec.colour} (${spec.view})`,
          status: "READY",
          mimeType: "image/jpeg",
          width: 800,
          height: 800,
          source: { kind: "generated", spec },
          originalSource: null,
          errors: [],
          productIds: new Set([id]),
          version: 1,
          createdAt: p.createdAt,
          updatedAt: p.createdAt,
        };
        shop.media.set(m.id, m);
        claimFilename(shop, m, `${p.handle}-${spec.view}.jpg`);
        return m.id;
      });
      const variantIds = p.variants.map(({ image, ...v }, position) => {
        const record: VariantRecord = {
          id: ++variantId,
          productId: id,
          position: position + 1,
          mediaIds: image === null ? [] : [mediaIds[image]!],
          ...v,
        };
        shop.variants.set(record.id, record);
        return record.id;
      });
      const options = p.options.map((o) => ({ id: ++optionId, name: o.name, values: o.values.map((name) => ({ id: ++optionValueId, name })) }));
      shop.products.set(id, {
        id,
        title: p.title,
        handle: p.handle,
        status: p.status,
        productType: p.productType,
        vendor: p.vendor,
        tags: p.tags,
        descriptionHtml: `<p>${p.title}.</p>`,
        createdAt: p.createdAt,
        updatedAt: p.updatedAt,
        mediaIds,
        variantIds,
        options,
      });
    }
    // Stable ids: the same seed and catalog size give the same collections.
    let collectionId = 470_000_000;
    const latest = catalog.reduce((max, p) => Math.max(max, p.updatedAt.getTime()), Date.UTC(2026, 0, 1));
    for (const spec of generateCollections(catalog)) {
      const id = ++collectionId;
      shop.collections.set(id, {
        id,
        title: spec.title,
        handle: spec.handle,
        descriptionHtml: spec.descriptionHtml,
        sortOrder: spec.sortOrder,
        ruleSet: spec.ruleSet,
        productIds: spec.members.map(productIdOf),
        updatedAt: new Date(latest + (id - 470_000_000) * 1000),
      });
    }
    shop.nextId = mediaId + 1;
    return shop;
  }

  /** New ids for objects created at runtime (media, bulk operations, purchases). */
  newId(shop: ShopState): number {
    return shop.nextId++;
  }
}

export function gid(type: string, id: number | string): string {
  return `gid://shopify/${type}/${id}`;
}

export function parseGid(value: string, type?: string): { type: string; id: number } | null {
  const m = /^gid:\/\/shopify\/(\w+)\/(\d+)(\?.*)?$/.exec(value);
  if (!m) return null;
  if (type && m[1] !== type) return null;
  return { type: m[1]!, id: Number(m[2]) };
}
