import { describe, expect, it } from "vitest";
import { startSimulator } from "../../dev/shopify/server";
import { dataOf } from "./helpers";
import { useSimulator } from "../support/simulator";

// Collections in the simulated shop, over its real Admin GraphQL endpoint: derived from
// the generated catalog, searchable, paged like Shopify pages, validated against the
// published 2026-01 schema.

const sim = await useSimulator({ products: 60, bucketSize: 2000, restoreRate: 100 });

type Node = { id: string; title: string; handle: string; productsCount: { count: number; precision: string } };
type Conn<T> = { edges: { cursor: string; node: T }[]; nodes: T[]; pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null } };

const LIST = `query($first: Int, $after: String, $last: Int, $before: String, $query: String, $sortKey: CollectionSortKeys, $reverse: Boolean) {
  collections(first: $first, after: $after, last: $last, before: $before, query: $query, sortKey: $sortKey, reverse: $reverse) {
    edges { cursor node { id title handle productsCount { count precision } } }
    nodes { id }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

async function list(variables: Record<string, unknown>, token = sim.token) {
  return dataOf(await sim.gql<{ collections: Conn<Node> }>(LIST, variables, token)).collections;
}

async function all(token = sim.token): Promise<Node[]> {
  return (await list({ first: 250 }, token)).edges.map((e) => e.node);
}

describe("simulated collections", () => {
  it("gives every shop deterministic collections from its catalog: one per product type and two manual ones", async () => {
    const collections = await all();
    expect(collections.map((c) => c.title)).toEqual(["Tees", "Hoodies", "Dresses", "Jeans", "Jackets", "New arrivals", "Summer edit"]);
    expect(collections.map((c) => c.handle)).toEqual(["tees", "hoodies", "dresses", "jeans", "jackets", "new-arrivals", "summer-edit"]);
    for (const c of collections) expect(c.id).toMatch(/^gid:\/\/shopify\/Collection\/\d+$/);
    expect(new Set(collections.map((c) => c.id)).size).toBe(collections.length);

    // A smart collection holds exactly the products of its type.
    type Products = { products: { nodes: { id: string }[] } };
    const dresses = dataOf(await sim.gql<Products>(`{ products(first: 250, query: "product_type:Dress") { nodes { id } } }`)).products.nodes;
    expect(collections.find((c) => c.title === "Dresses")!.productsCount).toEqual({ count: dresses.length, precision: "EXACT" });
    expect(collections.find((c) => c.title === "New arrivals")!.productsCount.count).toBe(20);

    // The same seed gives the same collections (ids included) in another simulator.
    const again = await startSimulator({ appUrl: "http://127.0.0.1:9", apiKey: "k", apiSecret: "s", products: 60 });
    try {
      const token = ((await (await fetch(`${again.url}/__sim/access-tokens`, { method: "POST", body: JSON.stringify({ shop: sim.shop }) })).json()) as { accessToken: string }).accessToken;
      const r = await fetch(`${again.url}/admin/api/2026-01/graphql.json`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": token },
        body: JSON.stringify({ query: LIST, variables: { first: 250 } }),
      });
      const body = (await r.json()) as { data: { collections: Conn<Node> } };
      expect(body.data.collections.edges.map((e) => e.node)).toEqual(collections);
    } finally {
      await again.close();
    }
  });

  it("searches collections with Shopify's search syntax", async () => {
    const titles = async (query: string) => (await list({ first: 50, query })).edges.map((e) => e.node.title);
    expect(await titles("title:Dresses")).toEqual(["Dresses"]);
    expect(await titles("title:jack*")).toEqual(["Jackets"]);
    expect(await titles('title:"New arrivals"')).toEqual(["New arrivals"]);
    expect(await titles("summer")).toEqual(["Summer edit"]);
    expect(await titles("handle:new-arrivals")).toEqual(["New arrivals"]);
    expect(await titles("collection_type:custom")).toEqual(["New arrivals", "Summer edit"]);
    expect(await titles("collection_type:smart")).toHaveLength(5);
    expect(await titles("title:Tees OR title:Jeans")).toEqual(["Tees", "Jeans"]);
    expect(await titles("-collection_type:smart")).toEqual(["New arrivals", "Summer edit"]);
    expect((await list({ first: 50, query: "title:nothing-like-this" })).edges).toEqual([]);
    type Count = { collectionsCount: { count: number; precision: string } };
    expect(dataOf(await sim.gql<Count>(`{ collectionsCount(query: "collection_type:smart") { count precision } }`)).collectionsCount).toEqual({ count: 5, precision: "EXACT" });
    expect(dataOf(await sim.gql<Count>(`{ collectionsCount(limit: 3) { count precision } }`)).collectionsCount).toEqual({ count: 3, precision: "AT_LEAST" });
  });

  it("pages collections with cursors in both directions, sorted by the requested key", async () => {
    const everything = await all();
    const ids: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const page = await list({ first: 3, after });
      pages++;
      ids.push(...page.edges.map((e) => e.node.id));
      expect(page.nodes.map((n) => n.id)).toEqual(page.edges.map((e) => e.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(pages).toBe(3);
    expect(ids).toEqual(everything.map((c) => c.id));
    const firstFive = await list({ first: 5 });
    const back = await list({ last: 2, before: firstFive.pageInfo.endCursor });
    expect(back.edges.map((e) => e.node.id)).toEqual(ids.slice(2, 4));
    expect(back.pageInfo.hasPreviousPage).toBe(true);
    const byTitle = (await list({ first: 50, sortKey: "TITLE" })).edges.map((e) => e.node.title);
    expect(byTitle).toEqual([...byTitle].sort((a, b) => a.localeCompare(b)));
    const reversed = (await list({ first: 50, sortKey: "TITLE", reverse: true })).edges.map((e) => e.node.title);
    expect(reversed).toEqual([...byTitle].reverse());
    const noSize = await sim.gql("{ collections { nodes { id } } }");
    expect(JSON.stringify(noSize.body.errors)).toMatch(/first or last/);
    const tooBig = await sim.gql("{ collections(first: 251) { nodes { id } } }");
    expect(JSON.stringify(tooBig.body.errors)).toMatch(/cannot exceed 250/);
  });

  it("pages a collection's products, and answers unknown ids with null", async () => {
    const dresses = (await all()).find((c) => c.title === "Dresses")!;
    const PRODUCTS = `query($id: ID!, $first: Int!, $after: String) {
      collection(id: $id) {
        id title handle productsCount { count precision }
        products(first: $first, after: $after) { edges { cursor node { id productType } } nodes { id } pageInfo { hasNextPage endCursor } }
      }
    }`;
    type Page = { collection: (Node & { products: Conn<{ id: string; productType: string }> }) | null };
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const c: NonNullable<Page["collection"]> = dataOf(await sim.gql<Page>(PRODUCTS, { id: dresses.id, first: 5, after })).collection!;
      expect(c).toMatchObject({ id: dresses.id, title: "Dresses", handle: "dresses" });
      for (const e of c.products.edges) expect(e.node.productType).toBe("Dress");
      seen.push(...c.products.edges.map((e) => e.node.id));
      if (!c.products.pageInfo.hasNextPage) break;
      after = c.products.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(dresses.productsCount.count);
    expect(new Set(seen).size).toBe(seen.length);
    const whole = dataOf(await sim.gql<Page>(PRODUCTS, { id: dresses.id, first: 250 })).collection!.products.nodes.map((n) => n.id);
    expect(whole).toEqual(seen);

    // A manual collection keeps its own order; sortKey reorders.
    const arrivals = (await all()).find((c) => c.title === "New arrivals")!;
    type Sorted = { collection: { products: { nodes: { id: string; title: string; createdAt: string }[] } } };
    const manual = dataOf(await sim.gql<Sorted>(`query($id: ID!) { collection(id: $id) { products(first: 50) { nodes { id title createdAt } } } }`, { id: arrivals.id })).collection.products.nodes;
    expect(manual.map((p) => p.createdAt)).toEqual(manual.map((p) => p.createdAt).sort().reverse());
    const byTitle = dataOf(await sim.gql<Sorted>(`query($id: ID!) { collection(id: $id) { products(first: 50, sortKey: TITLE) { nodes { id title createdAt } } } }`, { id: arrivals.id })).collection.products.nodes;
    expect(byTitle.map((p) => p.title)).toEqual(manual.map((p) => p.title).sort((a, b) => a.localeCompare(b)));

    expect(dataOf(await sim.gql<Page>(PRODUCTS, { id: "gid://shopify/Collection/1", first: 5 })).collection).toBeNull();
    type Nodes = { nodes: ({ id: string; title?: string } | null)[]; node: { id: string; handle?: string } | null };
    const nodes = dataOf(
      await sim.gql<Nodes>(`query($ids: [ID!]!, $id: ID!) { nodes(ids: $ids) { id ... on Collection { title } } node(id: $id) { id ... on Collection { handle } } }`, {
        ids: [dresses.id, "gid://shopify/Collection/1"],
        id: dresses.id,
      }),
    );
    expect(nodes.nodes).toEqual([{ id: dresses.id, title: "Dresses" }, null]);
    expect(nodes.node).toEqual({ id: dresses.id, handle: "dresses" });

    // From the product's side.
    type InCollection = { product: { inCollection: boolean; collections: { nodes: { title: string }[] } } };
    const product = dataOf(await sim.gql<InCollection>(`query($id: ID!, $c: ID!) { product(id: $id) { inCollection(id: $c) collections(first: 10) { nodes { title } } } }`, { id: seen[0], c: dresses.id })).product;
    expect(product.inCollection).toBe(true);
    expect(product.collections.nodes.map((n) => n.title)).toContain("Dresses");
  });

  it("refuses what the schema refuses, and fields it does not model", async () => {
    const id = (await all())[0]!.id;
    const notOnCollection = await sim.gql(`query($id: ID!) { collection(id: $id) { title vendor } }`, { id });
    expect(notOnCollection.status).toBe(200);
    expect((notOnCollection.body.errors as { message: string; extensions: { code: string } }[])[0]).toMatchObject({
      message: expect.stringMatching(/Cannot query field "vendor" on type "Collection"/),
      extensions: { code: "GRAPHQL_VALIDATION_FAILED" },
    });
    expect(notOnCollection.body.data).toBeUndefined();
    const badSort = await sim.gql(`{ collections(first: 5, sortKey: PRODUCT_TYPE) { nodes { id } } }`);
    expect(JSON.stringify(badSort.body.errors)).toMatch(/CollectionSortKeys/);
    const noId = await sim.gql(`{ collection { id } }`);
    expect(JSON.stringify(noId.body.errors)).toMatch(/argument \\"id\\" of type \\"ID!\\" is required/);
    const badPage = await sim.gql(`{ collections(first: "ten") { nodes { id } } }`);
    expect(JSON.stringify(badPage.body.errors)).toMatch(/Int cannot represent/);
    const deprecated = await sim.gql(`{ collectionByHandle(handle: "dresses") { id } }`);
    expect(JSON.stringify(deprecated.body.errors)).toMatch(/deprecated/);
    const unmodelled = await sim.gql(`query($id: ID!) { collection(id: $id) { title metafields(first: 5) { nodes { id } } } }`, { id });
    expect(JSON.stringify(unmodelled.body.errors)).toMatch(/Collection.metafields is not implemented by the simulated shop/);
  });

  it("charges the calculated cost of collection connections", async () => {
    const token = await sim.accessToken("collections-cost.myshopify.com");
    const [dresses] = (await list({ first: 50, query: "title:Dresses" }, token)).edges.map((e) => e.node);
    type Cost = { requestedQueryCost: number; actualQueryCost: number };
    const one = await sim.gql(`query($id: ID!) { collection(id: $id) { id productsCount { count } products(first: 250) { nodes { id } } } }`, { id: dresses!.id }, token);
    const cost = one.body.extensions!.cost as unknown as Cost;
    expect(cost.requestedQueryCost).toBe(1 + 1 + 2 + 250);
    expect(cost.actualQueryCost).toBe(1 + 1 + 2 + dresses!.productsCount.count);
    const listing = await sim.gql(`{ collections(first: 10) { nodes { id productsCount { count } } } }`, {}, token);
    expect((listing.body.extensions!.cost as unknown as Cost).requestedQueryCost).toBe(2 + 10 * 2);
    const nested = await sim.gql(`{ collections(first: 10) { nodes { id products(first: 100) { nodes { id } } } } }`, {}, token);
    expect((nested.body.errors as { extensions: { code: string; cost: number } }[])[0]!.extensions).toMatchObject({
      code: "MAX_COST_EXCEEDED",
      cost: 2 + 10 * (1 + 2 + 100),
    });
  });

  it("serves the collection picker in the shape App Bridge returns collections", async () => {
    const r = await fetch(`${sim.url}/__sim/picker/collections?shop=${sim.shop}&query=${encodeURIComponent("title:Dresses")}`);
    expect(r.status).toBe(200);
    const picked = (await r.json()) as Record<string, unknown>[];
    expect(picked).toHaveLength(1);
    const dresses = (await all()).find((c) => c.title === "Dresses")!;
    expect(picked[0]).toMatchObject({
      id: dresses.id,
      title: "Dresses",
      handle: "dresses",
      productsCount: dresses.productsCount.count,
      productsAutomaticallySortedCount: dresses.productsCount.count,
      productsManuallySortedCount: 0,
      sortOrder: "CREATED_DESC",
      ruleSet: { appliedDisjunctively: false, rules: [{ column: "TYPE", relation: "EQUALS", condition: "Dress" }] },
      seo: { title: null, description: null },
      storefrontId: Buffer.from(dresses.id).toString("base64"),
    });
    const everything = (await (await fetch(`${sim.url}/__sim/picker/collections?shop=${sim.shop}`)).json()) as { title: string }[];
    expect(everything.map((c) => c.title)).toEqual([...everything.map((c) => c.title)].sort((a, b) => a.localeCompare(b)));
    expect(everything).toHaveLength(7);
  });
});
