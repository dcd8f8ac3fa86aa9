import { readPublishSettings } from "../../lib/shop-settings";
import type { Db } from "../prisma.server";
import { requestPublish } from "./requests.server";

/**
 * A shop that turned auto-publish on has said yes in advance, but only to photos the
 * fidelity gate passed: a flagged photo still waits for the merchant. Returns the
 * publications to enqueue (none when the setting is off).
 */
export async function autoPublish(db: Db, shopId: string, jobId: string): Promise<string[]> {
  const shop = await db.shop.findUnique({ where: { id: shopId }, select: { settings: true } });
  if (!shop) return [];
  const settings = readPublishSettings(shop.settings);
  if (!settings.autoPublish) return [];
  const approved = await db.generationJob.updateMany({
    where: { id: jobId, shopId, status: "completed", needsReview: false, reviewState: "new" },
    data: { reviewState: "approved", reviewedAt: new Date() },
  });
  if (approved.count === 0) return [];
  return requestPublish(db, shopId, [jobId], { position: settings.publishPosition, attachVariants: settings.attachVariants });
}
