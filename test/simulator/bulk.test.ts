import { describe, expect, it } from "vitest";
import { useSimulator } from "../support/simulator";
import { API_SECRET, dataOf, expectedHmac, header, startFakeApp, until } from "./helpers";

const app = await startFakeApp();
const sim = await useSimulator({ products: 20, appUrl: app.url, apiSecret: API_SECRET });

type Err = { field: string[] | null; message: string; code: string | null };
type Op = { id: string; status: string; objectCount: string; rootObjectCount: string; url: string | null; fileSize: string | null; completedAt: string | null; errorCode: string | null };
type RunPayload = { bulkOperationRunQuery: { bulkOperation: { id: string; status: string } | null; userErrors: Err[] } };

const RUN = `mutation($query: String!) { bulkOperationRunQuery(query: $query) { bulkOperation { id status } userErrors { field message code } } }`;
const OP = `query($id: ID!) { bulkOperation(id: $id) { id status objectCount rootObjectCount url fileSize completedAt errorCode } }`;

const PRODUCTS_WITH_MEDIA_AND_VARIANTS = `{
  products {
    edges { node {
      id title
      media { edges { node { id status ... on MediaImage { image { url width } } } } }
      variants { edges { node { id sku } } }
    } }
  }
}`;

const run = (query: string, token?: string) => sim.gql<RunPayload>(RUN, { query }, token);

/** Polls the operation until it leaves CREATED/RUNNING, recording the statuses seen. */
async function finish(id: string, token?: string): Promise<{ seen: string[]; op: Op }> {
  const seen: string[] = [];
  const op = await until(async () => {
    const current = dataOf(await sim.gql<{ bulkOperation: Op }>(OP, { id }, token)).bulkOperation;
    if (seen.at(-1) !== current.status) seen.push(current.status);
    return current.status === "CREATED" || current.status === "RUNNING" ? undefined : current;
  }, `bulk operation ${id}`);
  return { seen, op };
}

type Line = Record<string, unknown> & { id: string; __parentId?: string };
async function jsonl(url: string): Promise<Line[]> {
  const r = await fetch(url);
  expect(r.status).toBe(200);
  const text = await r.text();
  expect(text.endsWith("\n")).toBe(true);
  return text
    .trimEnd()
    .split("\n")
    .map((l) => JSON.parse(l) as Line);
}

describe("bulk query operations", () => {
  it("runs a products query with nested media and variants into JSONL with __parentId, and notifies the app", async () => {
    type Catalog = { products: { nodes: { id: string; media: { nodes: { id: string }[] }; variants: { nodes: { id: string }[] } }[] } };
    const catalog = dataOf(await sim.gql<Catalog>(`{ products(first: 20) { nodes { id media(first: 10) { nodes { id } } variants(first: 10) { nodes { id } } } } }`)).products.nodes;

    const started = dataOf(await run(PRODUCTS_WITH_MEDIA_AND_VARIANTS));
    expect(started.bulkOperationRunQuery.userErrors).toEqual([]);
    const created = started.bulkOperationRunQuery.bulkOperation!;
    expect(created.id).toMatch(/^gid:\/\/shopify\/BulkOperation\/\d+$/);
    expect(created.status).toBe("CREATED");

    // One bulk query at a time per shop.
    const second = dataOf(await run(PRODUCTS_WITH_MEDIA_AND_VARIANTS));
    expect(second.bulkOperationRunQuery.bulkOperation).toBeNull();
    expect(second.bulkOperationRunQuery.userErrors).toEqual([expect.objectContaining({ code: "OPERATION_IN_PROGRESS" })]);
    expect(second.bulkOperationRunQuery.userErrors[0]!.message).toContain(created.id);

    const { seen, op } = await finish(created.id);
    expect(["CREATED", "RUNNING", "COMPLETED"]).toEqual(expect.arrayContaining(seen));
    expect(seen.at(-1)).toBe("COMPLETED");
    expect(seen).toEqual([...seen].sort((a, b) => ["CREATED", "RUNNING", "COMPLETED"].indexOf(a) - ["CREATED", "RUNNING", "COMPLETED"].indexOf(b)));
    expect(op.errorCode).toBeNull();
    expect(op.completedAt).not.toBeNull();
    expect(op.url).toMatch(new RegExp(`^${sim.url}/`));

    const lines = await jsonl(op.url!);
    const roots = lines.filter((l) => !("__parentId" in l));
    expect(roots.map((l) => l.id)).toEqual(catalog.map((p) => p.id));
    expect(roots.every((l) => !("media" in l) && !("variants" in l) && typeof l.title === "string")).toBe(true);
    for (const p of catalog) {
      const children = lines.filter((l) => l.__parentId === p.id);
      expect(children.filter((l) => l.id.startsWith("gid://shopify/MediaImage/")).map((l) => l.id)).toEqual(p.media.nodes.map((m) => m.id));
      expect(children.filter((l) => l.id.startsWith("gid://shopify/ProductVariant/")).map((l) => l.id)).toEqual(p.variants.nodes.map((v) => v.id));
    }
    // Children come after their parent, and every child has a parent in the file.
    const position = new Map(lines.map((l, i) => [l.id, i]));
    for (const [i, l] of lines.entries()) if (l.__parentId) expect(position.get(l.__parentId)).toBeLessThan(i);
    const media = lines.find((l) => l.id.startsWith("gid://shopify/MediaImage/"))!;
    expect(media).toMatchObject({ status: "READY", image: { url: expect.stringContaining("/cdn/shop/"), width: 800 } });

    const expectedObjects = catalog.reduce((n, p) => n + 1 + p.media.nodes.length + p.variants.nodes.length, 0);
    expect(lines).toHaveLength(expectedObjects);
    expect(Number(op.objectCount)).toBe(expectedObjects);
    expect(Number(op.rootObjectCount)).toBe(catalog.length);
    const bytes = Buffer.from(await (await fetch(op.url!)).arrayBuffer());
    expect(Number(op.fileSize)).toBe(bytes.length);

    const hook = await app.next((r) => r.path === "/webhooks/bulk_operations/finish", "bulk_operations/finish webhook");
    expect(hook.method).toBe("POST");
    expect(header(hook, "X-Shopify-Topic")).toBe("bulk_operations/finish");
    expect(header(hook, "X-Shopify-Shop-Domain")).toBe(sim.shop);
    expect(header(hook, "X-Shopify-Hmac-Sha256")).toBe(expectedHmac(hook.raw));
    expect(hook.json()).toMatchObject({ admin_graphql_api_id: created.id, status: "completed", error_code: null, type: "query", completed_at: op.completedAt });

    // Finished: the next bulk query may start.
    const again = dataOf(await run(`{ products { edges { node { id } } } }`));
    expect(again.bulkOperationRunQuery.userErrors).toEqual([]);
    await finish(again.bulkOperationRunQuery.bulkOperation!.id);
  });

  it("gives connections nested in variants the variant as parent", async () => {
    const token = await sim.accessToken("bulk-nested.myshopify.com");
    type P = { products: { nodes: { id: string; media: { nodes: { id: string }[] }; variants: { nodes: { id: string }[] } }[] } };
    const p = dataOf(await sim.gql<P>(`{ products(first: 20) { nodes { id media(first: 3) { nodes { id } } variants(first: 10) { nodes { id } } } } }`, {}, token)).products.nodes.find(
      (x) => x.media.nodes.length > 0 && x.variants.nodes.length > 1,
    )!;
    const variant = p.variants.nodes[1]!.id;
    const mediaId = p.media.nodes[0]!.id;
    const appended = await sim.gql<{ productVariantAppendMedia: { userErrors: Err[] } }>(
      `mutation($p: ID!, $vm: [ProductVariantAppendMediaInput!]!) { productVariantAppendMedia(productId: $p, variantMedia: $vm) { userErrors { code message field } } }`,
      { p: p.id, vm: [{ variantId: variant, mediaIds: [mediaId] }] },
      token,
    );
    expect(dataOf(appended).productVariantAppendMedia.userErrors).toEqual([]);

    const started = dataOf(await run(`{ products(query: "id:${p.id.split("/").at(-1)}") { edges { node { id variants { edges { node { id media { edges { node { id } } } } } } } } } }`, token));
    const { op } = await finish(started.bulkOperationRunQuery.bulkOperation!.id, token);
    expect(op.status).toBe("COMPLETED");
    const lines = await jsonl(op.url!);
    expect(lines.find((l) => l.id === mediaId)).toEqual({ id: mediaId, __parentId: variant });
    expect(lines.filter((l) => l.__parentId === p.id).map((l) => l.id)).toEqual(p.variants.nodes.map((v) => v.id));
  });

  it("treats a single top-level object as the root of its connections", async () => {
    const token = await sim.accessToken("bulk-single.myshopify.com");
    type P = { products: { nodes: { id: string; variants: { nodes: { id: string }[] } }[] } };
    const p = dataOf(await sim.gql<P>(`{ products(first: 1) { nodes { id variants(first: 10) { nodes { id } } } } }`, {}, token)).products.nodes[0]!;
    const started = dataOf(await run(`{ product(id: "${p.id}") { id title variants { edges { node { id } } } } }`, token));
    const { op } = await finish(started.bulkOperationRunQuery.bulkOperation!.id, token);
    const lines = await jsonl(op.url!);
    expect(lines[0]).toMatchObject({ id: p.id });
    expect(lines[0]).not.toHaveProperty("__parentId");
    expect(lines.slice(1)).toEqual(p.variants.nodes.map((v) => ({ id: v.id, __parentId: p.id })));
    expect([op.rootObjectCount, op.objectCount]).toEqual(["1", String(lines.length)]);
  });

  it("answers invalid bulk queries with userErrors and starts nothing", async () => {
    const token = await sim.accessToken("bulk-invalid.myshopify.com");
    const invalid = async (query: string) => {
      const r = dataOf(await run(query, token));
      expect(r.bulkOperationRunQuery.bulkOperation).toBeNull();
      expect(r.bulkOperationRunQuery.userErrors).toEqual([expect.objectContaining({ field: ["query"], code: "INVALID" })]);
      return r.bulkOperationRunQuery.userErrors[0]!.message;
    };
    await invalid("{ products { edges { node { id }");
    expect(await invalid("{ products { edges { node { id nope } } } }")).toMatch(/nope/);
    await invalid(`mutation { productUpdate(product: {id: "gid://shopify/Product/1"}) { userErrors { message } } }`);
    expect(await invalid("{ shop { name } }")).toMatch(/connection/);
    expect(await invalid("query($q: String) { products(query: $q) { edges { node { id } } } }")).toMatch(/variables/);
    const six = "products { edges { node { id media { edges { node { id } } } variants { edges { node { id } } } } } }";
    expect(await invalid(`{ a: ${six} b: ${six} }`)).toMatch(/5 connections/);
    await invalid("");

    // None of those left an operation behind.
    const ok = dataOf(await run(`{ products { edges { node { id } } } }`, token));
    expect(ok.bulkOperationRunQuery.userErrors).toEqual([]);
    expect((await finish(ok.bulkOperationRunQuery.bulkOperation!.id, token)).op.status).toBe("COMPLETED");
  });

  it("keeps bulk operations per shop", async () => {
    const a = await sim.accessToken("bulk-a.myshopify.com");
    const b = await sim.accessToken("bulk-b.myshopify.com");
    const first = dataOf(await run(`{ products { edges { node { id } } } }`, a)).bulkOperationRunQuery.bulkOperation!;
    const other = dataOf(await run(`{ products { edges { node { id } } } }`, b));
    expect(other.bulkOperationRunQuery.userErrors).toEqual([]);
    expect(dataOf(await sim.gql<{ bulkOperation: Op | null }>(OP, { id: first.id }, b)).bulkOperation).toBeNull();
    await finish(first.id, a);
    await finish(other.bulkOperationRunQuery.bulkOperation!.id, b);
  });

  it("cancels a running operation (CANCELING, then CANCELED without results) and refuses to cancel a finished one", async () => {
    const token = await sim.accessToken("bulk-cancel.myshopify.com");
    const CANCEL = `mutation($id: ID!) { bulkOperationCancel(id: $id) { bulkOperation { id status } userErrors { field message } } }`;
    type Cancel = { bulkOperationCancel: { bulkOperation: { id: string; status: string } | null; userErrors: Err[] } };
    sim.runtime.config.bulkOperationMs = 400;
    try {
      const op = dataOf(await run(`{ products { edges { node { id } } } }`, token)).bulkOperationRunQuery.bulkOperation!;
      const cancelled = dataOf(await sim.gql<Cancel>(CANCEL, { id: op.id }, token)).bulkOperationCancel;
      expect(cancelled).toEqual({ bulkOperation: { id: op.id, status: "CANCELING" }, userErrors: [] });
      // Until it has stopped it still holds the shop's bulk query slot.
      expect(dataOf(await run(`{ products { edges { node { id } } } }`, token)).bulkOperationRunQuery.userErrors[0]!.code).toBe("OPERATION_IN_PROGRESS");
      const final = await until(async () => {
        const current = dataOf(await sim.gql<{ bulkOperation: Op }>(OP, { id: op.id }, token)).bulkOperation;
        return current.status === "CANCELING" ? undefined : current;
      }, "cancel");
      expect(final).toMatchObject({ status: "CANCELED", url: null });
      const again = dataOf(await sim.gql<Cancel>(CANCEL, { id: op.id }, token)).bulkOperationCancel;
      expect(again.userErrors[0]!.message).toMatch(/cannot be canceled when it is canceled/);
      const unknown = dataOf(await sim.gql<Cancel>(CANCEL, { id: "gid://shopify/BulkOperation/1" }, token)).bulkOperationCancel;
      expect(unknown).toEqual({ bulkOperation: null, userErrors: [{ field: ["id"], message: "Bulk operation does not exist" }] });
    } finally {
      sim.runtime.config.bulkOperationMs = 20;
    }
  });

  it("refuses the deprecated currentBulkOperation, like every deprecated field", async () => {
    // 2026-01 deprecates currentBulkOperation in favour of bulkOperations; the
    // simulated shop rejects deprecated fields, so clients must poll bulkOperation(id:).
    const r = await sim.gql(`{ currentBulkOperation { id status } }`);
    expect(r.body.data).toBeUndefined();
    expect(JSON.stringify(r.body.errors)).toMatch(/currentBulkOperation is deprecated/);
  });
});
