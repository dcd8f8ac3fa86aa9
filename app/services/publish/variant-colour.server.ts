import type { ProductVariantMedia } from "./shopify-media.server";

const COLOUR_OPTION = /^(colou?r|farbe|couleur)$/i;

function colourOf(variant: ProductVariantMedia): string | null {
  return variant.selectedOptions.find((o) => COLOUR_OPTION.test(o.name.trim()))?.value ?? null;
}

/**
 * The colour a generated photo shows, read from the product photo it was made from:
 * the colour of the variants that photo illustrates, else the product's only colour,
 * else a colour named in the photo's alt text. Null when the product has no colour
 * option or the photo's colour cannot be told; then no variant is touched.
 */
export function photoColour(variants: ProductVariantMedia[], sourceMediaId: string | null, sourceAlt?: string | null): string | null {
  const colours = [...new Set(variants.map(colourOf).filter((c): c is string => Boolean(c)))];
  if (colours.length === 0) return null;
  if (sourceMediaId) {
    const shown = new Set(variants.filter((v) => v.media.nodes.some((m) => m.id === sourceMediaId)).map(colourOf).filter(Boolean));
    if (shown.size === 1) return [...shown][0]!;
  }
  if (colours.length === 1) return colours[0]!;
  const alt = (sourceAlt ?? "").toLowerCase();
  const named = colours.filter((c) => new RegExp(`\\b${c.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\b`).test(alt));
  return named.length === 1 ? named[0]! : null;
}

export function variantsOfColour(variants: ProductVariantMedia[], colour: string): ProductVariantMedia[] {
  const wanted = colour.toLowerCase();
  return variants.filter((v) => colourOf(v)?.toLowerCase() === wanted);
}
