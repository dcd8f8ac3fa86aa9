import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { useSimulator } from "../support/simulator";
import { dataOf, until } from "./helpers";

const sim = await useSimulator({ products: 30 });

type Err = { field: string[] | null; message: string; code: string | null };
type MediaNode = { id: string; status: string; alt: string | null; image: { altText: string | null } | null };
type ProductView = { id: string; title: string; media: { nodes: MediaNode[] }; variants: { nodes: { id: string; media: { nodes: { id: string }[] } }[] } };

const PRODUCT_VIEW = `id title
  media(first: 50) { nodes { id status ... on MediaImage { alt image { altText } } } }
  variants(first: 20) { nodes { id media(first: 5) { nodes { id } } } }`;

async function product(id: string): Promise<ProductView> {
  return dataOf(await sim.gql<{ product: ProductView }>(`query($id: ID!) { product(id: $id) { ${PRODUCT_VIEW} } }`, { id })).product;
}

const mediaIds = (p: ProductView) => p.media.nodes.map((m) => m.id);

let catalog: { id: string; mediaCount: { count: number }; options: { name: string }[] }[] = [];
/**
 * A product with at least `n` photos, each handed to one test only. Two-colour products
 * come with photos on their variants; `plainVariants` asks for a product without.
 */
const withPhotos = (n: number, plainVariants = false) => {
  const index = catalog.findIndex((p) => p.mediaCount.count >= n && (!plainVariants || p.options.length === 1));
  if (index < 0) throw new Error(`no product with ${n} photos in the simulated catalog`);
  return product(catalog.splice(index, 1)[0]!.id);
};

/** A staged upload URL holding a blue PNG, or nothing at all when width is 0. */
async function stagedImage(width: number, height: number): Promise<string> {
  const r = dataOf(await sim.gql<{ stagedUploadsCreate: { stagedTargets: { url: string; resourceUrl: string }[] } }>(
    `mutation($input: [StagedUploadInput!]!) { stagedUploadsCreate(input: $input) { stagedTargets { url resourceUrl } userErrors { message } } }`,
    { input: [{ resource: "IMAGE", filename: "new.png", mimeType: "image/png", httpMethod: "PUT" }] },
  ));
  const target = r.stagedUploadsCreate.stagedTargets[0]!;
  if (width === 0) return target.resourceUrl;
  const bytes = await sharp({ create: { width, height, channels: 3, background: "#00f" } }).png().toBuffer();
  expect((await fetch(target.url, { method: "PUT", body: new Uint8Array(bytes) })).status).toBe(200);
  return target.resourceUrl;
}

async function waitReady(id: string): Promise<void> {
  await until(async () => {
    const r = dataOf(await sim.gql<{ node: { status: string } }>(`query($id: ID!) { node(id: $id) { ... on MediaImage { status } } }`, { id }));
    return r.node.status === "READY" ? true : undefined;
  }, `media ${id} READY`);
}

const PRODUCT_SET = `mutation($identifier: ProductSetIdentifiers, $input: ProductSetInput!) {
  productSet(identifier: $identifier, input: $input) { product { ${PRODUCT_VIEW} } userErrors { field message code } } }`;
type SetPayload = { productSet: { product: ProductView | null; userErrors: Err[] } };

const REORDER = `mutation($id: ID!, $moves: [MoveInput!]!) { productReorderMedia(id: $id, moves: $moves) { job { id done } mediaUserErrors { field message code } } }`;
type ReorderPayload = { productReorderMedia: { job: { id: string; done: boolean } | null; mediaUserErrors: Err[] } };

const APPEND = `mutation($productId: ID!, $variantMedia: [ProductVariantAppendMediaInput!]!) {
  productVariantAppendMedia(productId: $productId, variantMedia: $variantMedia) {
    product { id } productVariants { id media(first: 5) { nodes { id } } } userErrors { field message code } } }`;
type AppendPayload = { productVariantAppendMedia: { product: { id: string } | null; productVariants: { id: string; media: { nodes: { id: string }[] } }[] | null; userErrors: Err[] } };

const FILE_UPDATE = `mutation($files: [FileUpdateInput!]!) {
  fileUpdate(files: $files) { files { id ... on MediaImage { alt image { altText } } } userErrors { field message code } } }`;
type FileUpdatePayload = { fileUpdate: { files: { id: string; alt: string | null; image: { altText: string | null } | null }[] | null; userErrors: Err[] } };

beforeAll(async () => {
  const r = dataOf(await sim.gql<{ products: { nodes: typeof catalog } }>(`{ products(first: 30) { nodes { id mediaCount { count } options { name } } } }`));
  catalog = r.products.nodes;
});

describe("productSet files", () => {
  it("replaces the media list declaratively: keeps listed ids, adds new sources, drops the rest", async () => {
    const p = await withPhotos(2);
    const [first, second] = mediaIds(p);
    const source = await stagedImage(120, 90);
    const r = dataOf(
      await sim.gql<SetPayload>(PRODUCT_SET, {
        identifier: { id: p.id },
        input: { files: [{ id: second }, { originalSource: source, alt: "Blue", contentType: "IMAGE" }] },
      }),
    );
    expect(r.productSet.userErrors).toEqual([]);
    const after = r.productSet.product!;
    expect(after.media.nodes).toHaveLength(2);
    expect(after.media.nodes[0]!.id).toBe(second);
    const added = after.media.nodes[1]!;
    expect(added.id).not.toBe(first);
    expect(added.status).toBe("UPLOADED");
    expect(added.alt).toBe("Blue");
    await waitReady(added.id);
    expect(mediaIds(await product(p.id))).toEqual([second, added.id]);

    // The dropped photo is no longer the product's, but it is still a file of the shop.
    const dropped = dataOf(await sim.gql<{ node: { id: string } | null }>(`query($id: ID!) { node(id: $id) { id } }`, { id: first }));
    expect(dropped.node?.id).toBe(first);

    // An empty list removes every photo.
    const cleared = dataOf(await sim.gql<SetPayload>(PRODUCT_SET, { identifier: { id: p.id }, input: { files: [] } }));
    expect(cleared.productSet.product!.media.nodes).toEqual([]);
  });

  it("reorders by the order of the files listed", async () => {
    const p = await withPhotos(2);
    const ids = mediaIds(p);
    const r = dataOf(await sim.gql<SetPayload>(PRODUCT_SET, { identifier: { id: p.id }, input: { files: [...ids].reverse().map((id) => ({ id })) } }));
    expect(mediaIds(r.productSet.product!)).toEqual([...ids].reverse());
  });

  it("detaches dropped media from the product's variants too", async () => {
    const p = await withPhotos(2);
    const [keep, drop] = mediaIds(p);
    const variant = p.variants.nodes[0]!.id;
    const appended = dataOf(await sim.gql<AppendPayload>(APPEND, { productId: p.id, variantMedia: [{ variantId: variant, mediaIds: [drop] }] }));
    expect(appended.productVariantAppendMedia.userErrors).toEqual([]);
    dataOf(await sim.gql<SetPayload>(PRODUCT_SET, { identifier: { id: p.id }, input: { files: [{ id: keep }] } }));
    const after = await product(p.id);
    expect(mediaIds(after)).toEqual([keep]);
    expect(after.variants.nodes[0]!.media.nodes).toEqual([]);
  });

  it("answers unknown products and files with userErrors and changes nothing", async () => {
    const p = await withPhotos(1);
    const unknown = dataOf(await sim.gql<SetPayload>(PRODUCT_SET, { identifier: { id: "gid://shopify/Product/1" }, input: { files: [] } }));
    expect(unknown.productSet.product).toBeNull();
    expect(unknown.productSet.userErrors).toEqual([expect.objectContaining({ code: "PRODUCT_DOES_NOT_EXIST", field: ["identifier", "id"] })]);

    const badFile = dataOf(
      await sim.gql<SetPayload>(PRODUCT_SET, {
        identifier: { id: p.id },
        input: { title: "Should not stick", files: [{ id: "gid://shopify/MediaImage/1" }] },
      }),
    );
    expect(badFile.productSet.product).toBeNull();
    expect(badFile.productSet.userErrors).toEqual([expect.objectContaining({ field: ["input", "files", "0", "id"] })]);
    const badSource = dataOf(await sim.gql<SetPayload>(PRODUCT_SET, { identifier: { id: p.id }, input: { files: [{ originalSource: "not a url" }] } }));
    expect(badSource.productSet.userErrors).toEqual([expect.objectContaining({ field: ["input", "files", "0", "originalSource"] })]);

    const after = await product(p.id);
    expect(after.title).toBe(p.title);
    expect(mediaIds(after)).toEqual(mediaIds(p));
  });
});

describe("productReorderMedia", () => {
  it("moves media to new positions", async () => {
    const p = await withPhotos(3);
    const [a, b, c] = mediaIds(p);
    const r = dataOf(await sim.gql<ReorderPayload>(REORDER, { id: p.id, moves: [{ id: c, newPosition: "0" }] }));
    expect(r.productReorderMedia.mediaUserErrors).toEqual([]);
    expect(r.productReorderMedia.job).toMatchObject({ id: expect.stringMatching(/^gid:\/\/shopify\/Job\//) });
    expect(mediaIds(await product(p.id))).toEqual([c, a, b]);
    dataOf(await sim.gql<ReorderPayload>(REORDER, { id: p.id, moves: [{ id: c, newPosition: "2" }, { id: b, newPosition: "0" }] }));
    expect(mediaIds(await product(p.id))).toEqual([b, a, c]);
  });

  it("refuses unknown products and media that is not the product's", async () => {
    const p = await withPhotos(1);
    const other = await withPhotos(1);
    const noProduct = dataOf(await sim.gql<ReorderPayload>(REORDER, { id: "gid://shopify/Product/1", moves: [] }));
    expect(noProduct.productReorderMedia.mediaUserErrors.map((e) => e.code)).toEqual(["PRODUCT_DOES_NOT_EXIST"]);
    const foreign = dataOf(await sim.gql<ReorderPayload>(REORDER, { id: p.id, moves: [{ id: mediaIds(other)[0], newPosition: "0" }] }));
    expect(foreign.productReorderMedia.job).toBeNull();
    expect(foreign.productReorderMedia.mediaUserErrors).toEqual([expect.objectContaining({ field: ["moves", "0", "id"], code: "MEDIA_DOES_NOT_EXIST" })]);
    expect(mediaIds(await product(p.id))).toEqual(mediaIds(p));
  });
});

describe("productVariantAppendMedia", () => {
  it("attaches READY media of the product to a variant", async () => {
    const p = await withPhotos(2, true);
    const [, second] = mediaIds(p);
    const [v1, v2] = p.variants.nodes.map((v) => v.id);
    const r = dataOf(await sim.gql<AppendPayload>(APPEND, { productId: p.id, variantMedia: [{ variantId: v1, mediaIds: [second] }] }));
    expect(r.productVariantAppendMedia.userErrors).toEqual([]);
    expect(r.productVariantAppendMedia.product?.id).toBe(p.id);
    expect(r.productVariantAppendMedia.productVariants).toEqual([{ id: v1, media: { nodes: [{ id: second }] } }]);
    const after = await product(p.id);
    expect(after.variants.nodes.find((v) => v.id === v1)!.media.nodes).toEqual([{ id: second }]);
    expect(after.variants.nodes.find((v) => v.id === v2)!.media.nodes).toEqual([]);
  });

  it("refuses media that is not ready, not the product's, or not one per variant", async () => {
    const p = await withPhotos(1, true);
    const other = await withPhotos(1);
    const variant = p.variants.nodes[0]!.id;
    // One photo that will become READY shortly, one whose upload never happened and so never will.
    const sources = [await stagedImage(40, 40), await stagedImage(0, 0)];
    const [pending, broken] = dataOf(
      await sim.gql<{ productUpdate: { product: { media: { nodes: { id: string; status: string }[] } } } }>(
        `mutation($product: ProductUpdateInput, $media: [CreateMediaInput!]) { productUpdate(product: $product, media: $media) { product { media(first: 20) { nodes { id status } } } } }`,
        { product: { id: p.id }, media: sources.map((originalSource) => ({ mediaContentType: "IMAGE", originalSource })) },
      ),
    ).productUpdate.product.media.nodes.slice(-2) as [{ id: string; status: string }, { id: string; status: string }];
    expect([pending.status, broken.status]).toEqual(["UPLOADED", "UPLOADED"]);

    const codes = async (variantMedia: unknown, productId = p.id) => {
      const r = dataOf(await sim.gql<AppendPayload>(APPEND, { productId, variantMedia }));
      if (r.productVariantAppendMedia.userErrors.length) expect(r.productVariantAppendMedia.productVariants).toBeNull();
      return r.productVariantAppendMedia.userErrors.map((e) => e.code);
    };
    expect(await codes([{ variantId: variant, mediaIds: [pending.id] }])).toEqual(["NON_READY_MEDIA"]);
    expect(await codes([{ variantId: variant, mediaIds: [mediaIds(other)[0]] }])).toEqual(["MEDIA_DOES_NOT_EXIST_ON_PRODUCT"]);
    expect(await codes([{ variantId: variant, mediaIds: ["gid://shopify/MediaImage/1"] }])).toEqual(["MEDIA_DOES_NOT_EXIST_ON_PRODUCT"]);
    expect(await codes([{ variantId: other.variants.nodes[0]!.id, mediaIds: [mediaIds(p)[0]] }])).toEqual(["PRODUCT_VARIANT_DOES_NOT_EXIST_ON_PRODUCT"]);
    expect(await codes([{ variantId: variant, mediaIds: [mediaIds(p)[0], pending.id] }])).toEqual(["TOO_MANY_MEDIA_PER_INPUT_PAIR"]);
    expect(await codes([{ variantId: variant, mediaIds: [mediaIds(p)[0]] }], "gid://shopify/Product/1")).toEqual(["PRODUCT_DOES_NOT_EXIST"]);
    // One bad pair refuses the whole request.
    expect(await codes([{ variantId: variant, mediaIds: [mediaIds(p)[0]] }, { variantId: p.variants.nodes[1]!.id, mediaIds: [broken.id] }])).toEqual(["NON_READY_MEDIA"]);
    expect((await product(p.id)).variants.nodes.every((v) => v.media.nodes.length === 0)).toBe(true);

    await waitReady(pending.id);
    expect(await codes([{ variantId: variant, mediaIds: [pending.id] }])).toEqual([]);
    // FAILED media is never ready.
    const failed = await until(async () => {
      const r = dataOf(await sim.gql<{ node: { status: string } }>(`query($id: ID!) { node(id: $id) { ... on MediaImage { status } } }`, { id: broken.id }));
      return r.node.status === "FAILED" ? true : undefined;
    }, "broken media to fail");
    expect(failed).toBe(true);
    expect(await codes([{ variantId: variant, mediaIds: [broken.id] }])).toEqual(["NON_READY_MEDIA"]);
  });
});

describe("fileUpdate", () => {
  it("detaches media with referencesToRemove, reattaches with referencesToAdd, and updates alt text", async () => {
    const p = await withPhotos(2);
    const [first, second] = mediaIds(p);
    const removed = dataOf(await sim.gql<FileUpdatePayload>(FILE_UPDATE, { files: [{ id: first, referencesToRemove: [p.id] }] }));
    expect(removed.fileUpdate.userErrors).toEqual([]);
    expect(removed.fileUpdate.files!.map((f) => f.id)).toEqual([first]);
    expect(mediaIds(await product(p.id))).toEqual([second]);

    const alt = dataOf(await sim.gql<FileUpdatePayload>(FILE_UPDATE, { files: [{ id: second, alt: "Front, on a hanger" }] }));
    expect(alt.fileUpdate.files).toEqual([{ id: second, alt: "Front, on a hanger", image: { altText: "Front, on a hanger" } }]);
    expect((await product(p.id)).media.nodes[0]).toMatchObject({ alt: "Front, on a hanger", image: { altText: "Front, on a hanger" } });

    dataOf(await sim.gql<FileUpdatePayload>(FILE_UPDATE, { files: [{ id: first, referencesToAdd: [p.id] }] }));
    expect(mediaIds(await product(p.id))).toEqual([second, first]);
  });

  it("answers unknown files and references with userErrors and changes nothing", async () => {
    const p = await withPhotos(1);
    const [id] = mediaIds(p);
    const unknownFile = dataOf(await sim.gql<FileUpdatePayload>(FILE_UPDATE, { files: [{ id: "gid://shopify/MediaImage/1", alt: "x" }] }));
    expect(unknownFile.fileUpdate.files).toBeNull();
    expect(unknownFile.fileUpdate.userErrors).toEqual([expect.objectContaining({ field: ["files", "0", "id"], code: "FILE_DOES_NOT_EXIST" })]);
    const unknownRef = dataOf(await sim.gql<FileUpdatePayload>(FILE_UPDATE, { files: [{ id, alt: "changed", referencesToRemove: ["gid://shopify/Product/1"] }] }));
    expect(unknownRef.fileUpdate.userErrors.map((e) => e.code)).toEqual(["REFERENCE_TARGET_DOES_NOT_EXIST"]);
    const after = await product(p.id);
    expect(mediaIds(after)).toEqual(mediaIds(p));
    expect(after.media.nodes[0]!.alt).toBe(p.media.nodes[0]!.alt);
  });
});

describe("deprecated media mutations", () => {
  it.each([
    ["productDeleteMedia", `mutation { productDeleteMedia(productId: "gid://shopify/Product/1", mediaIds: ["gid://shopify/MediaImage/1"]) { deletedMediaIds } }`],
    ["productCreateMedia", `mutation { productCreateMedia(productId: "gid://shopify/Product/1", media: [{mediaContentType: IMAGE, originalSource: "https://example.com/a.png"}]) { media { id } } }`],
  ])("%s is refused by validation", async (name, query) => {
    const r = await sim.gql(query);
    expect(r.status).toBe(200);
    expect(r.body.data).toBeUndefined();
    const errors = r.body.errors as { message: string; extensions: { code: string } }[];
    expect(errors).toEqual([expect.objectContaining({ extensions: { code: "GRAPHQL_VALIDATION_FAILED" } })]);
    expect(errors[0]!.message).toContain(name);
    expect(errors[0]!.message).toMatch(/deprecated/);
  });
});
