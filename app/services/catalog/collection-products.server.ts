import { z } from "zod";
import { MAX_SHOOT_PRODUCTS } from "../shoots/create.server";
import { ShopifyThrottledError, type AdminGraphQL } from "../shopify/admin-graphql.server";

// The products of Shopify collections, for choosing a shoot's products by collection.
// Each collection is paged through `collection.products` (250 a page, Shopify's
// maximum; about 254 cost points a page), and the union is capped at what one shoot
// may hold.

export const COLLECTION_PAGE_SIZE = 250;
/** How many collections one request may resolve. */
export const MAX_COLLECTIONS = 50;

export const COLLECTION_PRODUCTS = `#graphql
  query AtelierCollectionProducts($id: ID!, $first: Int!, $after: String) {
    collection(id: $id) {
      id
      title
      handle
      productsCount { count precision }
      products(first: $first, after: $after) {
        nodes { id }
        pageInfo { hasNextPage endCursor }
      }
    }
  }`;

interface CollectionPage {
  collection: {
    id: string;
    title: string;
    handle: string;
    productsCount: { count: number; precision: "EXACT" | "AT_LEAST" } | null;
    products: { nodes: { id: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
  } | null;
}

export type CollectionProductsErrorCode = "invalid_collection" | "unknown_collection" | "too_many_products" | "shopify_busy";

export class CollectionProductsError extends Error {
  constructor(
    message: string,
    readonly code: CollectionProductsErrorCode,
    /** The collection the error is about, when it is about one. */
    readonly collectionId: string | null = null,
  ) {
    super(message);
    this.name = "CollectionProductsError";
  }
}

const collectionGid = z.string().regex(/^gid:\/\/shopify\/Collection\/\d{1,20}$/);
const productGid = z.string().regex(/^gid:\/\/shopify\/Product\/\d{1,20}$/);

export interface CollectionSelection {
  id: string;
  title: string;
  handle: string;
  /** The collection's products (all of them, since the cap was not reached). */
  productIds: string[];
}

export interface CollectionProducts {
  /** `include` then each collection's products, in order, without duplicates. */
  productIds: string[];
  collections: CollectionSelection[];
}

export interface CollectionProductsOptions {
  /** Products already chosen: they count toward the cap and come first in the result. */
  include?: string[];
  /** At most this many products in all (default: a shoot's maximum). */
  max?: number;
  /** Products per `collection.products` page, 1–250. */
  pageSize?: number;
  /** How long, in all, to wait out THROTTLED answers before giving up. */
  maxThrottleWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const count = (n: number) => n.toLocaleString("en-US");

/**
 * The product GIDs of the given collections (GIDs validated; duplicates dropped), with
 * each collection's title and handle. An unknown collection, or more products than
 * `max` together with `include`, is a CollectionProductsError that says which.
 */
export async function collectionProducts(
  admin: AdminGraphQL,
  collectionIds: readonly string[],
  options: CollectionProductsOptions = {},
): Promise<CollectionProducts> {
  const ids = [...new Set(collectionIds)];
  const bad = ids.find((id) => !collectionGid.safeParse(id).success);
  if (bad !== undefined) throw new CollectionProductsError(`"${bad.slice(0, 100)}" is not a Shopify collection id`, "invalid_collection", bad);
  if (ids.length > MAX_COLLECTIONS) {
    throw new CollectionProductsError(`Choose at most ${MAX_COLLECTIONS} collections at a time`, "invalid_collection");
  }
  const include = [...new Set(options.include ?? [])];
  const badProduct = include.find((id) => !productGid.safeParse(id).success);
  if (badProduct !== undefined) throw new CollectionProductsError(`"${badProduct.slice(0, 100)}" is not a Shopify product id`, "invalid_collection");
  const max = options.max ?? MAX_SHOOT_PRODUCTS;
  const pageSize = z.number().int().min(1).max(COLLECTION_PAGE_SIZE).parse(options.pageSize ?? COLLECTION_PAGE_SIZE);
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let throttleBudget = options.maxThrottleWaitMs ?? 15_000;

  const tooMany = (detail: string) =>
    new CollectionProductsError(
      `A shoot takes at most ${count(max)} products; ${detail}. Choose fewer collections or products.`,
      "too_many_products",
    );
  if (include.length > max) throw tooMany(`${count(include.length)} are already chosen`);

  // Shopify's pacing lives in the client; a THROTTLED answer (another client of the shop
  // spent the bucket) is waited out here, within a budget, instead of failing the page.
  const page = async (id: string, after: string | null): Promise<CollectionPage> => {
    for (;;) {
      try {
        return await admin.request<CollectionPage>(COLLECTION_PRODUCTS, { id, first: pageSize, after });
      } catch (error) {
        if (!(error instanceof ShopifyThrottledError)) throw error;
        if (error.retryAfterMs > throttleBudget) {
          throw new CollectionProductsError(
            `Shopify is busy with this shop's other requests; try again in ${Math.ceil(error.retryAfterMs / 1000)} seconds.`,
            "shopify_busy",
            id,
          );
        }
        throttleBudget -= error.retryAfterMs;
        await sleep(error.retryAfterMs);
      }
    }
  };

  const all = new Set(include);
  const collections: CollectionSelection[] = [];
  for (const id of ids) {
    let after: string | null = null;
    let selection: CollectionSelection | null = null;
    const mine = new Set<string>();
    do {
      const data = await page(id, after);
      const c = data.collection;
      if (!c) {
        throw new CollectionProductsError(`Collection ${id} was not found in this shop; it may have been deleted.`, "unknown_collection", id);
      }
      if (!selection) {
        selection = { id: c.id, title: c.title, handle: c.handle, productIds: [] };
        // An exact count past the cap is decided without paging through the rest.
        if (c.productsCount && c.productsCount.count > max) {
          throw tooMany(`the collection “${c.title}” alone has ${count(c.productsCount.count)}`);
        }
      }
      for (const node of c.products.nodes) {
        if (mine.has(node.id)) continue;
        mine.add(node.id);
        selection.productIds.push(node.id);
        all.add(node.id);
      }
      if (all.size > max) {
        throw tooMany(
          collections.length === 0 && include.length === 0
            ? `the collection “${c.title}” has more`
            : `the chosen collections${include.length ? " and products" : ""} come to more`,
        );
      }
      after = c.products.pageInfo.hasNextPage ? c.products.pageInfo.endCursor : null;
    } while (after);
    collections.push(selection);
  }
  return { productIds: [...all], collections };
}
