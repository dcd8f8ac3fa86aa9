import type { ActionFunctionArgs } from "@remix-run/node";
import prisma from "~/db.server";
import { appEnv } from "~/env.server";
import { logger } from "~/logger.server";
import { stripeClient } from "~/services/billing/stripe-client.server";
import { handleStripeWebhook } from "~/services/billing/stripe-webhook.server";

const MAX_BODY_BYTES = 512 * 1024;

export const action = async ({ request }: ActionFunctionArgs) => {
  if (request.method !== "POST") return Response.json({ error: "method not allowed" }, { status: 405 });
  const length = Number(request.headers.get("content-length") ?? 0);
  if (length > MAX_BODY_BYTES) return Response.json({ error: "payload too large" }, { status: 413 });
  // The signature covers the exact bytes Stripe sent: read the body raw, never parsed.
  const rawBody = await request.text();
  if (rawBody.length > MAX_BODY_BYTES) return Response.json({ error: "payload too large" }, { status: 413 });
  const env = appEnv();
  try {
    const answer = await handleStripeWebhook(prisma, stripeClient(env.STRIPE_SECRET_KEY, env.STRIPE_API_URL), {
      secret: env.STRIPE_WEBHOOK_SECRET,
      rawBody,
      signature: request.headers.get("stripe-signature"),
    });
    return Response.json(answer.body, { status: answer.status });
  } catch (error) {
    logger.error({ err: error }, "stripe webhook failed");
    return Response.json({ error: "could not process the event" }, { status: 500 });
  }
};
