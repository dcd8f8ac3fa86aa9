import { z } from "zod";
import { MAX_SHOOT_PRODUCTS } from "../shoots/create.server";
import { ShopifyThrottledError, type AdminGraphQL } from "../shopify/admin-graphql.server";
import { BULK_IN_PROGRESS, bulkLines, bulkOperationState, bulkRunning, cancelBulkOperation, startBulkQuery } from "../shopify/bulk-query.server";

// The products of Shopify collections, for choosing a shoot's products by collection.
// Each collection is paged through `collection.products` (250 a page, Shopify's
// maximum; about 254 cost points a page), and the union is capped at what one shoot
// may hold. A large collection is read with a bulk operation instead, which costs a
// few points however many products it has; when the shop has no room for another
// bulk query, or it runs too long, paging takes over (docs/decisions/013).

export const COLLECTION_PAGE_SIZE = 250;
/** Past this many products a collection is read with a bulk operation: ~4 pages is what a standard plan's bucket holds. */
export const COLLECTION_BULK_THRESHOLD = 1000;
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
  readWith: "pages" | "bulk_operation";
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
  /** Reads large collections with a bulk operation; without it every collection is paged. */
  bulk?: CollectionBulkOptions;
}

export interface CollectionBulkOptions {
  /** Guarded download of the operation's JSONL result. */
  download(url: string): Promise<AsyncIterable<Uint8Array>>;
  /** Collections with more products than this use a bulk operation. */
  threshold?: number;
  /** How long to wait for the operation before cancelling it and paging instead. */
  maxWaitMs?: number;
  pollMs?: number;
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
  // spent the bucket) is waited out here, within a budget, instead of failing the request.
  const unthrottled = async <T>(collectionId: string, request: () => Promise<T>): Promise<T> => {
    for (;;) {
      try {
        return await request();
      } catch (error) {
        if (!(error instanceof ShopifyThrottledError)) throw error;
        if (error.retryAfterMs > throttleBudget) {
          throw new CollectionProductsError(
            `Shopify is busy with this shop's other requests; try again in ${Math.ceil(error.retryAfterMs / 1000)} seconds.`,
            "shopify_busy",
            collectionId,
          );
        }
        throttleBudget -= error.retryAfterMs;
        await sleep(error.retryAfterMs);
      }
    }
  };
  const page = (id: string, after: string | null) =>
    unthrottled(id, () => admin.request<CollectionPage>(COLLECTION_PRODUCTS, { id, first: pageSize, after }));


  const all = new Set(include);
  const collections: CollectionSelection[] = [];
  for (const id of ids) {
    let after: string | null = null;
    let selection: CollectionSelection | null = null;
    const mine = new Set<string>();
    const add = (productId: string, title: string) => {
      if (mine.has(productId)) return;
      mine.add(productId);
      selection!.productIds.push(productId);
      all.add(productId);
      if (all.size > max) {
        throw tooMany(
          collections.length === 0 && include.length === 0
            ? `the collection “${title}” has more`
            : `the chosen collections${include.length ? " and products" : ""} come to more`,
        );
      }
    };
    do {
      const data = await page(id, after);
      const c = data.collection;
      if (!c) {
        throw new CollectionProductsError(`Collection ${id} was not found in this shop; it may have been deleted.`, "unknown_collection", id);
      }
      const firstPage = !selection;
      if (!selection) {
        selection = { id: c.id, title: c.title, handle: c.handle, productIds: [], readWith: "pages" };
        // An exact count past the cap is decided without paging through the rest.
        if (c.productsCount && c.productsCount.count > max) {
          throw tooMany(`the collection “${c.title}” alone has ${count(c.productsCount.count)}`);
        }
      }
      for (const node of c.products.nodes) add(node.id, c.title);
      after = c.products.pageInfo.hasNextPage ? c.products.pageInfo.endCursor : null;
      const bulk = options.bulk;
      if (firstPage && after && bulk && (c.productsCount?.count ?? 0) > (bulk.threshold ?? COLLECTION_BULK_THRESHOLD)) {
        const patient: AdminGraphQL = {
          bucket: admin.bucket,
          request: <T>(operation: string, variables?: Record<string, unknown>) => unthrottled(id, () => admin.request<T>(operation, variables)),
        };
        const rest = await bulkCollectionProductIds(patient, id, bulk, sleep);
        if (rest) {
          // The bulk result repeats the first page's products; `add` keeps each once.
          for (const productId of rest) add(productId, c.title);
          selection.readWith = "bulk_operation";
          after = null;
        }
      }
    } while (after);
    collections.push(selection!);
  }
  return { productIds: [...all], collections };
}

/**
 * A collection's product GIDs through a bulk operation, or null when paging should be
 * used instead: the shop has no room for another bulk query, or it did not finish in
 * time (then it is cancelled), or it ended without a result.
 */
async function bulkCollectionProductIds(
  admin: AdminGraphQL,
  collectionId: string,
  bulk: CollectionBulkOptions,
  sleep: (ms: number) => Promise<void>,
): Promise<string[] | null> {
  // The id was validated as a collection GID, so it is safe inside the query text.
  const operationId = await startBulkQuery(admin, `{ collection(id: "${collectionId}") { id products { edges { node { id } } } } }`);
  if (operationId === BULK_IN_PROGRESS) return null;
  const deadline = Date.now() + (bulk.maxWaitMs ?? 20_000);
  let state = await bulkOperationState(admin, operationId);
  while (bulkRunning(state)) {
    if (Date.now() >= deadline) {
      await cancelBulkOperation(admin, operationId).catch(() => undefined);
      return null;
    }
    await sleep(bulk.pollMs ?? 500);
    state = await bulkOperationState(admin, operationId);
  }
  if (state.status !== "COMPLETED") return null;
  if (!state.url) return [];
  const ids: string[] = [];
  for await (const row of bulkLines<{ id?: string }>(await bulk.download(state.url))) {
    // The collection itself is the one root line; the rest are its products.
    if (row.id && productGid.safeParse(row.id).success) ids.push(row.id);
  }
  return ids;
}
