import { z } from "zod";
import { MAX_VARIATIONS, shootOptions } from "../../lib/presets";

/**
 * What the admin extensions may send. Shopify's product index selects at most 250
 * products at a time, so that is the cap here too, well under a shoot's maximum.
 */
export const MAX_EXTENSION_PRODUCTS = 250;
/** Longest product GID (20 digits) and a comma, times the cap: a longer query string is refused unread. */
const MAX_ID_LIST_CHARS = MAX_EXTENSION_PRODUCTS * 43;

const productGid = z
  .string()
  .max(42)
  .regex(/^gid:\/\/shopify\/Product\/\d{1,20}$/, "not a Shopify product id");

const productIdList = z
  .array(productGid)
  .min(1, "Choose at least one product")
  .max(MAX_EXTENSION_PRODUCTS, `Choose at most ${MAX_EXTENSION_PRODUCTS} products`)
  .transform((ids) => [...new Set(ids)]);

const variations = z.coerce.number().int().min(1).max(MAX_VARIATIONS);

const presetParams = ["modelPreset", "posePreset", "scenePreset", "generationType", "aspectRatio", "prompt"] as const;

/** `GET /api/extensions/shoot-quote?productIds=gid,gid&lookId=…` or `…&modelPreset=…&posePreset=…` */
export const quoteQuery = z.object({
  productIds: z
    .string()
    .max(MAX_ID_LIST_CHARS, `Choose at most ${MAX_EXTENSION_PRODUCTS} products`)
    .transform((s) => s.split(",").filter(Boolean))
    .pipe(productIdList),
  lookId: z.uuid("not a look id").optional(),
  options: shootOptions.optional(),
  variations: variations.optional(),
});

/** The quote's query string in quoteQuery's shape: presets are read only when one is given. */
export function quoteQueryFrom(params: URLSearchParams) {
  const given = presetParams.filter((k) => params.has(k));
  return quoteQuery.safeParse({
    productIds: params.get("productIds") ?? "",
    lookId: params.get("lookId") || undefined,
    variations: params.get("variations") || undefined,
    options: given.length ? Object.fromEntries(given.map((k) => [k, params.get(k)])) : undefined,
  });
}

/** `POST /api/extensions/shoots` */
export const createShootBody = z.object({
  clientKey: z.string().min(8).max(200),
  productIds: productIdList,
  lookId: z.uuid("not a look id").optional(),
  options: shootOptions.optional(),
  variations: variations.optional(),
});

/** `POST /api/extensions/imports` */
export const importBody = z.object({ productIds: productIdList });

/** `GET /api/extensions/product-outputs?productId=gid` */
export const productOutputsQuery = z.object({ productId: productGid });

/** Request bodies are small JSON documents: 250 ids and a few options. */
export const MAX_BODY_BYTES = 32 * 1024;

/** One message for a failed parse, as the app's pages show them. */
export function issuesMessage(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message)).join("; ");
}
