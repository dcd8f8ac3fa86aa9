import type { Prisma, PrismaClient } from "@prisma/client";
import type Stripe from "stripe";
import { applyCheckoutSession } from "./stripe-checkout.server";
import { reversePurchase } from "./fulfil.server";

type Tx = Prisma.TransactionClient;

/** Stripe's own tolerance: a signature older than five minutes is refused. */
const TOLERANCE_SECONDS = 300;

export interface WebhookAnswer {
  status: number;
  body: Record<string, unknown>;
}

function intentOf(value: string | { id: string } | null | undefined): string | null {
  return typeof value === "string" ? value : (value?.id ?? null);
}

async function purchaseByIntent(tx: Tx, intent: string | null) {
  return intent ? tx.appPurchase.findFirst({ where: { provider: "stripe", stripePaymentIntentId: intent } }) : null;
}

/** What one event changes. Unknown types change nothing (and are still answered 200). */
async function applyEvent(tx: Tx, event: Stripe.Event): Promise<string> {
  switch (event.type) {
    case "checkout.session.completed":
    case "checkout.session.async_payment_succeeded":
    case "checkout.session.expired":
      return (await applyCheckoutSession(tx, event.data.object))?.status ?? "not_ours";
    case "checkout.session.async_payment_failed":
      return (await applyCheckoutSession(tx, event.data.object, { failed: true }))?.status ?? "not_ours";
    case "charge.refunded": {
      const charge = event.data.object;
      const purchase = await purchaseByIntent(tx, intentOf(charge.payment_intent));
      if (!purchase || charge.amount <= 0) return "not_ours";
      const target = Math.round((purchase.credits * charge.amount_refunded) / charge.amount);
      const r = await reversePurchase(tx, purchase, target, "Credit pack refunded");
      return `reversed ${r.reversed}, owed ${r.owed}`;
    }
    case "charge.dispute.created": {
      const dispute = event.data.object;
      const purchase = await purchaseByIntent(tx, intentOf(dispute.payment_intent));
      if (!purchase) return "not_ours";
      const r = await reversePurchase(tx, purchase, purchase.credits, "Credit pack payment disputed");
      return `reversed ${r.reversed}, owed ${r.owed}`;
    }
    default:
      return "ignored";
  }
}

/**
 * The seed's stripe-webhook: the signature is checked on the raw body with the SDK;
 * the event id is recorded in the same transaction as what the event writes, so a
 * redelivery (or twenty at once) changes nothing and a failure leaves nothing half
 * written (Stripe retries on the 5xx).
 */
export async function handleStripeWebhook(
  db: PrismaClient,
  stripe: Stripe,
  p: { secret: string; rawBody: string; signature: string | null },
): Promise<WebhookAnswer> {
  let event: Stripe.Event;
  try {
    event = stripe.webhooks.constructEvent(p.rawBody, p.signature ?? "", p.secret, TOLERANCE_SECONDS);
  } catch {
    return { status: 400, body: { error: "invalid signature" } };
  }
  const outcome = await db.$transaction(async (tx) => {
    const fresh = await tx.$executeRaw`
      insert into public.stripe_events (id, type, livemode) values (${event.id}, ${event.type}, ${event.livemode})
      on conflict (id) do nothing`;
    if (fresh === 0) return "duplicate";
    const result = await applyEvent(tx, event);
    await tx.stripeEvent.update({ where: { id: event.id }, data: { processedAt: new Date() } });
    return result;
  });
  return { status: 200, body: { received: true, outcome } };
}
