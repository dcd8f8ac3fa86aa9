// Deterministic apparel catalog for a simulated shop: the same seed and size always
// give the same products, media and variants.
import { mulberry32 } from "../../worker/providers/studio/random";

export const GARMENTS = ["tee", "hoodie", "dress", "jeans", "jacket"] as const;
export type Garment = (typeof GARMENTS)[number];
export const PATTERNS = ["solid", "stripes", "dots", "check"] as const;
export type Pattern = (typeof PATTERNS)[number];

export const COLOURS: Record<string, string> = {
  Black: "#1f1f1f",
  White: "#f4f4f0",
  Navy: "#1d2b4f",
  Olive: "#5b6b2f",
  Rust: "#a4461f",
  Sky: "#7fb3d5",
  Blush: "#e8b4b8",
  Sand: "#d8c3a0",
  Forest: "#24503a",
  Burgundy: "#6d1a2c",
};

const TYPES: Record<Garment, string> = { tee: "T-Shirt", hoodie: "Hoodie", dress: "Dress", jeans: "Jeans", jacket: "Jacket" };
const ADJECTIVES = ["Classic", "Relaxed", "Everyday", "Organic", "Vintage", "Cropped", "Oversized", "Tailored", "Essential", "Summer"];
const VENDORS = ["Atelier Basics", "North Loom", "Salt & Thread", "Maison Verde"];
const TAGS = ["summer", "winter", "new", "bestseller", "organic", "sale", "unisex", "limited"];
const SIZES = ["XS", "S", "M", "L", "XL"];

export interface ImageSpec {
  garment: Garment;
  colour: string;
  pattern: Pattern;
  view: "front" | "back" | "detail";
}

export interface GeneratedVariant {
  title: string;
  sku: string;
  price: string;
  selectedOptions: { name: string; value: string }[];
  /** Index in the product's images of the variant's own photo, or null for none. */
  image: number | null;
}

export interface GeneratedProduct {
  index: number;
  title: string;
  handle: string;
  status: "ACTIVE" | "DRAFT" | "ARCHIVED";
  productType: string;
  vendor: string;
  tags: string[];
  createdAt: Date;
  updatedAt: Date;
  /** The first colour is the one in the title; a second means Color × Size variants. */
  colours: string[];
  images: ImageSpec[];
  options: { name: string; values: string[] }[];
  variants: GeneratedVariant[];
}

/**
 * About one product in four comes in a second colour. The rule uses the index alone so
 * that it draws nothing from the random sequence: every other product stays as it was.
 */
function isTwoColour(index: number): boolean {
  return index % 4 === 2;
}

/** The colour after `colour` in COLOURS, wrapping around. */
function nextColour(colour: string): string {
  const names = Object.keys(COLOURS);
  return names[(names.indexOf(colour) + 1) % names.length]!;
}

function variantsOf(index: number, colours: string[], sizes: string[], price: string, images: ImageSpec[]): GeneratedVariant[] {
  if (colours.length === 1) {
    return sizes.map((size) => ({ title: size, sku: `AT-${index + 1}-${size}`, price, selectedOptions: [{ name: "Size", value: size }], image: null }));
  }
  return colours.flatMap((colour) => {
    const front = images.findIndex((img) => img.colour === colour && img.view === "front");
    return sizes.map((size) => ({
      title: `${colour} / ${size}`,
      sku: `AT-${index + 1}-${colour}-${size}`,
      price,
      selectedOptions: [
        { name: "Color", value: colour },
        { name: "Size", value: size },
      ],
      image: front >= 0 ? front : null,
    }));
  });
}

export function generateCatalog(seed: number, count: number): GeneratedProduct[] {
  const rand = mulberry32(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const colourNames = Object.keys(COLOURS);
  const epoch = Date.UTC(2026, 0, 1);
  const products: GeneratedProduct[] = [];
  for (let i = 0; i < count; i++) {
    const garment = GARMENTS[i % GARMENTS.length]!;
    const colour = pick(colourNames);
    const pattern = rand() < 0.6 ? "solid" : pick(PATTERNS);
    const title = `${pick(ADJECTIVES)} ${colour} ${pattern === "solid" ? "" : `${pattern[0]!.toUpperCase()}${pattern.slice(1)} `}${TYPES[garment]}`;
    const imageRoll = rand();
    // About one product in ten has no photo at all, a third have several.
    const imageCount = imageRoll < 0.1 ? 0 : imageRoll < 0.65 ? 1 : imageRoll < 0.9 ? 2 : 3;
    const views: ImageSpec["view"][] = ["front", "back", "detail"];
    const createdAt = new Date(epoch + Math.floor(rand() * 300) * 86_400_000 + i * 1000);
    const updatedAt = new Date(createdAt.getTime() + Math.floor(rand() * 20) * 86_400_000);
    const statusRoll = rand();
    const tagCount = Math.floor(rand() * 3);
    const tags = [...new Set(Array.from({ length: tagCount }, () => pick(TAGS)))].sort();
    const sizes = garment === "jeans" ? ["28", "30", "32", "34"] : SIZES.slice(0, 3 + Math.floor(rand() * 3));
    const price = (19 + Math.floor(rand() * 12) * 10 + 0.99).toFixed(2);
    const colours = isTwoColour(i) ? [colour, nextColour(colour)] : [colour];
    const images: ImageSpec[] = views.slice(0, imageCount).map((view) => ({ garment, colour, pattern, view }));
    if (images.length > 0 && colours.length > 1) images.push({ garment, colour: colours[1]!, pattern, view: "front" });
    products.push({
      index: i,
      title: title.replace(/\s+/g, " ").trim(),
      handle: `${title.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "")}-${i + 1}`,
      status: statusRoll < 0.8 ? "ACTIVE" : statusRoll < 0.93 ? "DRAFT" : "ARCHIVED",
      productType: TYPES[garment],
      vendor: pick(VENDORS),
      tags,
      createdAt,
      updatedAt,
      colours,
      images,
      options: colours.length > 1 ? [{ name: "Color", values: colours }, { name: "Size", values: sizes }] : [{ name: "Size", values: sizes }],
      variants: variantsOf(i, colours, sizes, price, images),
    });
  }
  return products;
}
