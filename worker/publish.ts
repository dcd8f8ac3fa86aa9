import { DelayedError, type Job } from "bullmq";
import type { PrismaClient } from "@prisma/client";
import type { Logger } from "pino";
import { z } from "zod";
import { markFailed, reconcilePublication } from "../app/services/publish/publish.server";
import { createAdminGraphQL, ShopifyThrottledError, type AdminGraphQL } from "../app/services/shopify/admin-graphql.server";
import { offlineAccessToken, ShopNotConnectedError } from "../app/services/shopify/offline-session.server";
import type { Storage } from "../app/services/storage/storage.server";

export const publishJob = z.object({ shopId: z.uuid(), publicationId: z.uuid() });

export interface PublishWorkerDeps {
  db: PrismaClient;
  storage: Storage;
  log: Logger;
  /** Tests pass a client with a custom pacing; production builds one per shop. */
  admin?: (shop: string, accessToken: string) => AdminGraphQL;
  processingTimeoutMs?: number;
}

/**
 * The publish queue's processor. Waiting on Shopify (throttled, a photo still
 * processing, another worker's lease) delays the job without spending an attempt;
 * other errors retry with backoff and, after the last attempt, fail the publication
 * with the reason.
 */
export function publishProcessor(deps: PublishWorkerDeps) {
  return async (job: Job, token?: string): Promise<string> => {
    const data = publishJob.parse(job.data);
    const shop = await deps.db.shop.findUnique({ where: { id: data.shopId }, select: { domain: true } });
    if (!shop) return "gone";
    const delay = async (ms: number) => {
      await job.moveToDelayed(Date.now() + ms, token);
      throw new DelayedError();
    };
    try {
      const accessToken = await offlineAccessToken(deps.db, shop.domain);
      const admin = deps.admin?.(shop.domain, accessToken) ?? createAdminGraphQL({ shop: shop.domain, accessToken });
      const outcome = await reconcilePublication(
        { db: deps.db, admin, storage: deps.storage, processingTimeoutMs: deps.processingTimeoutMs },
        data.shopId,
        data.publicationId,
      );
      if (outcome.state === "wait") return await delay(outcome.ms);
      return outcome.state;
    } catch (error) {
      if (error instanceof DelayedError) throw error;
      if (error instanceof ShopifyThrottledError) return await delay(error.retryAfterMs);
      const final = error instanceof ShopNotConnectedError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      deps.log.warn({ err: error, publicationId: data.publicationId, final }, "publish attempt failed");
      if (final) {
        const message = error instanceof ShopNotConnectedError ? error.message : `Publishing failed: ${error instanceof Error ? error.message : String(error)}`;
        await markFailed(deps.db, { id: data.publicationId, shopId: data.shopId }, "publish_error", message);
        if (error instanceof ShopNotConnectedError) return "failed";
      }
      throw error;
    }
  };
}
