import { z } from "zod";
import type { CreditPack } from "../../lib/credit-packs";
import type { PrismaClient } from "@prisma/client";
import type { Db } from "../prisma.server";
import type { AdminGraphQL } from "../shopify/admin-graphql.server";
import { creditPurchase } from "./fulfil.server";

// Shopify Billing for credit packs: a one-time app purchase the merchant approves on
// Shopify's page. Credits follow only from the status read back from the Admin API,
// never from a return URL or a webhook body alone.

export class BillingError extends Error {
  readonly code = "billing_refused";
}

export const APP_PURCHASE_CREATE = `#graphql
  mutation AtelierBuyCredits($name: String!, $price: MoneyInput!, $returnUrl: URL!, $test: Boolean) {
    appPurchaseOneTimeCreate(name: $name, price: $price, returnUrl: $returnUrl, test: $test) {
      appPurchaseOneTime { id status }
      confirmationUrl
      userErrors { field message }
    }
  }`;

const created = z.object({
  appPurchaseOneTimeCreate: z.object({
    appPurchaseOneTime: z.object({ id: z.string(), status: z.string() }).nullish(),
    confirmationUrl: z.string().url().nullish(),
    userErrors: z.array(z.object({ field: z.array(z.string()).nullish(), message: z.string() })),
  }),
});

export const APP_PURCHASE_STATUS = `#graphql
  query AtelierCreditPurchase($id: ID!) {
    node(id: $id) { ... on AppPurchaseOneTime { id status test } }
  }`;

const purchaseStatus = z.object({
  node: z.object({ id: z.string(), status: z.enum(["ACTIVE", "DECLINED", "EXPIRED", "PENDING"]), test: z.boolean() }).partial().nullable(),
});

export const purchaseGid = z.string().regex(/^gid:\/\/shopify\/AppPurchaseOneTime\/\d{1,20}$/);

/** Starts a purchase; the merchant is sent to the confirmation URL in the top frame. */
export async function startShopifyPurchase(
  db: Db,
  admin: AdminGraphQL,
  shopId: string,
  pack: CreditPack,
  p: { returnUrl: string; test: boolean },
): Promise<{ purchaseId: string; confirmationUrl: string }> {
  const data = created.parse(
    await admin.request(APP_PURCHASE_CREATE, {
      name: `Atelier ${pack.name}: ${pack.credits} credits`,
      price: { amount: pack.price, currencyCode: pack.currency },
      returnUrl: p.returnUrl,
      test: p.test,
    }),
  ).appPurchaseOneTimeCreate;
  if (data.userErrors.length || !data.appPurchaseOneTime || !data.confirmationUrl) {
    throw new BillingError(`Shopify refused the purchase: ${data.userErrors.map((e) => e.message).join("; ") || "no confirmation URL"}`);
  }
  const row = await db.appPurchase.create({
    data: {
      shopId,
      provider: "shopify",
      shopifyPurchaseId: data.appPurchaseOneTime.id,
      packId: pack.id,
      credits: pack.credits,
      priceAmount: pack.price,
      currency: pack.currency,
      status: "PENDING",
      test: p.test,
      confirmationUrl: data.confirmationUrl,
    },
  });
  return { purchaseId: row.id, confirmationUrl: data.confirmationUrl };
}

export type SyncOutcome = { status: string; credited: boolean; purchaseId: string; credits: number } | null;

/**
 * Reads the purchase's status from Shopify and records it; ACTIVE credits the pack,
 * once. Null for a purchase this shop never started (another shop's id, a forged one).
 */
export async function syncShopifyPurchase(db: PrismaClient, admin: AdminGraphQL, shopId: string, id: string): Promise<SyncOutcome> {
  if (!purchaseGid.safeParse(id).success) return null;
  const purchase = await db.appPurchase.findFirst({ where: { shopId, provider: "shopify", shopifyPurchaseId: id } });
  if (!purchase) return null;
  const node = purchaseStatus.parse(await admin.request(APP_PURCHASE_STATUS, { id })).node;
  const status = node?.status;
  if (!status) throw new BillingError("Shopify does not know this purchase.");
  if (status !== "ACTIVE") {
    if (purchase.status !== "ACTIVE") await db.appPurchase.update({ where: { id: purchase.id }, data: { status } });
    return { status, credited: false, purchaseId: purchase.id, credits: purchase.credits };
  }
  const credited = await db.$transaction((tx) => creditPurchase(tx, purchase, `${purchase.credits} credits (Shopify purchase)`));
  return { status, credited, purchaseId: purchase.id, credits: purchase.credits };
}
