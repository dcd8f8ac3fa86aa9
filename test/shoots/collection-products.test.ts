import { describe, expect, it } from "vitest";
import { collectionProducts, CollectionProductsError } from "~/services/catalog/collection-products.server";
import { fetchPolicyOf, shopifyDownload } from "~/services/catalog/import-deps.server";
import { MAX_SHOOT_PRODUCTS } from "~/services/shoots/create.server";
import { createAdminGraphQL, type AdminGraphQL } from "~/services/shopify/admin-graphql.server";
import { useSimulator } from "../support/simulator";

// A shoot's products chosen by Shopify collection, against the simulated shop: 1,300
// products make each product-type collection 260 products, more than one page.

const sim = await useSimulator({ products: 1300, bucketSize: 2000, restoreRate: 100 });
process.env.SHOPIFY_SIMULATOR_URL = sim.url;

/** An Admin client for a fresh shop (its own cost bucket), counting its requests. */
async function admin(label: string): Promise<{ admin: AdminGraphQL; shop: string; requests: Record<string, unknown>[] }> {
  const shop = `${label}-${Math.random().toString(36).slice(2, 8)}.myshopify.com`;
  const client = createAdminGraphQL({ shop, accessToken: await sim.accessToken(shop) });
  const requests: Record<string, unknown>[] = [];
  return {
    shop,
    requests,
    admin: {
      bucket: client.bucket,
      request: <T>(operation: string, variables?: Record<string, unknown>) => {
        requests.push({ operation: /(?:query|mutation) (\w+)/.exec(operation)?.[1], ...variables });
        return client.request<T>(operation, variables);
      },
    },
  };
}

type Collections = { collections: { nodes: { id: string; title: string; productsCount: { count: number } }[] } };

async function collectionsOf(shop: string) {
  const token = await sim.accessToken(shop);
  const r = await sim.gql<Collections>("{ collections(first: 50) { nodes { id title productsCount { count } } } }", {}, token);
  return new Map(r.body.data!.collections.nodes.map((c) => [c.title, c]));
}

/** What Shopify holds for a collection, read straight from the simulated shop's state. */
function membersOf(shop: string, title: string): string[] {
  const state = sim.runtime.state.shop(shop);
  const c = [...state.collections.values()].find((x) => x.title === title)!;
  if (c.ruleSet) {
    return [...state.products.values()]
      .filter((p) => p.productType === c.ruleSet!.rules[0]!.condition)
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || a.id - b.id)
      .map((p) => `gid://shopify/Product/${p.id}`);
  }
  return c.productIds.map((id) => `gid://shopify/Product/${id}`);
}

async function failure(promise: Promise<unknown>): Promise<CollectionProductsError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CollectionProductsError);
  return error as CollectionProductsError;
}

describe("products of Shopify collections", () => {
  it("pages through a collection of more than 250 products, 250 at a time", async () => {
    const { admin: client, shop, requests } = await admin("coll-pages");
    const dresses = (await collectionsOf(shop)).get("Dresses")!;
    expect(dresses.productsCount.count).toBe(260);
    const result = await collectionProducts(client, [dresses.id]);
    expect(result.productIds).toEqual(membersOf(shop, "Dresses"));
    expect(result.collections).toEqual([{ id: dresses.id, title: "Dresses", handle: "dresses", productIds: result.productIds, readWith: "pages" }]);
    expect(requests.map((r) => r.first)).toEqual([250, 250]);
    expect(requests[0]!.after).toBeNull();
    expect(requests[1]!.after).toEqual(expect.any(String));

    // Another shop (another catalog) with a smaller page size.
    const small = await admin("coll-small-pages");
    const smallDresses = (await collectionsOf(small.shop)).get("Dresses")!;
    const paged = await collectionProducts(small.admin, [smallDresses.id], { pageSize: 100 });
    expect(paged.productIds).toEqual(membersOf(small.shop, "Dresses"));
    expect(paged.productIds).toHaveLength(260);
    expect(small.requests.map((r) => r.first)).toEqual([100, 100, 100]);
  });

  it("merges several collections and the products already chosen, without duplicates", async () => {
    const { admin: client, shop } = await admin("coll-merge");
    const byTitle = await collectionsOf(shop);
    const arrivals = membersOf(shop, "New arrivals");
    const tees = membersOf(shop, "Tees");
    const chosen = [tees[0]!, "gid://shopify/Product/1"];
    const result = await collectionProducts(client, [byTitle.get("New arrivals")!.id, byTitle.get("Tees")!.id, byTitle.get("New arrivals")!.id], { include: chosen });
    const expected = [...new Set([...chosen, ...arrivals, ...tees])];
    expect(result.productIds).toEqual(expected);
    expect(result.collections.map((c) => [c.title, c.productIds.length])).toEqual([
      ["New arrivals", 20],
      ["Tees", 260],
    ]);
    expect(await collectionProducts(client, [])).toEqual({ productIds: [], collections: [] });
  });

  it("stops at a shoot's maximum with an error that says so", async () => {
    const { admin: client, shop, requests } = await admin("coll-cap");
    const byTitle = await collectionsOf(shop);
    const dresses = byTitle.get("Dresses")!.id;
    const tees = byTitle.get("Tees")!.id;

    // Exactly the maximum is allowed; one more is not.
    const filler = (n: number) => Array.from({ length: n }, (_, i) => `gid://shopify/Product/${1_000_000 + i}`);
    const full = await collectionProducts(client, [dresses], { include: filler(MAX_SHOOT_PRODUCTS - 260) });
    expect(full.productIds).toHaveLength(MAX_SHOOT_PRODUCTS);
    const over = await failure(collectionProducts(client, [dresses], { include: filler(MAX_SHOOT_PRODUCTS - 259) }));
    expect(over.code).toBe("too_many_products");
    expect(over.message).toMatch(/at most 5,000 products/);

    // Two collections that together pass a smaller cap fail on the page that passes it.
    requests.length = 0;
    const both = await failure(collectionProducts(client, [dresses, tees], { max: 400 }));
    expect(both.message).toBe("A shoot takes at most 400 products; the chosen collections come to more. Choose fewer collections or products.");
    expect(requests).toHaveLength(3);

    // A collection whose exact count is past the cap fails on its first page.
    requests.length = 0;
    const alone = await failure(collectionProducts(client, [dresses], { max: 100 }));
    expect(alone.message).toMatch(/the collection “Dresses” alone has 260/);
    expect(requests).toHaveLength(1);
  });

  it("names an unknown collection, and refuses ids that are not collection ids before asking Shopify", async () => {
    const { admin: client, shop, requests } = await admin("coll-unknown");
    const tees = (await collectionsOf(shop)).get("Tees")!.id;
    const unknown = await failure(collectionProducts(client, [tees, "gid://shopify/Collection/999"]));
    expect(unknown).toMatchObject({ code: "unknown_collection", collectionId: "gid://shopify/Collection/999" });
    expect(unknown.message).toBe("Collection gid://shopify/Collection/999 was not found in this shop; it may have been deleted.");

    requests.length = 0;
    for (const bad of ["gid://shopify/Product/1", "123", "gid://shopify/Collection/abc", ""]) {
      const invalid = await failure(collectionProducts(client, [bad]));
      expect(invalid.code).toBe("invalid_collection");
      expect(invalid.message).toContain(`"${bad}" is not a Shopify collection id`);
    }
    const badInclude = await failure(collectionProducts(client, [tees], { include: ["gid://shopify/Variant/1"] }));
    expect(badInclude.code).toBe("invalid_collection");
    const tooMany = await failure(collectionProducts(client, Array.from({ length: 51 }, (_, i) => `gid://shopify/Collection/${i + 1}`)));
    expect(tooMany.message).toMatch(/at most 50 collections/);
    expect(requests).toHaveLength(0);
  });

  it("waits out Shopify's THROTTLED answer within its budget, and gives up clearly past it", async () => {
    const { admin: client, shop } = await admin("coll-throttle");
    const arrivals = (await collectionsOf(shop)).get("New arrivals")!.id;
    // Another client of the shop emptied the bucket: Shopify answers THROTTLED.
    sim.runtime.state.shop(shop).bucket = { available: 0, at: Date.now() };
    const waits: number[] = [];
    const sleep = (ms: number) => {
      waits.push(ms);
      return new Promise<void>((resolve) => setTimeout(resolve, ms));
    };
    const result = await collectionProducts(client, [arrivals], { sleep });
    expect(result.productIds).toEqual(membersOf(shop, "New arrivals"));
    expect(waits.length).toBeGreaterThanOrEqual(1);
    expect(waits[0]).toBeGreaterThanOrEqual(1000);

    const busy = await admin("coll-busy");
    const ids = await collectionsOf(busy.shop);
    sim.runtime.state.shop(busy.shop).bucket = { available: 0, at: Date.now() };
    const error = await failure(collectionProducts(busy.admin, [ids.get("Tees")!.id], { maxThrottleWaitMs: 500, sleep }));
    expect(error.code).toBe("shopify_busy");
    expect(error.message).toMatch(/Shopify is busy with this shop's other requests; try again in \d+ seconds/);
  }, 20_000);

  describe("with a bulk operation for large collections", () => {
    const download = shopifyDownload(fetchPolicyOf({ NODE_ENV: "test", FETCH_ALLOWED_ORIGINS: [sim.url] }));
    const operations = (requests: Record<string, unknown>[]) => requests.map((r) => r.operation);
    const bulkOps = (shop: string) => [...sim.runtime.state.shop(shop).bulkOperations.values()];

    it("reads a collection past the threshold with one bulk operation instead of its remaining pages", async () => {
      const { admin: client, shop, requests } = await admin("coll-bulk");
      const byTitle = await collectionsOf(shop);
      const result = await collectionProducts(client, [byTitle.get("Dresses")!.id, byTitle.get("New arrivals")!.id], {
        bulk: { download, threshold: 100, pollMs: 20 },
      });
      const dresses = membersOf(shop, "Dresses");
      expect(result.collections.map((c) => [c.title, c.readWith, c.productIds.length])).toEqual([
        ["Dresses", "bulk_operation", 260],
        ["New arrivals", "pages", 20],
      ]);
      expect(result.collections[0]!.productIds).toEqual(dresses);
      expect(result.productIds).toEqual([...new Set([...dresses, ...membersOf(shop, "New arrivals")])]);
      // The first page (which tells the count), the bulk operation, its polls; no second page.
      const ops = operations(requests);
      expect(ops.slice(0, 2)).toEqual(["AtelierCollectionProducts", "AtelierRunBulkQuery"]);
      expect(ops.filter((o) => o === "AtelierCollectionProducts")).toHaveLength(2);
      expect(ops.filter((o) => o === "AtelierBulkOperation").length).toBeGreaterThanOrEqual(1);
      expect(bulkOps(shop).map((o) => o.status)).toEqual(["COMPLETED"]);
      expect(bulkOps(shop)[0]!.query).toContain(byTitle.get("Dresses")!.id);
    });

    it("pages instead when the shop's bulk query slot is taken, and leaves that operation alone", async () => {
      const { admin: client, shop, requests } = await admin("coll-bulk-busy");
      const dresses = (await collectionsOf(shop)).get("Dresses")!.id;
      sim.runtime.config.bulkOperationMs = 3000;
      try {
        const token = await sim.accessToken(shop);
        const theirs = await sim.gql<{ bulkOperationRunQuery: { bulkOperation: { id: string } | null } }>(
          `mutation { bulkOperationRunQuery(query: "{ products { edges { node { id } } } }") { bulkOperation { id } } }`,
          {},
          token,
        );
        expect(theirs.body.data!.bulkOperationRunQuery.bulkOperation).not.toBeNull();
        const result = await collectionProducts(client, [dresses], { bulk: { download, threshold: 100 } });
        expect(result.collections[0]!.readWith).toBe("pages");
        expect(result.productIds).toEqual(membersOf(shop, "Dresses"));
        expect(operations(requests)).toEqual(["AtelierCollectionProducts", "AtelierRunBulkQuery", "AtelierCollectionProducts"]);
        expect(bulkOps(shop).map((o) => o.status)).toEqual([expect.stringMatching(/^(CREATED|RUNNING)$/)]);
      } finally {
        sim.runtime.config.bulkOperationMs = 20;
      }
    });

    it("cancels an operation that runs past its wait and pages instead", async () => {
      const { admin: client, shop, requests } = await admin("coll-bulk-slow");
      const dresses = (await collectionsOf(shop)).get("Dresses")!.id;
      sim.runtime.config.bulkOperationMs = 5000;
      try {
        const started = Date.now();
        const result = await collectionProducts(client, [dresses], { bulk: { download, threshold: 100, maxWaitMs: 300, pollMs: 50 } });
        expect(Date.now() - started).toBeLessThan(4000);
        expect(result.collections[0]!.readWith).toBe("pages");
        expect(result.productIds).toEqual(membersOf(shop, "Dresses"));
        const ops = operations(requests);
        expect(ops).toContain("AtelierCancelBulkOperation");
        expect(ops.at(-1)).toBe("AtelierCollectionProducts");
        expect(bulkOps(shop).map((o) => o.status)).toEqual(["CANCELING"]);
        await new Promise((r) => setTimeout(r, 5200));
        expect(bulkOps(shop).map((o) => [o.status, o.jsonl])).toEqual([["CANCELED", null]]);
      } finally {
        sim.runtime.config.bulkOperationMs = 20;
      }
    }, 20_000);

    it("keeps paging small collections and applies the shoot's cap to a bulk result", async () => {
      const { admin: client, shop, requests } = await admin("coll-bulk-small");
      const byTitle = await collectionsOf(shop);
      const small = await collectionProducts(client, [byTitle.get("Dresses")!.id], { bulk: { download } });
      expect(small.collections[0]!.readWith).toBe("pages");
      expect(operations(requests)).not.toContain("AtelierRunBulkQuery");

      const filler = Array.from({ length: 4_900 }, (_, i) => `gid://shopify/Product/${2_000_000 + i}`);
      const capped = await failure(collectionProducts(client, [byTitle.get("Tees")!.id], { include: filler, bulk: { download, threshold: 100 } }));
      expect(capped.code).toBe("too_many_products");
      expect(capped.message).toMatch(/the chosen collections and products come to more/);
    });
  });
});
