import { altColour } from "~/lib/alt-text";
import { logger } from "~/logger.server";
import type { AdminGraphQL } from "~/services/shopify/admin-graphql.server";

const PRODUCT_TITLES = `#graphql
  query AtelierProductTitles($ids: [ID!]!) {
    nodes(ids: $ids) { ... on Product { id title options(first: 3) { name values } } }
  }`;

/** With each product's options this keeps the query under Shopify's single-query cost limit. */
const TITLES_PER_REQUEST = 100;
const PRODUCT_GID = /^gid:\/\/shopify\/Product\/\d+$/;
// The review pages reload every 2 s while photos publish; asking Shopify each time
// would spend a large shoot's whole API budget on titles.
const TTL_MS = 5 * 60_000;
const MAX_CACHED = 20_000;
export interface ProductLabel {
  title: string;
  /** The colour alt text names (see altColour). */
  colour: string | null;
}

const cache = new Map<string, { title: ProductLabel | null; at: number }>();

function remember(key: string, title: ProductLabel | null, now: number) {
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
  cache.set(key, { title, at: now });
}

/**
 * Product titles for alt text proposals and captions. Titles are a nicety: when Shopify
 * cannot answer, the page still shows the photos (a re-authorization redirect passes).
 */
export async function productTitles(graphql: AdminGraphQL, shopId: string, productIds: (string | null)[]): Promise<Map<string, ProductLabel>> {
  const now = Date.now();
  const titles = new Map<string, ProductLabel>();
  const missing: string[] = [];
  for (const id of new Set(productIds)) {
    if (!id || !PRODUCT_GID.test(id)) continue;
    const hit = cache.get(`${shopId} ${id}`);
    if (hit && now - hit.at < TTL_MS) {
      if (hit.title) titles.set(id, hit.title);
    } else missing.push(id);
  }
  try {
    for (let i = 0; i < missing.length; i += TITLES_PER_REQUEST) {
      const ids = missing.slice(i, i + TITLES_PER_REQUEST);
      const data = await graphql.request<{ nodes: ({ id?: string; title?: string; options?: { name: string; values: string[] }[] } | null)[] }>(
        PRODUCT_TITLES,
        { ids },
      );
      const found = new Map(
        data.nodes.flatMap((n) => (n?.id && n.title ? [[n.id, { title: n.title, colour: altColour(n.options) }] as const] : [])),
      );
      for (const id of ids) {
        remember(`${shopId} ${id}`, found.get(id) ?? null, now);
        if (found.has(id)) titles.set(id, found.get(id)!);
      }
    }
  } catch (error) {
    if (error instanceof Response) throw error;
    logger.warn({ err: error }, "could not read product titles for alt text");
  }
  return titles;
}
