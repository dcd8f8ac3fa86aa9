import { describe, expect, it } from "vitest";
import { useSimulator } from "../support/simulator";
import { API_SECRET, dataOf, expectedHmac, header, sleep, startFakeApp } from "./helpers";

// productDelete over the simulator's HTTP API, and the products/delete webhook it
// sends to the app afterwards.

const app = await startFakeApp();
const sim = await useSimulator({ products: 12, appUrl: app.url, apiSecret: API_SECRET, bucketSize: 100_000, maxQueryCost: 100_000 });
// Nothing listens on port 9: an app that never answers its webhooks.
const unreachable = await useSimulator({ products: 4, bucketSize: 100_000, maxQueryCost: 100_000 });

type Err = { field: string[] | null; message: string };
type Product = { id: string; media: { nodes: { id: string }[] }; variants: { nodes: { id: string }[] } };
type DeletePayload = {
  productDelete: { deletedProductId: string | null; productDeleteOperation: { id: string } | null; shop: { id: string }; userErrors: Err[] };
};

const DELETE = `mutation($input: ProductDeleteInput!, $synchronous: Boolean) {
  productDelete(input: $input, synchronous: $synchronous) { deletedProductId productDeleteOperation { id } shop { id } userErrors { field message } } }`;
const PRODUCT = `id media(first: 20) { nodes { id } } variants(first: 20) { nodes { id } }`;

async function products(s = sim): Promise<Product[]> {
  return dataOf(await s.gql<{ products: { nodes: Product[] } }>(`{ products(first: 50) { nodes { ${PRODUCT} } } }`)).products.nodes;
}

async function count(s = sim): Promise<number> {
  return dataOf(await s.gql<{ productsCount: { count: number } }>(`{ productsCount { count } }`)).productsCount.count;
}

async function exists(query: string, id: string, s = sim): Promise<boolean> {
  return dataOf(await s.gql<Record<string, unknown>>(`query($id: ID!) { ${query}(id: $id) { id } }`, { id }))[query] !== null;
}

const numeric = (gid: string) => Number(gid.split("/").pop());
const productDeletes = () => app.requests.filter((r) => header(r, "X-Shopify-Topic") === "products/delete");

describe("productDelete", () => {
  it("deletes the product, its variants and the photos no other product uses, then sends products/delete", async () => {
    const all = await products();
    const [doomed, other] = all.filter((p) => p.media.nodes.length >= 2) as [Product, Product];
    const [shared, own] = doomed.media.nodes.map((m) => m.id) as [string, string];
    const linked = dataOf(
      await sim.gql<{ fileUpdate: { userErrors: Err[] } }>(`mutation($files: [FileUpdateInput!]!) { fileUpdate(files: $files) { userErrors { field message } } }`, {
        files: [{ id: shared, referencesToAdd: [other.id] }],
      }),
    );
    expect(linked.fileUpdate.userErrors).toEqual([]);
    const arrivals = `{ collectionByIdentifier(identifier: { handle: "new-arrivals" }) { hasProduct(id: "${doomed.id}") productsCount { count } } }`;
    type Arrivals = { collectionByIdentifier: { hasProduct: boolean; productsCount: { count: number } } };
    const before = dataOf(await sim.gql<Arrivals>(arrivals)).collectionByIdentifier;
    expect(before.hasProduct).toBe(true);

    const r = dataOf(await sim.gql<DeletePayload>(DELETE, { input: { id: doomed.id } }));
    expect(r.productDelete).toEqual({ deletedProductId: doomed.id, productDeleteOperation: null, shop: { id: expect.stringMatching(/^gid:\/\/shopify\/Shop\/\d+$/) }, userErrors: [] });

    expect(await exists("product", doomed.id)).toBe(false);
    for (const v of doomed.variants.nodes) expect(await exists("productVariant", v.id)).toBe(false);
    expect(await exists("node", own)).toBe(false);
    expect(await exists("node", shared)).toBe(true);
    expect((await products()).find((p) => p.id === other.id)!.media.nodes.map((m) => m.id)).toContain(shared);
    expect(await count()).toBe(all.length - 1);
    expect(dataOf(await sim.gql<Arrivals>(arrivals)).collectionByIdentifier).toEqual({ hasProduct: false, productsCount: { count: before.productsCount.count - 1 } });

    const hook = await app.next((h) => header(h, "X-Shopify-Topic") === "products/delete", "products/delete webhook");
    expect(hook.path).toBe("/webhooks/products");
    expect(hook.json()).toEqual({ id: numeric(doomed.id) });
    expect(header(hook, "X-Shopify-Shop-Domain")).toBe(sim.shop);
    expect(header(hook, "X-Shopify-Hmac-Sha256")).toBe(expectedHmac(hook.raw));
  });

  it("answers an id that is not a product of the shop with a user error, deleting nothing", async () => {
    const before = await count();
    const [somePhoto] = (await products()).flatMap((p) => p.media.nodes.map((m) => m.id));
    for (const id of ["gid://shopify/Product/1", somePhoto!, "gid://shopify/Collection/470000001"]) {
      const r = dataOf(await sim.gql<DeletePayload>(DELETE, { input: { id } }));
      expect(r.productDelete).toMatchObject({ deletedProductId: null, productDeleteOperation: null, userErrors: [{ field: ["id"], message: "Product does not exist" }] });
    }
    expect(await count()).toBe(before);
    await sleep(50);
    expect(productDeletes()).toHaveLength(1);
  });

  it("refuses the asynchronous form, which the simulated shop does not implement, and the removed productDeleteAsync", async () => {
    const [p] = await products();
    const r = dataOf(await sim.gql<DeletePayload>(DELETE, { input: { id: p!.id }, synchronous: false }));
    expect(r.productDelete.deletedProductId).toBeNull();
    expect(r.productDelete.userErrors).toEqual([{ field: ["synchronous"], message: expect.stringContaining("not implemented") }]);
    expect(await exists("product", p!.id)).toBe(true);

    const old = await sim.gql(`mutation { productDeleteAsync(productId: "${p!.id}") { deleteProductId } }`);
    expect(old.body.data).toBeUndefined();
    expect(old.body.errors).toEqual([expect.objectContaining({ extensions: { code: "GRAPHQL_VALIDATION_FAILED" } })]);
    expect(await exists("product", p!.id)).toBe(true);
  });

  it("deletes even when the app does not answer the webhook", async () => {
    const [p] = await products(unreachable);
    const r = dataOf(await unreachable.gql<DeletePayload>(DELETE, { input: { id: p!.id } }));
    expect(r.productDelete.userErrors).toEqual([]);
    expect(r.productDelete.deletedProductId).toBe(p!.id);
    expect(await exists("product", p!.id, unreachable)).toBe(false);
  });
});
