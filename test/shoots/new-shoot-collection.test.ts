import { describe, expect, it } from "vitest";
import { makeShop, useTestDb } from "../support/db";
import { embeddedRequest, storeOfflineSession } from "../support/shopify";
import { useSimulator } from "../support/simulator";

// The new-shoot page resolving a large collection the way the app runs it: the page's
// Admin client, the bulk operation and the guarded download configured from the env.

const h = useTestDb(2);
const sim = await useSimulator({ products: 5200 });
process.env.SHOPIFY_SIMULATOR_URL = sim.url;
process.env.FETCH_ALLOWED_ORIGINS = sim.url;
const { loader } = await import("~/routes/app.shoots.new");

async function connectedShop() {
  const shop = await makeShop(h);
  await storeOfflineSession(h.prisma, shop.domain);
  await h.prisma.session.update({ where: { id: `offline_${shop.domain}` }, data: { accessToken: await sim.accessToken(shop.domain) } });
  return shop;
}

describe("a shoot of a large collection", () => {
  it("reads a collection of more than 1,000 products with one bulk operation", async () => {
    const shop = await connectedShop();
    const token = await sim.accessToken(shop.domain);
    type Collections = { collections: { nodes: { id: string; title: string; productsCount: { count: number } }[] } };
    const listed = await sim.gql<Collections>("{ collections(first: 20) { nodes { id title productsCount { count } } } }", {}, token);
    const tees = listed.body.data!.collections.nodes.find((c) => c.title === "Tees")!;
    expect(tees.productsCount.count).toBeGreaterThan(1000);

    const numeric = tees.id.split("/").pop();
    const request = await embeddedRequest(shop.domain, `/app/shoots/new?collections=${numeric}&products=1`);
    const data = await loader({ request, params: {}, context: {} });
    expect(data.collectionError).toBeNull();
    expect(data.collections).toEqual([{ id: tees.id, title: "Tees", count: tees.productsCount.count }]);
    expect(data.productIds).toHaveLength(tees.productsCount.count + 1);
    expect(data.productIds[0]).toBe("gid://shopify/Product/1");

    const operations = [...sim.runtime.state.shop(shop.domain).bulkOperations.values()];
    expect(operations.map((o) => o.status)).toEqual(["COMPLETED"]);
    expect(operations[0]!.query).toContain(tees.id);
  }, 60_000);
});
