import { z } from "zod";

// Credit packs: the one list the credits page, both billing providers and the
// fulfilment read. Overridden with CREDIT_PACKS (JSON); a bad list stops the app at
// boot rather than at a merchant's checkout.

export const creditPack = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, "pack ids are lowercase letters, digits, - and _"),
  name: z.string().trim().min(1).max(60),
  credits: z.number().int().min(1).max(1_000_000),
  /** Decimal string in the currency's major unit, e.g. "19.00". */
  price: z
    .string()
    .regex(/^\d{1,7}(\.\d{1,2})?$/, "prices are decimal strings like 19.00")
    .refine((p) => Number(p) >= 0.5, "Shopify and Stripe refuse charges under 0.50"),
  currency: z.string().regex(/^[A-Z]{3}$/, "ISO 4217 currency like USD"),
});
export type CreditPack = z.infer<typeof creditPack>;

export const creditPacks = z
  .array(creditPack)
  .min(1, "configure at least one pack")
  .max(12)
  .superRefine((packs, ctx) => {
    const seen = new Set<string>();
    for (const [i, p] of packs.entries()) {
      if (seen.has(p.id)) ctx.addIssue({ code: "custom", path: [i, "id"], message: `duplicate pack id ${p.id}` });
      seen.add(p.id);
    }
  });

export const DEFAULT_CREDIT_PACKS: CreditPack[] = [
  { id: "starter", name: "Starter", credits: 50, price: "19.00", currency: "USD" },
  { id: "studio", name: "Studio", credits: 200, price: "59.00", currency: "USD" },
  { id: "catalog", name: "Catalog", credits: 1000, price: "249.00", currency: "USD" },
];

/** Minor units (cents) for Stripe; two-decimal currencies only, which the schema allows. */
export function priceInMinorUnits(pack: CreditPack): number {
  const [whole, fraction = ""] = pack.price.split(".");
  return Number(whole) * 100 + Number(fraction.padEnd(2, "0"));
}

export function findPack(packs: readonly CreditPack[], id: unknown): CreditPack | null {
  return typeof id === "string" ? (packs.find((p) => p.id === id) ?? null) : null;
}
