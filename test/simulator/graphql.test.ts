import { describe, expect, it } from "vitest";
import { useSimulator } from "../support/simulator";

const sim = await useSimulator({ products: 60, bucketSize: 2000, restoreRate: 100 });

describe("simulated Admin GraphQL", () => {
  it("authenticates with X-Shopify-Access-Token", async () => {
    const r = await fetch(`${sim.url}/admin/api/2026-01/graphql.json`, { method: "POST", body: JSON.stringify({ query: "{ shop { name } }" }) });
    expect(r.status).toBe(401);
    const bad = await sim.gql("{ shop { name } }", {}, "shpat_nope");
    expect(bad.status).toBe(401);
    const ok = await sim.gql<{ shop: { name: string; myshopifyDomain: string } }>("{ shop { name myshopifyDomain currencyCode } }");
    expect(ok.body.data?.shop.myshopifyDomain).toBe(sim.shop);
  });

  it("rejects documents Shopify would reject, including deprecated fields, with 200 and errors", async () => {
    const unknown = await sim.gql("{ shop { nope } }");
    expect(unknown.status).toBe(200);
    expect((unknown.body.errors as { message: string }[])[0]!.message).toMatch(/Cannot query field "nope" on type "Shop"/);
    const syntax = await sim.gql("{ shop { name ");
    expect(syntax.status).toBe(200);
    expect(JSON.stringify(syntax.body.errors)).toMatch(/Syntax Error/);
    const deprecated = await sim.gql(
      `mutation { productCreateMedia(productId: "gid://shopify/Product/1", media: [{mediaContentType: IMAGE, originalSource: "https://x"}]) { userErrors { message } } }`,
    );
    expect(JSON.stringify(deprecated.body.errors)).toMatch(/deprecated/);
    expect(deprecated.body.data).toBeUndefined();
    const malformed = await fetch(`${sim.url}/admin/api/2026-01/graphql.json`, {
      method: "POST",
      headers: { "X-Shopify-Access-Token": sim.token, "Content-Type": "application/json" },
      body: "{not json",
    });
    expect(malformed.status).toBe(400);
  });

  it("fails loudly on fields the simulator does not model", async () => {
    const r = await sim.gql<{ shop: unknown }>("{ shop { name shopAddress { city } } }");
    expect(JSON.stringify(r.body.errors)).toMatch(/Shop.shopAddress is not implemented by the simulated shop/);
  });

  it("pages products with cursors in both directions", async () => {
    const page = `query($first: Int, $after: String, $last: Int, $before: String) {
      products(first: $first, after: $after, last: $last, before: $before) {
        edges { cursor node { id title } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;
    type Page = { products: { edges: { cursor: string; node: { id: string } }[]; pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string; startCursor: string } } };
    const ids: string[] = [];
    let after: string | undefined;
    for (;;) {
      const r = await sim.gql<Page>(page, { first: 25, after });
      const conn = r.body.data!.products;
      ids.push(...conn.edges.map((e) => e.node.id));
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    expect(ids).toHaveLength(60);
    expect(new Set(ids).size).toBe(60);
    const back = await sim.gql<Page>(page, { last: 10, before: (await sim.gql<Page>(page, { first: 30 })).body.data!.products.pageInfo.endCursor });
    expect(back.body.data!.products.edges.map((e) => e.node.id)).toEqual(ids.slice(19, 29));
    expect(back.body.data!.products.pageInfo.hasPreviousPage).toBe(true);
    const noSize = await sim.gql("{ products { edges { node { id } } } }");
    expect(JSON.stringify(noSize.body.errors)).toMatch(/first or last/);
  });

  it("filters products with Shopify's search syntax", async () => {
    type Titles = { products: { nodes: { title: string; status: string; productType: string; tags: string[]; vendor: string; updatedAt: string }[] } };
    const q = async (query: string) =>
      (await sim.gql<Titles>(`query($q: String) { products(first: 250, query: $q) { nodes { title status productType tags vendor updatedAt } } }`, { q: query })).body.data!.products.nodes;
    const all = await q("");
    const hoodies = await q("product_type:Hoodie");
    expect(hoodies.length).toBeGreaterThan(0);
    expect(hoodies.every((p) => p.productType === "Hoodie")).toBe(true);
    const drafts = await q("status:draft");
    expect(drafts.every((p) => p.status === "DRAFT")).toBe(true);
    expect(drafts.length).toBe(all.filter((p) => p.status === "DRAFT").length);
    const tagged = all.find((p) => p.tags.length > 0)!;
    const byTag = await q(`tag:${tagged.tags[0]}`);
    expect(byTag.every((p) => p.tags.includes(tagged.tags[0]!))).toBe(true);
    const vendor = all[0]!.vendor;
    expect((await q(`vendor:'${vendor}'`)).every((p) => p.vendor === vendor)).toBe(true);
    const cutoff = [...all].sort((a, b) => a.updatedAt.localeCompare(b.updatedAt))[30]!.updatedAt;
    const recent = await q(`updated_at:>'${cutoff}'`);
    expect(recent.every((p) => p.updatedAt > cutoff)).toBe(true);
    expect(recent.length).toBe(all.filter((p) => p.updatedAt > cutoff).length);
    const word = all[0]!.title.split(" ")[0]!;
    expect((await q(`title:${word}*`)).every((p) => p.title.toLowerCase().includes(word.toLowerCase()))).toBe(true);
    const either = await q("product_type:Dress OR product_type:Jeans");
    expect(new Set(either.map((p) => p.productType))).toEqual(new Set(["Dress", "Jeans"]));
    expect((await q("-status:active")).every((p) => p.status !== "ACTIVE")).toBe(true);
  });

  it("serves product media with image URLs from its own CDN", async () => {
    type P = { products: { nodes: { id: string; featuredMedia: { id: string } | null; media: { nodes: { __typename: string; status: string; image: { url: string; width: number; height: number } }[] } }[] } };
    const r = await sim.gql<P>(`{ products(first: 60) { nodes { id featuredMedia { id } media(first: 5) { nodes { __typename status ... on MediaImage { image { url width height altText } } } } } } }`);
    const products = r.body.data!.products.nodes;
    expect(products.some((p) => p.media.nodes.length === 0 && p.featuredMedia === null)).toBe(true);
    expect(products.some((p) => p.media.nodes.length > 1)).toBe(true);
    const image = products.find((p) => p.media.nodes.length > 0)!.media.nodes[0]!.image;
    const response = await fetch(image.url);
    expect(response.headers.get("content-type")).toBe("image/jpeg");
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    const nodes = await sim.gql<{ nodes: ({ id: string } | null)[] }>(`query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Product { title } } }`, {
      ids: [products[0]!.id, "gid://shopify/Product/1"],
    });
    expect(nodes.body.data!.nodes).toEqual([expect.objectContaining({ id: products[0]!.id }), null]);
  });

  it("reports calculated cost and throttles with Shopify's THROTTLED error when the bucket is empty", async () => {
    const token = await sim.accessToken("throttle-test.myshopify.com");
    const heavy = `{ products(first: 100) { nodes { id media(first: 3) { nodes { id } } } } }`;
    const first = await sim.gql(heavy, {}, token);
    const cost = first.body.extensions!.cost as { requestedQueryCost: number; actualQueryCost: number; throttleStatus: { maximumAvailable: number; currentlyAvailable: number; restoreRate: number } };
    expect(cost.requestedQueryCost).toBe(2 + 100 * (1 + 2 + 3 * 1));
    expect(cost.actualQueryCost).toBeLessThan(cost.requestedQueryCost);
    expect(cost.throttleStatus).toMatchObject({ maximumAvailable: 2000, restoreRate: 100 });
    let throttled: { errors?: unknown; extensions?: { cost?: Record<string, unknown> } } | undefined;
    for (let i = 0; i < 20 && !throttled; i++) {
      const r = await sim.gql(heavy, {}, token);
      if (JSON.stringify(r.body.errors ?? "").includes("THROTTLED")) throttled = r.body;
    }
    expect(throttled).toBeDefined();
    expect(throttled!.errors).toEqual([{ message: "Throttled", extensions: { code: "THROTTLED", documentation: "https://shopify.dev/api/usage/rate-limits" } }]);
    expect(throttled!.extensions!.cost).toMatchObject({ actualQueryCost: null, requestedQueryCost: cost.requestedQueryCost });
    const tooBig = await sim.gql(`{ products(first: 250) { nodes { id media(first: 250) { nodes { id } } } } }`, {}, token);
    expect(JSON.stringify(tooBig.body.errors)).toMatch(/MAX_COST_EXCEEDED/);
  });

  it("answers currentAppInstallation", async () => {
    const r = await sim.gql<{ currentAppInstallation: { accessScopes: { handle: string }[] } }>("{ currentAppInstallation { id accessScopes { handle } } }");
    expect(r.body.data!.currentAppInstallation.accessScopes.map((s) => s.handle)).toEqual(["read_products", "write_products", "write_files"]);
  });
});

describe("cost of lists by id", () => {
  it("charges nodes(ids:) per id and refuses a page that would exceed the single-query limit", async () => {
    const token = await sim.accessToken("cost-ids.myshopify.com");
    const ids = Array.from({ length: 25 }, (_, i) => `gid://shopify/Product/${8_000_000_001 + i}`);
    const query = `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Product { id media(first: 50) { nodes { id } } } } }`;
    const tooBig = await sim.gql(query, { ids }, token);
    expect(JSON.stringify(tooBig.body.errors)).toMatch(/MAX_COST_EXCEEDED/);
    const ok = await sim.gql(query, { ids: ids.slice(0, 5) }, token);
    expect((ok.body.extensions!.cost as { requestedQueryCost: number }).requestedQueryCost).toBe(5 * (1 + 2 + 50));
  });
});
