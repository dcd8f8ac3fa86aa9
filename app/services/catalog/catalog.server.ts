import { z } from "zod";
import type { Db } from "../prisma.server";
import type { AdminGraphQL } from "../shopify/admin-graphql.server";
import { CATALOG_PRODUCTS } from "./queries.server";

import { CATALOG_SORTS as SORTS } from "../../lib/catalog-options";

export const catalogFilters = z.object({
  q: z.string().trim().max(200).optional(),
  status: z.enum(["active", "draft", "archived"]).optional(),
  type: z.string().trim().max(100).optional(),
  vendor: z.string().trim().max(100).optional(),
  tag: z.string().trim().max(100).optional(),
  onModel: z.enum(["yes", "no"]).optional(),
  sort: z.enum(SORTS).default("TITLE"),
  reverse: z.enum(["0", "1"]).default("0"),
  after: z.string().max(500).optional(),
  before: z.string().max(500).optional(),
});
export type CatalogFilters = z.infer<typeof catalogFilters>;

/** Parses the page's search params; unknown or bad values fall back to "no filter". */
export function parseCatalogFilters(params: URLSearchParams): CatalogFilters {
  const raw = Object.fromEntries([...params.entries()].filter(([, v]) => v !== ""));
  const parsed = catalogFilters.safeParse(raw);
  if (parsed.success) return parsed.data;
  const bad = new Set(parsed.error.issues.map((i) => String(i.path[0])));
  return catalogFilters.parse(Object.fromEntries(Object.entries(raw).filter(([k]) => !bad.has(k))));
}

/** A value for Shopify's search syntax, quoted so user input cannot add terms. */
function quote(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

export function shopifyQuery(f: CatalogFilters, onModelIds?: string[]): string {
  const terms: string[] = [];
  if (f.q) terms.push(`title:${quote(`${f.q}`)}*`.replace(/"\*$/, '*"'));
  if (f.status) terms.push(`status:${f.status}`);
  if (f.type) terms.push(`product_type:${quote(f.type)}`);
  if (f.vendor) terms.push(`vendor:${quote(f.vendor)}`);
  if (f.tag) terms.push(`tag:${quote(f.tag)}`);
  if (onModelIds) {
    const ids = onModelIds.map((id) => id.split("/").pop()).filter(Boolean);
    terms.push(ids.length ? `(${ids.map((id) => `id:${id}`).join(" OR ")})` : "id:0");
  }
  return terms.join(" ");
}

export interface CatalogRow {
  id: string;
  title: string;
  status: string;
  productType: string;
  vendor: string;
  thumbnail: string | null;
  thumbnailAlt: string | null;
  imageCount: number;
  importedCount: number;
  onModelCount: number;
}

interface ProductsResponse {
  products: {
    nodes: {
      id: string;
      title: string;
      status: string;
      productType: string;
      vendor: string;
      featuredMedia: { preview: { image: { url: string; altText: string | null } | null } | null } | null;
      mediaCount: { count: number } | null;
    }[];
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  };
}

export const PAGE_SIZE = 25;

/**
 * One page of the merchant's products from Shopify, with what Atelier knows about each
 * (imported photos, on-model outputs). "Has on-model photos" is Atelier's data, so
 * that filter narrows Shopify's query to the products that have them.
 */
export async function listCatalog(db: Db, admin: AdminGraphQL, shopId: string, f: CatalogFilters) {
  let onModelIds: string[] | undefined;
  if (f.onModel === "yes") {
    const rows = await db.asset.findMany({
      where: { shopId, kind: "output", productId: { not: null } },
      distinct: ["productId"],
      select: { productId: true },
      take: 100,
    });
    onModelIds = rows.map((r) => r.productId!);
  }
  const query = shopifyQuery(f, onModelIds);
  const page = f.before ? { last: PAGE_SIZE, before: f.before } : { first: PAGE_SIZE, after: f.after };
  const data = await admin.request<ProductsResponse>(CATALOG_PRODUCTS, {
    ...page,
    query: query || null,
    sortKey: f.sort,
    reverse: f.reverse === "1",
  });
  const ids = data.products.nodes.map((p) => p.id);
  const counts = ids.length
    ? await db.asset.groupBy({
        by: ["productId", "kind"],
        where: { shopId, productId: { in: ids }, status: "active" },
        _count: true,
      })
    : [];
  const count = (id: string, kind: "upload" | "output") => counts.find((c) => c.productId === id && c.kind === kind)?._count ?? 0;
  let rows: CatalogRow[] = data.products.nodes.map((p) => ({
    id: p.id,
    title: p.title,
    status: p.status,
    productType: p.productType,
    vendor: p.vendor,
    thumbnail: p.featuredMedia?.preview?.image?.url ?? null,
    thumbnailAlt: p.featuredMedia?.preview?.image?.altText ?? null,
    imageCount: p.mediaCount?.count ?? 0,
    importedCount: count(p.id, "upload"),
    onModelCount: count(p.id, "output"),
  }));
  if (f.onModel === "no") rows = rows.filter((r) => r.onModelCount === 0);
  return { rows, pageInfo: data.products.pageInfo, query };
}
