import type { SimRuntime } from "./runtime";
import type { MediaRecord, ShopState } from "./state";

// Shopify's CDN addresses a shop's files by name, so a name belongs to one file of
// the shop at a time: a clashing upload gets a numbered suffix instead.

const FALLBACK = "image.jpg";

/** A name the CDN can serve as one path segment: no separators, spaces or control characters. */
export function sanitiseFilename(name: string): string {
  const clean = name
    .normalize("NFC")
    .replace(/[^\p{L}\p{N}._-]+/gu, "_")
    .replace(/_+(?=\.)|^[._]+|_+$/g, "");
  return /[\p{L}\p{N}]/u.test(clean) ? clean : FALLBACK;
}

/** The last path segment of a URL, which is what Shopify names a file fetched from it. */
export function filenameFromUrl(url: string): string {
  let segment = "";
  try {
    segment = new URL(url).pathname.split("/").at(-1) ?? "";
  } catch {
    return FALLBACK;
  }
  try {
    segment = decodeURIComponent(segment);
  } catch {
    // A malformed escape is kept as written; sanitising removes the stray `%`.
  }
  return sanitiseFilename(segment);
}

/** The name a file created from `originalSource` gets: a staged upload's own name, else the URL's. */
export function sourceFilename(sim: SimRuntime, originalSource: string): string {
  const prefix = `${sim.publicUrl()}/staged-uploads/`;
  if (originalSource.startsWith(prefix)) {
    const staged = sim.stagedUploads.get(originalSource.slice(prefix.length).split("/")[0]!);
    if (staged) return sanitiseFilename(staged.filename);
  }
  return filenameFromUrl(originalSource);
}

/** `wanted`, or the first of `name_1.ext`, `name_2.ext`… the shop does not use yet. */
export function uniqueFilename(shop: ShopState, wanted: string): string {
  if (!shop.filenames.has(wanted)) return wanted;
  const dot = wanted.lastIndexOf(".");
  const [stem, ext] = dot > 0 ? [wanted.slice(0, dot), wanted.slice(dot)] : [wanted, ""];
  for (let n = 1; ; n++) {
    const candidate = `${stem}_${n}${ext}`;
    if (!shop.filenames.has(candidate)) return candidate;
  }
}

/** Gives `media` a name of its own in the shop, based on `wanted`. */
export function claimFilename(shop: ShopState, media: MediaRecord, wanted: string): void {
  media.filename = uniqueFilename(shop, sanitiseFilename(wanted));
  shop.filenames.set(media.filename, media.id);
}

/** Removes a file from the shop, freeing its name. */
export function forgetMedia(shop: ShopState, media: MediaRecord): void {
  shop.media.delete(media.id);
  if (shop.filenames.get(media.filename) === media.id) shop.filenames.delete(media.filename);
}

/** The READY file the shop's CDN serves under `filename`, if any. */
export function readyMediaByFilename(shop: ShopState, filename: string): MediaRecord | null {
  const id = shop.filenames.get(filename);
  const media = id === undefined ? undefined : shop.media.get(id);
  return media && media.status === "READY" ? media : null;
}
