import { beforeAll, describe, expect, it } from "vitest";
import type { ImageSpec } from "../../dev/shopify/catalog";
import { renderGarment } from "../../dev/shopify/images";
import { useSimulator } from "../support/simulator";
import { dataOf } from "./helpers";

// Colour variants in the generated catalog, read over the simulator's HTTP API.

const sim = await useSimulator({ products: 40, bucketSize: 100_000, maxQueryCost: 100_000 });

type OptionValue = { id: string; name: string; hasVariants: boolean };
type Option = { id: string; name: string; position: number; values: string[]; optionValues: OptionValue[] };
type Variant = { id: string; title: string; sku: string; selectedOptions: { name: string; value: string; optionValue: { id: string; name: string } }[]; media: { nodes: { id: string }[] } };
type Product = {
  id: string;
  title: string;
  handle: string;
  options: Option[];
  media: { nodes: { id: string; alt: string | null; image: { url: string } | null }[] };
  variants: { nodes: Variant[] };
};

const QUERY = `{ products(first: 40) { nodes {
  id title handle
  options { id name position values optionValues { id name hasVariants } }
  media(first: 10) { nodes { id ... on MediaImage { alt image { url } } } }
  variants(first: 20) { nodes { id title sku selectedOptions { name value optionValue { id name } } media(first: 2) { nodes { id } } } }
} } }`;

let catalog: Product[] = [];
beforeAll(async () => {
  catalog = dataOf(await sim.gql<{ products: { nodes: Product[] } }>(QUERY)).products.nodes;
});

const twoColour = (p: Product) => p.options.some((o) => o.name === "Color");

async function bytesAt(url: string): Promise<Buffer> {
  return Buffer.from(await (await fetch(url)).arrayBuffer());
}

describe("colour variants", () => {
  it("gives one product in four a second colour: the next one in the palette", () => {
    const pairs = catalog.map((p, i) => [i, twoColour(p)] as const);
    expect(pairs.filter(([, two]) => two).map(([i]) => i)).toEqual([2, 6, 10, 14, 18, 22, 26, 30, 34, 38]);
    const dress = catalog[2]!;
    expect(dress.title).toBe("Summer Blush Dress");
    expect(dress.options.map((o) => [o.name, o.position, o.values])).toEqual([
      ["Color", 1, ["Blush", "Sand"]],
      ["Size", 2, ["XS", "S", "M", "L"]],
    ]);
    // The palette wraps around after its last colour.
    expect(catalog[10]!.title).toBe("Vintage Burgundy Dots T-Shirt");
    expect(catalog[10]!.options[0]!.values).toEqual(["Burgundy", "Black"]);
  });

  it("has a variant for every colour and size, titled and optioned like Shopify's", () => {
    for (const p of catalog.filter(twoColour)) {
      const [colour, size] = p.options as [Option, Option];
      const expected = colour.values.flatMap((c) => size.values.map((s) => [c, s]));
      expect(p.variants.nodes.map((v) => v.title)).toEqual(expected.map(([c, s]) => `${c} / ${s}`));
      for (const [i, v] of p.variants.nodes.entries()) {
        const [c, s] = expected[i]!;
        expect(v.selectedOptions.map(({ name, value }) => ({ name, value }))).toEqual([
          { name: "Color", value: c },
          { name: "Size", value: s },
        ]);
        expect(v.selectedOptions[0]!.optionValue).toEqual({ id: colour.optionValues.find((o) => o.name === c)!.id, name: c });
        expect(v.sku).toBe(`AT-${catalog.indexOf(p) + 1}-${c}-${s}`);
      }
      for (const o of p.options) {
        expect(o.id).toMatch(/^gid:\/\/shopify\/ProductOption\/\d+$/);
        expect(o.optionValues.map((v) => v.name)).toEqual(o.values);
        for (const v of o.optionValues) expect(v).toEqual({ id: expect.stringMatching(/^gid:\/\/shopify\/ProductOptionValue\/\d+$/), name: v.name, hasVariants: true });
      }
    }
    const skus = catalog.flatMap((p) => p.variants.nodes.map((v) => v.sku));
    expect(new Set(skus).size).toBe(skus.length);
  });

  it("shows each variant the front photo of its own colour", async () => {
    const withPhotos = catalog.filter((p) => twoColour(p) && p.media.nodes.length > 0);
    expect(withPhotos.length).toBeGreaterThan(0);
    for (const p of withPhotos) {
      const [first, second] = p.options[0]!.values as [string, string];
      const firstFront = p.media.nodes[0]!;
      const secondFront = p.media.nodes.at(-1)!;
      expect(firstFront.alt).toBe(`${p.title} (front)`);
      expect(secondFront.alt).toBe(`${p.title}, ${second} (front)`);
      for (const v of p.variants.nodes) {
        const own = v.selectedOptions[0]!.value === first ? firstFront : secondFront;
        expect(v.media.nodes).toEqual([{ id: own.id }]);
      }
    }
    // Each front photo is the same garment and pattern, drawn in the variant's colour.
    const shots: [number, ImageSpec, ImageSpec][] = [
      [2, { garment: "dress", colour: "Blush", pattern: "solid", view: "front" }, { garment: "dress", colour: "Sand", pattern: "solid", view: "front" }],
      [6, { garment: "hoodie", colour: "Rust", pattern: "stripes", view: "front" }, { garment: "hoodie", colour: "Sky", pattern: "stripes", view: "front" }],
    ];
    for (const [index, first, second] of shots) {
      const p = catalog[index]!;
      expect((await bytesAt(p.media.nodes[0]!.image!.url)).equals(await renderGarment(first))).toBe(true);
      expect((await bytesAt(p.media.nodes.at(-1)!.image!.url)).equals(await renderGarment(second))).toBe(true);
    }

    // Without photos there is nothing to show.
    const bare = catalog[10]!;
    expect(bare.media.nodes).toEqual([]);
    expect(bare.variants.nodes.every((v) => v.media.nodes.length === 0)).toBe(true);
  });

  it("keeps single-colour products as they were: titles, photos, sizes", () => {
    // Computed from the catalog generator before colour variants existed.
    const before: [number, string, number, string[]][] = [
      [0, "Essential Sand T-Shirt", 1, ["XS", "S", "M", "L"]],
      [1, "Tailored Forest Check Hoodie", 1, ["XS", "S", "M"]],
      [7, "Summer Sky Dress", 3, ["XS", "S", "M", "L", "XL"]],
      [24, "Summer Sand Stripes Jacket", 0, ["XS", "S", "M"]],
      [29, "Essential Olive Jacket", 3, ["XS", "S", "M", "L", "XL"]],
    ];
    for (const [index, title, photos, sizes] of before) {
      const p = catalog[index]!;
      expect([p.title, p.media.nodes.length, p.variants.nodes.map((v) => v.title)]).toEqual([title, photos, sizes]);
      expect(p.options.map((o) => [o.name, o.values])).toEqual([["Size", sizes]]);
      for (const v of p.variants.nodes) {
        expect(v.selectedOptions.map(({ name, value }) => ({ name, value }))).toEqual([{ name: "Size", value: v.title }]);
        expect(v.sku).toBe(`AT-${index + 1}-${v.title}`);
        expect(v.media.nodes).toEqual([]);
      }
    }
  });

  it("does not make up option fields it does not model", async () => {
    const r = await sim.gql(`query($id: ID!) { product(id: $id) { options { name linkedMetafield { key } } } }`, { id: catalog[2]!.id });
    const errors = r.body.errors as { message: string; extensions: { code: string } }[];
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) expect(e).toMatchObject({ message: "ProductOption.linkedMetafield is not implemented by the simulated shop", extensions: { code: "NOT_IMPLEMENTED_IN_SIMULATOR" } });
  });
});
