import type { ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import prisma from "~/db.server";
import { appEnv } from "~/env.server";
import { adminAppUrl } from "~/lib/admin-url.server";
import { allowedReturnUrl, stripe } from "~/lib/billing.server";
import { findPack } from "~/lib/credit-packs";
import { requireShop } from "~/lib/shop-context.server";
import { createCheckoutSession } from "~/services/billing/stripe-checkout.server";

const MAX_BODY_BYTES = 8 * 1024;

const input = z.object({
  pack_id: z.string().max(40),
  success_url: z.string().url().max(2000).optional(),
  cancel_url: z.string().url().max(2000).optional(),
  /** The client's key for this attempt: a retried request opens the same session. */
  client_key: z.string().regex(/^[A-Za-z0-9_-]{8,100}$/).optional(),
});

// POST /api/billing/checkout-session: the seed's create-checkout-session. The shop is
// the embedded session's (its bearer token), never the body's.
export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop } = await requireShop(request);
  if (request.method !== "POST") return Response.json({ error: "method not allowed" }, { status: 405 });
  if (appEnv().BILLING_PROVIDER !== "stripe") return Response.json({ error: "Stripe billing is not enabled for this app." }, { status: 409 });
  const text = await request.text();
  if (text.length > MAX_BODY_BYTES) return Response.json({ error: "request too large" }, { status: 413 });
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return Response.json({ error: "body must be JSON" }, { status: 400 });
  }
  const parsed = input.safeParse(body);
  if (!parsed.success) return Response.json({ error: "invalid request", issues: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`) }, { status: 400 });
  const pack = findPack(appEnv().CREDIT_PACKS, parsed.data.pack_id);
  if (!pack) return Response.json({ error: `unknown pack_id ${parsed.data.pack_id}` }, { status: 400 });
  for (const field of ["success_url", "cancel_url"] as const) {
    const url = parsed.data[field];
    if (url && !allowedReturnUrl(shop, url)) return Response.json({ error: `${field} must point back to this app` }, { status: 400 });
  }
  const session = await createCheckoutSession(prisma, stripe(), shop, {
    pack,
    clientKey: parsed.data.client_key ?? crypto.randomUUID(),
    successUrl: parsed.data.success_url ?? adminAppUrl(shop.domain, "/app/credits?session_id={CHECKOUT_SESSION_ID}"),
    cancelUrl: parsed.data.cancel_url ?? adminAppUrl(shop.domain, "/app/credits?checkout=cancelled"),
  });
  return Response.json(session);
};
