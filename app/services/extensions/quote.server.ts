import { ASPECT_RATIOS, GENERATION_TYPES, MAX_VARIATIONS, MODEL_PRESETS, POSE_PRESETS, SCENE_PRESETS, shootPrice, type ShootOptions } from "../../lib/presets";
import { getBalance } from "../credits/queries.server";
import type { Db } from "../prisma.server";
import { listLooks } from "../shoots/looks.server";
import { resolveSelection, type Selection } from "./selection.server";

export interface StoredPhoto {
  bucket: string;
  path: string;
}

/** Each product's latest active photo in Atelier: the one createShoot would shoot. */
export async function latestPhotos(db: Db, shopId: string, productIds: string[]): Promise<Map<string, StoredPhoto>> {
  const assets = await db.asset.findMany({
    where: { shopId, productId: { in: productIds }, kind: "upload", status: "active" },
    orderBy: { createdAt: "desc" },
    select: { productId: true, bucket: true, path: true },
  });
  const photos = new Map<string, StoredPhoto>();
  for (const a of assets) if (a.productId && !photos.has(a.productId)) photos.set(a.productId, { bucket: a.bucket, path: a.path });
  return photos;
}

/** The choices the extension offers, labelled as in the app; ids are the presets' ids. */
export function presetCatalog() {
  return {
    models: MODEL_PRESETS.map((m) => ({ id: m.id, label: m.id === "dress_form" ? m.label : `${m.label} · ${m.bodyType}, ${m.age}` })),
    poses: POSE_PRESETS.map((p) => ({ id: p.id, label: p.label })),
    scenes: SCENE_PRESETS.map((s) => ({ id: s.id, label: s.label })),
    generationTypes: GENERATION_TYPES.map((g) => ({ id: g.id, label: g.label, credits: g.credits })),
    aspectRatios: [...ASPECT_RATIOS],
    maxVariations: MAX_VARIATIONS,
  };
}

export interface ShootQuote {
  products: { id: string; photo: StoredPhoto | null }[];
  missingProductIds: string[];
  looks: { id: string; name: string; options: ShootOptions }[];
  selection: Selection;
  price: ReturnType<typeof shootPrice>;
  balance: number;
  balanceAfter: number;
  affordable: boolean;
}

/**
 * What a shoot of these products would cost this shop and whether it can start: the
 * same price createShoot reserves (products × variations × credits per image). Ids
 * that are not this shop's products have no photo here, so they show as missing.
 */
export async function shootQuote(
  db: Db,
  shopId: string,
  p: { productIds: string[]; lookId?: string; options?: ShootOptions; variations?: number },
): Promise<ShootQuote> {
  const [looks, photos, balance] = await Promise.all([listLooks(db, shopId), latestPhotos(db, shopId, p.productIds), getBalance(db, shopId)]);
  const selection = resolveSelection(looks, p);
  const price = shootPrice({ products: p.productIds.length, variations: selection.options.variations, generationType: selection.options.generationType });
  return {
    products: p.productIds.map((id) => ({ id, photo: photos.get(id) ?? null })),
    missingProductIds: p.productIds.filter((id) => !photos.has(id)),
    looks,
    selection,
    price,
    balance,
    balanceAfter: balance - price.total,
    affordable: balance >= price.total,
  };
}
