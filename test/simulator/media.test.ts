import { randomBytes, randomUUID } from "node:crypto";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { useSimulator } from "../support/simulator";
import { dataOf, until } from "./helpers";

const sim = await useSimulator({ products: 12 });

type Target = { url: string; resourceUrl: string; parameters: { name: string; value: string }[] };
type StagedPayload = { stagedUploadsCreate: { stagedTargets: Target[] | null; userErrors: { field: string[] | null; message: string }[] } };

const STAGE = `mutation($input: [StagedUploadInput!]!) {
  stagedUploadsCreate(input: $input) { stagedTargets { url resourceUrl parameters { name value } } userErrors { field message } } }`;

const MEDIA_FIELDS = `id status alt mimeType mediaErrors { code message } fileErrors { code message } fileStatus
  preview { status } image { url width height altText }`;

type Media = {
  id: string;
  status: string;
  alt: string | null;
  mimeType: string | null;
  mediaErrors: { code: string; message: string }[];
  fileErrors: { code: string; message: string }[];
  fileStatus: string;
  preview: { status: string };
  image: { url: string; width: number; height: number; altText: string | null } | null;
};

async function stage(input: { filename: string; mimeType: string; httpMethod?: "POST" | "PUT"; resource?: string }, token?: string) {
  return sim.gql<StagedPayload>(STAGE, { input: [{ resource: "IMAGE", ...input }] }, token);
}

async function stageOne(filename: string, mimeType: string, httpMethod: "POST" | "PUT"): Promise<Target> {
  const r = dataOf(await stage({ filename, mimeType, httpMethod }));
  expect(r.stagedUploadsCreate.userErrors).toEqual([]);
  return r.stagedUploadsCreate.stagedTargets![0]!;
}

async function postForm(target: Target, bytes: Buffer, type: string, filename: string, skip: string[] = []) {
  const form = new FormData();
  for (const p of target.parameters) if (!skip.includes(p.name)) form.append(p.name, p.value);
  if (!skip.includes("file")) form.append("file", new Blob([new Uint8Array(bytes)], { type }), filename);
  return fetch(target.url, { method: "POST", body: form });
}

async function putBytes(target: Target, bytes: Buffer, type: string) {
  return fetch(target.url, { method: "PUT", body: new Uint8Array(bytes), headers: { "Content-Type": type } });
}

async function someProduct(index = 0): Promise<{ id: string; media: string[] }> {
  const r = dataOf(await sim.gql<{ products: { nodes: { id: string; media: { nodes: { id: string }[] } }[] } }>(
    `{ products(first: 12) { nodes { id media(first: 10) { nodes { id } } } } }`,
  ));
  const p = r.products.nodes[index]!;
  return { id: p.id, media: p.media.nodes.map((m) => m.id) };
}

async function attach(productId: string, originalSource: string, alt?: string): Promise<Media> {
  const r = dataOf(
    await sim.gql<{ productUpdate: { product: { media: { nodes: Media[] } } | null; userErrors: unknown[] } }>(
      `mutation($product: ProductUpdateInput, $media: [CreateMediaInput!]) {
        productUpdate(product: $product, media: $media) { product { media(first: 20) { nodes { ... on MediaImage { ${MEDIA_FIELDS} } } } } userErrors { field message } } }`,
      { product: { id: productId }, media: [{ mediaContentType: "IMAGE", originalSource, alt }] },
    ),
  );
  expect(r.productUpdate.userErrors).toEqual([]);
  return r.productUpdate.product!.media.nodes.at(-1)!;
}

async function media(id: string): Promise<Media> {
  return dataOf(await sim.gql<{ node: Media }>(`query($id: ID!) { node(id: $id) { ... on MediaImage { ${MEDIA_FIELDS} } } }`, { id })).node;
}

/** Follows a media item until it settles, recording every status it was seen in. */
async function settle(id: string): Promise<{ seen: string[]; final: Media }> {
  const seen: string[] = [];
  const final = await until(async () => {
    const m = await media(id);
    if (seen.at(-1) !== m.status) seen.push(m.status);
    return m.status === "READY" || m.status === "FAILED" ? m : undefined;
  }, `media ${id} to settle`);
  return { seen, final };
}

const png = (width: number, height: number) => sharp({ create: { width, height, channels: 3, background: "#f00" } }).png().toBuffer();

describe("staged uploads", () => {
  it("issues POST and PUT targets served by the simulated shop", async () => {
    const post = await stageOne("red.png", "image/png", "POST");
    expect(post.url.startsWith(`${sim.url}/staged-uploads/`)).toBe(true);
    expect(post.resourceUrl.startsWith(post.url)).toBe(true);
    const names = post.parameters.map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(["Content-Type", "key", "policy"]));
    expect(post.parameters.find((p) => p.name === "Content-Type")!.value).toBe("image/png");

    const put = await stageOne("red.jpg", "image/jpeg", "PUT");
    expect(put.url.startsWith(`${sim.url}/staged-uploads/`)).toBe(true);
    expect(put.url).not.toBe(post.url);
    expect(put.parameters).toEqual([{ name: "content_type", value: "image/jpeg" }]);

    // The schema's default httpMethod is PUT.
    const byDefault = dataOf(await sim.gql<StagedPayload>(STAGE, { input: [{ resource: "IMAGE", filename: "d.png", mimeType: "image/png" }] }));
    expect(byDefault.stagedUploadsCreate.stagedTargets![0]!.parameters.map((p) => p.name)).toEqual(["content_type"]);
  });

  it("accepts a multipart POST (201) and raw PUT bytes (200), and refuses the rest", async () => {
    const bytes = await png(32, 16);
    const post = await stageOne("a.png", "image/png", "POST");
    const created = await postForm(post, bytes, "image/png", "a.png");
    expect(created.status).toBe(201);
    const key = post.parameters.find((p) => p.name === "key")!.value;
    expect(await created.text()).toContain(`<Key>${key}</Key>`);

    const put = await stageOne("b.png", "image/png", "PUT");
    expect((await putBytes(put, bytes, "image/png")).status).toBe(200);

    // The method the target was issued for, and only that one.
    expect((await putBytes(post, bytes, "image/png")).status).toBe(405);
    expect((await fetch(post.url)).status).toBe(405);
    expect((await postForm(put, bytes, "image/png", "b.png")).status).toBe(405);

    expect((await fetch(`${sim.url}/staged-uploads/${randomUUID()}`, { method: "PUT", body: "x" })).status).toBe(404);

    const withoutFile = await stageOne("c.png", "image/png", "POST");
    expect((await postForm(withoutFile, bytes, "image/png", "c.png", ["file"])).status).toBe(400);
    expect((await postForm(withoutFile, bytes, "image/png", "c.png", ["key"])).status).toBe(403);
  });

  it("answers unsupported uploads with userErrors", async () => {
    const pdf = dataOf(await stage({ filename: "doc.pdf", mimeType: "application/pdf", httpMethod: "POST" }));
    expect(pdf.stagedUploadsCreate.stagedTargets ?? []).toEqual([]);
    expect(pdf.stagedUploadsCreate.userErrors).toEqual([expect.objectContaining({ field: ["input", "0", "mimeType"] })]);
    const video = dataOf(await stage({ filename: "v.mp4", mimeType: "video/mp4", resource: "VIDEO" }));
    expect(video.stagedUploadsCreate.userErrors).toHaveLength(1);
    const huge = dataOf(await sim.gql<StagedPayload>(STAGE, { input: [{ resource: "IMAGE", filename: "huge.png", mimeType: "image/png", fileSize: String(21 * 1024 * 1024) }] }));
    expect(huge.stagedUploadsCreate.userErrors).toEqual([expect.objectContaining({ field: ["input", "0", "fileSize"] })]);
    const bad = await sim.gql(STAGE, { input: [{ resource: "NOPE", filename: "x.png", mimeType: "image/png" }] });
    expect(bad.body.errors).toBeDefined();
  });
});

describe("media processing", () => {
  it("takes an uploaded PNG through UPLOADED, PROCESSING and READY and serves its pixels", async () => {
    const bytes = await png(640, 480);
    const target = await stageOne("red.png", "image/png", "POST");
    expect((await postForm(target, bytes, "image/png", "red.png")).status).toBe(201);
    const product = await someProduct(0);

    const created = await attach(product.id, target.resourceUrl, "Red square");
    expect(created.status).toBe("UPLOADED");
    expect(created.image).toBeNull();
    expect(created.alt).toBe("Red square");

    const { seen, final } = await settle(created.id);
    expect([created.status, ...seen].filter((s, i, all) => s !== all[i - 1])).toEqual(["UPLOADED", "PROCESSING", "READY"]);
    expect(final.mediaErrors).toEqual([]);
    expect(final.fileStatus).toBe("READY");
    expect(final.preview.status).toBe("READY");
    expect(final.mimeType).toBe("image/png");
    expect(final.image).toMatchObject({ width: 640, height: 480, altText: "Red square" });

    const served = await fetch(final.image!.url);
    expect(served.status).toBe(200);
    expect(served.headers.get("content-type")).toBe("image/png");
    const body = Buffer.from(await served.arrayBuffer());
    const meta = await sharp(body).metadata();
    expect([meta.width, meta.height]).toEqual([640, 480]);
    const [a, b] = await Promise.all([sharp(body).raw().toBuffer(), sharp(bytes).raw().toBuffer()]);
    expect(a.equals(b)).toBe(true);

    const after = await someProduct(0);
    expect(after.media).toEqual([...product.media, created.id]);
  });

  it("processes a JPEG uploaded with PUT", async () => {
    const bytes = await sharp({ create: { width: 300, height: 200, channels: 3, background: "#0a0" } }).jpeg().toBuffer();
    const target = await stageOne("green.jpg", "image/jpeg", "PUT");
    expect((await putBytes(target, bytes, "image/jpeg")).status).toBe(200);
    const { final } = await settle((await attach((await someProduct(1)).id, target.resourceUrl)).id);
    expect(final.status).toBe("READY");
    expect(final.mimeType).toBe("image/jpeg");
    expect(final.image).toMatchObject({ width: 300, height: 200 });
    const served = await fetch(final.image!.url);
    expect(served.headers.get("content-type")).toBe("image/jpeg");
    const meta = await sharp(Buffer.from(await served.arrayBuffer())).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(["jpeg", 300, 200]);
  });

  it("fails corrupt bytes with IMAGE_PROCESSING_FAILURE and serves nothing for them", async () => {
    const target = await stageOne("broken.png", "image/png", "PUT");
    expect((await putBytes(target, randomBytes(4096), "image/png")).status).toBe(200);
    const created = await attach((await someProduct(2)).id, target.resourceUrl);
    const { seen, final } = await settle(created.id);
    expect(seen).toContain("PROCESSING");
    expect(final.status).toBe("FAILED");
    expect(final.fileStatus).toBe("FAILED");
    expect(final.preview.status).toBe("FAILED");
    expect(final.image).toBeNull();
    expect(final.mediaErrors).toEqual([expect.objectContaining({ code: "IMAGE_PROCESSING_FAILURE" })]);
    expect(final.fileErrors).toEqual([expect.objectContaining({ code: "IMAGE_PROCESSING_FAILURE" })]);
    // The file keeps its name in the shop, but the CDN serves only READY files.
    expect((await fetch(`${sim.url}/cdn/shop/${sim.shop}/files/broken.png`)).status).toBe(404);
  });

  it("fails a staged target that was never uploaded, or belongs to another shop, with IMAGE_DOWNLOAD_FAILURE", async () => {
    const empty = await stageOne("never.png", "image/png", "PUT");
    const product = await someProduct(3);
    const { final } = await settle((await attach(product.id, empty.resourceUrl)).id);
    expect(final.status).toBe("FAILED");
    expect(final.mediaErrors.map((e) => e.code)).toEqual(["IMAGE_DOWNLOAD_FAILURE"]);

    const other = await sim.accessToken("other-shop.myshopify.com");
    const foreign = dataOf(await stage({ filename: "x.png", mimeType: "image/png", httpMethod: "PUT" }, other)).stagedUploadsCreate.stagedTargets![0]!;
    expect((await putBytes(foreign, await png(8, 8), "image/png")).status).toBe(200);
    const stolen = await settle((await attach(product.id, foreign.resourceUrl)).id);
    expect(stolen.final.status).toBe("FAILED");
  });

  it("rejects bad productUpdate media input with userErrors and leaves the product alone", async () => {
    const product = await someProduct(4);
    type P = { productUpdate: { product: unknown; userErrors: { field: string[]; message: string }[] } };
    const q = `mutation($product: ProductUpdateInput, $media: [CreateMediaInput!]) {
      productUpdate(product: $product, media: $media) { product { id } userErrors { field message } } }`;
    const unknown = dataOf(await sim.gql<P>(q, { product: { id: "gid://shopify/Product/1" }, media: [] }));
    expect(unknown.productUpdate.product).toBeNull();
    expect(unknown.productUpdate.userErrors).toHaveLength(1);
    const badUrl = dataOf(await sim.gql<P>(q, { product: { id: product.id, title: "Changed" }, media: [{ mediaContentType: "IMAGE", originalSource: "ftp://nope" }] }));
    expect(badUrl.productUpdate.userErrors[0]!.field).toEqual(["media", "0", "originalSource"]);
    const video = dataOf(await sim.gql<P>(q, { product: { id: product.id }, media: [{ mediaContentType: "VIDEO", originalSource: "https://example.com/v.mp4" }] }));
    expect(video.productUpdate.userErrors[0]!.field).toEqual(["media", "0", "mediaContentType"]);
    const after = dataOf(await sim.gql<{ product: { title: string; media: { nodes: { id: string }[] } } }>(
      `query($id: ID!) { product(id: $id) { title media(first: 20) { nodes { id } } } }`,
      { id: product.id },
    ));
    expect(after.product.title).not.toBe("Changed");
    expect(after.product.media.nodes.map((m) => m.id)).toEqual(product.media);
  });
});
