import { z } from "zod";
import type { Db } from "./prisma.server";

export const webhookDelivery = z.object({
  eventId: z.string().min(1).max(200),
  topic: z.string().min(1).max(100),
  shopDomain: z.string().min(1).max(255),
  webhookId: z.string().max(200).optional(),
  apiVersion: z.string().max(20).optional(),
});
export type WebhookDelivery = z.infer<typeof webhookDelivery>;

/**
 * Shopify delivers at least once; the event id makes handling exactly once. Returns
 * false for a delivery already handled. Call `release` when handling fails so the
 * redelivery is processed.
 */
export async function claimWebhookEvent(db: Db, delivery: WebhookDelivery): Promise<boolean> {
  const d = webhookDelivery.parse(delivery);
  const inserted = await db.$executeRaw`
    insert into public.shopify_webhook_events (event_id, topic, shop_domain, webhook_id, api_version)
    values (${d.eventId}, ${d.topic}, ${d.shopDomain}, ${d.webhookId ?? null}, ${d.apiVersion ?? null})
    on conflict (event_id) do nothing`;
  return inserted === 1;
}

export async function markWebhookProcessed(db: Db, eventId: string): Promise<void> {
  await db.shopifyWebhookEvent.update({ where: { eventId }, data: { processedAt: new Date() } });
}

export async function releaseWebhookEvent(db: Db, eventId: string): Promise<void> {
  await db.shopifyWebhookEvent.deleteMany({ where: { eventId, processedAt: null } });
}
