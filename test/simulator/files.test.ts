import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { useSimulator } from "../support/simulator";
import { dataOf, until } from "./helpers";

// The shop's files over the simulator's HTTP API: names carried in CDN URLs the way
// Shopify's CDN carries them, and fileDelete. Throttling is not under test here.

const sim = await useSimulator({ products: 12, bucketSize: 100_000, maxQueryCost: 100_000 });

type Err = { field: string[] | null; message: string; code: string | null };
type MediaNode = { id: string; status: string; alt: string | null; image: { url: string } | null };
type Variant = { id: string; title: string; media: { nodes: { id: string }[] } };
type Product = { id: string; handle: string; options: { name: string; values: string[] }[]; media: { nodes: MediaNode[] }; variants: { nodes: Variant[] } };

const PRODUCT = `id handle options { name values }
  media(first: 20) { nodes { id status ... on MediaImage { alt image { url } } } }
  variants(first: 20) { nodes { id title media(first: 5) { nodes { id } } } }`;

async function products(): Promise<Product[]> {
  return dataOf(await sim.gql<{ products: { nodes: Product[] } }>(`{ products(first: 12) { nodes { ${PRODUCT} } } }`)).products.nodes;
}

async function product(id: string): Promise<Product> {
  return dataOf(await sim.gql<{ product: Product }>(`query($id: ID!) { product(id: $id) { ${PRODUCT} } }`, { id })).product;
}

async function node(id: string): Promise<{ id: string } | null> {
  return dataOf(await sim.gql<{ node: { id: string } | null }>(`query($id: ID!) { node(id: $id) { id } }`, { id })).node;
}

const isTwoColour = (p: Product) => p.options.length === 2;
const cdn = (filename: string, version = 1) => `${sim.url}/cdn/shop/${sim.shop}/files/${filename}?v=${version}`;
const png = (background: string) => sharp({ create: { width: 48, height: 32, channels: 3, background } }).png().toBuffer();

async function waitReady(id: string): Promise<MediaNode> {
  return until(async () => {
    const m = dataOf(await sim.gql<{ node: MediaNode }>(`query($id: ID!) { node(id: $id) { id ... on MediaImage { status alt image { url } } } }`, { id })).node;
    if (m.status === "FAILED") throw new Error(`media ${id} failed`);
    return m.status === "READY" ? m : undefined;
  }, `media ${id} READY`);
}

/** Adds a photo to a product from `originalSource` and waits for it to be READY. */
async function attach(productId: string, originalSource: string, alt: string): Promise<MediaNode> {
  const r = dataOf(
    await sim.gql<{ productUpdate: { product: { media: { nodes: { id: string }[] } } | null; userErrors: Err[] } }>(
      `mutation($product: ProductUpdateInput, $media: [CreateMediaInput!]) {
        productUpdate(product: $product, media: $media) { product { media(first: 50) { nodes { id } } } userErrors { field message } } }`,
      { product: { id: productId }, media: [{ originalSource, mediaContentType: "IMAGE", alt }] },
    ),
  );
  expect(r.productUpdate.userErrors).toEqual([]);
  return waitReady(r.productUpdate.product!.media.nodes.at(-1)!.id);
}

/** A staged upload the way apps do it: stagedUploadsCreate, then a multipart POST of its parameters and the file. */
async function stagedUpload(filename: string, bytes: Buffer): Promise<string> {
  const r = dataOf(
    await sim.gql<{ stagedUploadsCreate: { stagedTargets: { url: string; resourceUrl: string; parameters: { name: string; value: string }[] }[]; userErrors: Err[] } }>(
      `mutation($input: [StagedUploadInput!]!) { stagedUploadsCreate(input: $input) { stagedTargets { url resourceUrl parameters { name value } } userErrors { field message } } }`,
      { input: [{ resource: "IMAGE", filename, mimeType: "image/png", httpMethod: "POST" }] },
    ),
  );
  expect(r.stagedUploadsCreate.userErrors).toEqual([]);
  const target = r.stagedUploadsCreate.stagedTargets[0]!;
  const form = new FormData();
  for (const p of target.parameters) form.append(p.name, p.value);
  form.append("file", new Blob([new Uint8Array(bytes)], { type: "image/png" }), filename);
  expect((await fetch(target.url, { method: "POST", body: form })).status).toBe(201);
  return target.resourceUrl;
}

async function served(url: string): Promise<{ status: number; type: string | null; bytes: Buffer }> {
  const r = await fetch(url);
  return { status: r.status, type: r.headers.get("content-type"), bytes: Buffer.from(await r.arrayBuffer()) };
}

const FILE_DELETE = `mutation($fileIds: [ID!]!) { fileDelete(fileIds: $fileIds) { deletedFileIds userErrors { field message code } } }`;
type FileDeletePayload = { fileDelete: { deletedFileIds: string[] | null; userErrors: Err[] } };

describe("file names", () => {
  it("names catalog photos after the product's handle and the view", async () => {
    const all = await products();
    const single = all.find((p) => !isTwoColour(p) && p.media.nodes.length >= 2)!;
    expect(single.media.nodes.slice(0, 2).map((m) => m.image!.url)).toEqual([cdn(`${single.handle}-front.jpg`), cdn(`${single.handle}-back.jpg`)]);
    // A two-colour product's second front photo clashes with its first, so it takes a suffix.
    const pair = all.find((p) => isTwoColour(p) && p.media.nodes.length > 0)!;
    expect(pair.media.nodes[0]!.image!.url).toBe(cdn(`${pair.handle}-front.jpg`));
    expect(pair.media.nodes.at(-1)!.image!.url).toBe(cdn(`${pair.handle}-front_1.jpg`));

    const file = await served(single.media.nodes[0]!.image!.url);
    expect([file.status, file.type]).toEqual([200, "image/jpeg"]);
    expect((await sharp(file.bytes).metadata()).width).toBe(800);
  });

  it("names a staged upload after the uploaded file, suffixes a name already taken, and serves the bytes under it", async () => {
    const [target] = await products();
    const first = await png("#c33");
    const second = await png("#3c3");
    const third = await png("#33c");
    const a = await attach(target!.id, await stagedUpload("look-book.png", first), "Look book");
    expect(a.image!.url).toBe(cdn("look-book.png"));
    expect(a.image!.url.endsWith("/look-book.png?v=1")).toBe(true);
    const b = await attach(target!.id, await stagedUpload("look-book.png", second), "Look book again");
    expect(b.image!.url).toBe(cdn("look-book_1.png"));
    const c = await attach(target!.id, await stagedUpload("look-book.png", third), "And again");
    expect(c.image!.url).toBe(cdn("look-book_2.png"));

    for (const [url, bytes] of [[a.image!.url, first], [b.image!.url, second], [c.image!.url, third]] as const) {
      const file = await served(url);
      expect([file.status, file.type]).toEqual([200, "image/png"]);
      expect(file.bytes.equals(bytes)).toBe(true);
    }
    // The name decides, not the query string; unknown names are not found.
    expect((await served(`${sim.url}/cdn/shop/${sim.shop}/files/look-book_1.png`)).bytes.equals(second)).toBe(true);
    expect((await served(cdn("look-book_3.png"))).status).toBe(404);
    expect((await served(`${sim.url}/cdn/shop/other-shop.myshopify.com/files/look-book.png`)).status).toBe(404);
  });

  it("makes an uploaded name safe for a URL", async () => {
    const [target] = await products();
    const m = await attach(target!.id, await stagedUpload("Summer look #1 (final).png", await png("#999")), "Summer");
    expect(m.image!.url).toBe(cdn("Summer_look_1_final.png"));
    expect((await served(m.image!.url)).status).toBe(200);
  });

  it("names a photo fetched from a URL after the URL's last path segment", async () => {
    const all = await products();
    const source = all.find((p) => !isTwoColour(p) && p.media.nodes.length > 0)!;
    const target = all.find((p) => p.id !== source.id)!;
    const url = source.media.nodes[0]!.image!.url;
    const copy = await attach(target.id, url, "Copied");
    expect(copy.image!.url).toBe(cdn(`${source.handle}-front_1.jpg`));
    expect((await served(copy.image!.url)).bytes.equals((await served(url)).bytes)).toBe(true);
  });
});

describe("fileDelete", () => {
  it("removes a photo from its product, from the variants showing it and from the shop", async () => {
    const p = (await products()).find((x) => isTwoColour(x) && x.media.nodes.length > 0)!;
    const [, second] = p.options[0]!.values;
    const photo = p.media.nodes.at(-1)!;
    const shown = p.variants.nodes.filter((v) => v.title.startsWith(`${second} /`));
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.every((v) => v.media.nodes[0]?.id === photo.id)).toBe(true);

    const r = dataOf(await sim.gql<FileDeletePayload>(FILE_DELETE, { fileIds: [photo.id] }));
    expect(r.fileDelete).toEqual({ deletedFileIds: [photo.id], userErrors: [] });

    const after = await product(p.id);
    expect(after.media.nodes.map((m) => m.id)).toEqual(p.media.nodes.slice(0, -1).map((m) => m.id));
    for (const v of after.variants.nodes) {
      const before = p.variants.nodes.find((x) => x.id === v.id)!;
      expect(v.media.nodes).toEqual(shown.includes(before) ? [] : before.media.nodes);
    }
    expect(await node(photo.id)).toBeNull();
    expect((await served(photo.image!.url)).status).toBe(404);
  });

  it("deletes several files at once, from every product using them", async () => {
    const withPhotos = (await products()).filter((x) => !isTwoColour(x) && x.media.nodes.length > 0);
    const [a, b] = withPhotos.slice(-2) as [Product, Product];
    const shared = a.media.nodes[0]!.id;
    const own = b.media.nodes[0]!.id;
    const linked = dataOf(
      await sim.gql<{ fileUpdate: { userErrors: Err[] } }>(`mutation($files: [FileUpdateInput!]!) { fileUpdate(files: $files) { userErrors { field message code } } }`, {
        files: [{ id: shared, referencesToAdd: [b.id] }],
      }),
    );
    expect(linked.fileUpdate.userErrors).toEqual([]);
    expect((await product(b.id)).media.nodes.map((m) => m.id)).toContain(shared);

    const r = dataOf(await sim.gql<FileDeletePayload>(FILE_DELETE, { fileIds: [shared, own] }));
    expect(r.fileDelete).toEqual({ deletedFileIds: [shared, own], userErrors: [] });
    for (const p of [a, b]) {
      const ids = (await product(p.id)).media.nodes.map((m) => m.id);
      expect(ids).not.toContain(shared);
      expect(ids).not.toContain(own);
    }
  });

  it("deletes nothing when any id is unknown or not a file, answering FILE_DOES_NOT_EXIST", async () => {
    const p = (await products()).find((x) => x.media.nodes.length > 0)!;
    const real = p.media.nodes[0]!.id;
    for (const bad of ["gid://shopify/MediaImage/1", p.id, "not a gid"]) {
      const r = dataOf(await sim.gql<FileDeletePayload>(FILE_DELETE, { fileIds: [real, bad] }));
      expect(r.fileDelete.deletedFileIds).toBeNull();
      expect(r.fileDelete.userErrors).toEqual([{ field: ["fileIds"], message: expect.stringContaining(bad), code: "FILE_DOES_NOT_EXIST" }]);
    }
    expect(await node(real)).toEqual({ id: real });
    expect(await product(p.id)).toEqual(p);
    expect((await served(p.media.nodes[0]!.image!.url)).status).toBe(200);
  });
});
