import { ZodError } from "zod";
import prisma from "~/db.server";
import { logger } from "~/logger.server";
import { claimWebhookEvent, markWebhookProcessed, releaseWebhookEvent } from "~/services/webhooks.server";
import { authenticate } from "~/shopify.server";

type WebhookContext = Awaited<ReturnType<typeof authenticate.webhook>>;

/**
 * Verifies the HMAC (authenticate.webhook answers 401 otherwise), handles each
 * event id once, and lets a failed handler be retried by Shopify's redelivery.
 */
export async function handleWebhook(request: Request, handle: (ctx: WebhookContext) => Promise<void>): Promise<Response> {
  const ctx = await authenticate.webhook(request);
  const eventId = ctx.eventId ?? ctx.webhookId;
  const fresh = await claimWebhookEvent(prisma, {
    eventId,
    topic: ctx.topic,
    shopDomain: ctx.shop,
    webhookId: ctx.webhookId,
    apiVersion: ctx.apiVersion,
  });
  if (!fresh) return new Response(null, { status: 200 });
  try {
    await handle(ctx);
    await markWebhookProcessed(prisma, eventId);
    return new Response(null, { status: 200 });
  } catch (error) {
    if (error instanceof ZodError) {
      // A payload that can never be handled: say so, and do not ask for redelivery.
      logger.warn({ topic: ctx.topic, shop: ctx.shop, issues: error.issues }, "webhook payload rejected");
      return Response.json({ error: "unexpected payload", issues: error.issues.map((i) => i.message) }, { status: 400 });
    }
    logger.error({ err: error, topic: ctx.topic, shop: ctx.shop }, "webhook handler failed");
    await releaseWebhookEvent(prisma, eventId);
    return new Response(null, { status: 500 });
  }
}
