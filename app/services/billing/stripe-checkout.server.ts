import type { PrismaClient } from "@prisma/client";
import type Stripe from "stripe";
import { priceInMinorUnits, type CreditPack } from "../../lib/credit-packs";
import { BillingError } from "./shopify-billing.server";
import { creditPurchase } from "./fulfil.server";

// The seed's create-checkout-session and the fulfilment both the success page and the
// webhook call. Credits come from Stripe's record of the session (paid), once, by the
// session id.

/** The shop's Stripe customer, created once (the idempotency key makes a race create one). */
export async function stripeCustomerFor(db: PrismaClient, stripe: Stripe, shop: { id: string; domain: string; name: string | null; email: string | null }): Promise<string> {
  const existing = await db.stripeCustomer.findUnique({ where: { shopId: shop.id } });
  if (existing) return existing.stripeCustomerId;
  const customer = await stripe.customers.create(
    { name: shop.name ?? shop.domain, ...(shop.email ? { email: shop.email } : {}), metadata: { shop_id: shop.id, shop_domain: shop.domain } },
    { idempotencyKey: `atelier_customer_${shop.id}` },
  );
  await db.stripeCustomer.upsert({ where: { shopId: shop.id }, create: { shopId: shop.id, stripeCustomerId: customer.id }, update: {} });
  return (await db.stripeCustomer.findUniqueOrThrow({ where: { shopId: shop.id } })).stripeCustomerId;
}

export interface CheckoutRequest {
  pack: CreditPack;
  successUrl: string;
  cancelUrl: string;
  /** The client's key for this purchase attempt: a double click opens one session. */
  clientKey: string;
}

export async function createCheckoutSession(
  db: PrismaClient,
  stripe: Stripe,
  shop: { id: string; domain: string; name: string | null; email: string | null },
  req: CheckoutRequest,
): Promise<{ checkout_url: string; session_id: string }> {
  const customer = await stripeCustomerFor(db, stripe, shop);
  const metadata = { shop_id: shop.id, pack_id: req.pack.id, credits: String(req.pack.credits) };
  const session = await stripe.checkout.sessions.create(
    {
      mode: "payment",
      customer,
      client_reference_id: shop.id,
      line_items: [
        {
          quantity: 1,
          price_data: {
            currency: req.pack.currency.toLowerCase(),
            unit_amount: priceInMinorUnits(req.pack),
            product_data: { name: `${req.pack.name}: ${req.pack.credits} Atelier credits` },
          },
        },
      ],
      success_url: req.successUrl,
      cancel_url: req.cancelUrl,
      metadata,
      payment_intent_data: { metadata },
    },
    { idempotencyKey: `atelier_checkout_${shop.id}_${req.clientKey}` },
  );
  if (!session.url) throw new BillingError("Stripe returned no checkout page.");
  await db.appPurchase.upsert({
    where: { stripeSessionId: session.id },
    create: {
      shopId: shop.id,
      provider: "stripe",
      stripeSessionId: session.id,
      packId: req.pack.id,
      credits: req.pack.credits,
      priceAmount: req.pack.price,
      currency: req.pack.currency,
      status: "PENDING",
      test: !session.livemode,
      confirmationUrl: session.url,
    },
    update: {},
  });
  return { checkout_url: session.url, session_id: session.id };
}

export type FulfilOutcome = { status: "ACTIVE" | "PENDING" | "DECLINED" | "EXPIRED"; credited: boolean; credits: number; purchaseId: string } | null;

type Session = Pick<Stripe.Checkout.Session, "id" | "status" | "payment_status" | "payment_intent" | "metadata">;

function paymentIntentId(session: Session): string | null {
  return typeof session.payment_intent === "string" ? session.payment_intent : (session.payment_intent?.id ?? null);
}

/**
 * Records what Stripe says of a session, in the caller's transaction: paid credits the
 * pack (once), an expired or failed one credits nothing. Null when the session is not
 * one of ours for this shop (when a shop is given).
 */
export async function applyCheckoutSession(tx: Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0], session: Session, p: { shopId?: string; failed?: boolean } = {}): Promise<FulfilOutcome> {
  const purchase = await tx.appPurchase.findFirst({ where: { provider: "stripe", stripeSessionId: session.id, ...(p.shopId ? { shopId: p.shopId } : {}) } });
  if (!purchase || (session.metadata?.shop_id && session.metadata.shop_id !== purchase.shopId)) return null;
  const intent = paymentIntentId(session);
  if (intent && purchase.stripePaymentIntentId !== intent) {
    await tx.appPurchase.update({ where: { id: purchase.id }, data: { stripePaymentIntentId: intent } });
  }
  const base = { credits: purchase.credits, purchaseId: purchase.id };
  if (session.payment_status === "paid" || session.payment_status === "no_payment_required") {
    const credited = await creditPurchase(tx, { ...purchase, stripePaymentIntentId: intent }, `${purchase.credits} credits (Stripe)`);
    return { status: "ACTIVE", credited, ...base };
  }
  if (purchase.creditedAt) return { status: "ACTIVE", credited: false, ...base };
  const status = p.failed ? "DECLINED" : session.status === "expired" ? "EXPIRED" : "PENDING";
  if (purchase.status !== status) await tx.appPurchase.update({ where: { id: purchase.id }, data: { status } });
  return { status, credited: false, ...base };
}

/** The success page: asks Stripe about the session and applies it (the same path as the webhook). */
export async function fulfilCheckoutSession(db: PrismaClient, stripe: Stripe, shopId: string, sessionId: string): Promise<FulfilOutcome> {
  if (!/^cs_[A-Za-z0-9_]{1,250}$/.test(sessionId)) return null;
  const mine = await db.appPurchase.findFirst({ where: { provider: "stripe", stripeSessionId: sessionId, shopId }, select: { id: true } });
  if (!mine) return null;
  const session = await stripe.checkout.sessions.retrieve(sessionId);
  return db.$transaction((tx) => applyCheckoutSession(tx, session, { shopId }));
}
