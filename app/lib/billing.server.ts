import prisma from "~/db.server";
import { appEnv } from "~/env.server";
import { adminAppUrl } from "~/lib/admin-url.server";
import { findPack } from "~/lib/credit-packs";
import type { AdminGraphQL } from "~/services/shopify/admin-graphql.server";
import { startShopifyPurchase, syncShopifyPurchase, BillingError } from "~/services/billing/shopify-billing.server";
import { stripeClient } from "~/services/billing/stripe-client.server";
import { createCheckoutSession, fulfilCheckoutSession } from "~/services/billing/stripe-checkout.server";

// Which billing provider takes the money, and where it sends the merchant back to:
// the credits page inside Shopify admin.

type Shop = { id: string; domain: string; name: string | null; email: string | null };

export function stripe() {
  const env = appEnv();
  return stripeClient(env.STRIPE_SECRET_KEY, env.STRIPE_API_URL);
}

/** Where Stripe may send the merchant: the app itself, or the app's page in this shop's admin. */
export function allowedReturnUrl(shop: Shop, url: string): boolean {
  try {
    const target = new URL(url);
    const app = new URL(appEnv().SHOPIFY_APP_URL);
    if (target.origin === app.origin) return true;
    const admin = new URL(adminAppUrl(shop.domain, "/"));
    return target.origin === admin.origin && target.pathname.startsWith(admin.pathname);
  } catch {
    return false;
  }
}

/** Starts buying a pack; the page sends the top frame to the returned URL. */
export async function startPurchase(shop: Shop, admin: AdminGraphQL, packId: unknown, clientKey: string): Promise<{ redirectTo: string }> {
  const env = appEnv();
  const pack = findPack(env.CREDIT_PACKS, packId);
  if (!pack) throw new BillingError("That credit pack is not on sale.");
  if (env.BILLING_PROVIDER === "shopify") {
    const started = await startShopifyPurchase(prisma, admin, shop.id, pack, {
      returnUrl: adminAppUrl(shop.domain, "/app/credits?provider=shopify"),
      test: env.NODE_ENV !== "production",
    });
    return { redirectTo: started.confirmationUrl };
  }
  const session = await createCheckoutSession(prisma, stripe(), shop, {
    pack,
    clientKey,
    successUrl: adminAppUrl(shop.domain, "/app/credits?session_id={CHECKOUT_SESSION_ID}"),
    cancelUrl: adminAppUrl(shop.domain, "/app/credits?checkout=cancelled"),
  });
  return { redirectTo: session.checkout_url };
}

export interface ReturnBanner {
  tone: "success" | "critical" | "info";
  message: string;
}

/** The merchant is back from Shopify's approval page or Stripe Checkout: credit what was paid. */
export async function purchaseReturn(shop: Shop, admin: AdminGraphQL, search: URLSearchParams): Promise<ReturnBanner | null> {
  if (search.get("checkout") === "cancelled") return { tone: "info", message: "Checkout cancelled. Nothing was charged." };
  const chargeId = search.get("charge_id");
  if (chargeId) {
    if (!/^\d{1,20}$/.test(chargeId)) return { tone: "critical", message: "That purchase was not found." };
    const outcome = await syncShopifyPurchase(prisma, admin, shop.id, `gid://shopify/AppPurchaseOneTime/${chargeId}`);
    return banner(outcome);
  }
  const sessionId = search.get("session_id");
  if (sessionId) return banner(await fulfilCheckoutSession(prisma, stripe(), shop.id, sessionId));
  return null;
}

function banner(outcome: { status: string; credits: number } | null): ReturnBanner {
  if (!outcome) return { tone: "critical", message: "That purchase was not found." };
  if (outcome.status === "ACTIVE") return { tone: "success", message: `Payment received: ${outcome.credits} credits added.` };
  if (outcome.status === "PENDING") return { tone: "info", message: `Payment is processing; ${outcome.credits} credits will be added as soon as it clears.` };
  if (outcome.status === "DECLINED") return { tone: "critical", message: "The payment was declined. Nothing was charged." };
  return { tone: "critical", message: "The purchase expired before it was approved. Nothing was charged." };
}
