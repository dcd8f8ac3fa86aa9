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
    logger.error({ err: error, topic: ctx.topic, shop: ctx.shop }, "webhook handler failed");
    await releaseWebhookEvent(prisma, eventId);
    return new Response(null, { status: 500 });
  }
}
