import { DelayedError, type Job } from "bullmq";
import type { PrismaClient } from "@prisma/client";
import type { Logger } from "pino";
import { z } from "zod";
import { BulkOperationPending, markImportFailed, runImport } from "../app/services/catalog/import.server";
import type { ImageIngestDeps } from "../app/services/catalog/import-image.server";
import { createAdminGraphQL, ShopifyThrottledError } from "../app/services/shopify/admin-graphql.server";
import { offlineAccessToken, ShopNotConnectedError } from "../app/services/shopify/offline-session.server";

export const importJob = z.object({ shopId: z.uuid(), runId: z.uuid() });
export type ImportJob = z.infer<typeof importJob>;

export interface ImportWorkerDeps extends Omit<ImageIngestDeps, "db"> {
  db: PrismaClient;
  log: Logger;
}

/**
 * The import queue's processor. Waiting on Shopify (a THROTTLED answer, a bulk
 * operation still running) delays the job without spending one of its attempts.
 */
export function importProcessor(deps: ImportWorkerDeps) {
  return async (job: Job, token?: string): Promise<void> => {
    const data = importJob.parse(job.data);
    const shop = await deps.db.shop.findUnique({ where: { id: data.shopId }, select: { domain: true } });
    if (!shop) return;
    try {
      const admin = createAdminGraphQL({ shop: shop.domain, accessToken: await offlineAccessToken(deps.db, shop.domain) });
      await runImport({ ...deps, admin }, data.shopId, data.runId);
    } catch (error) {
      if (error instanceof ShopifyThrottledError || error instanceof BulkOperationPending) {
        await job.moveToDelayed(Date.now() + error.retryAfterMs, token);
        throw new DelayedError();
      }
      const final = error instanceof ShopNotConnectedError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      deps.log.warn({ err: error, runId: data.runId, final }, "import attempt failed");
      if (final) {
        await markImportFailed(deps.db, data.runId, error instanceof Error ? error.message : String(error));
        if (error instanceof ShopNotConnectedError) return;
      }
      throw error;
    }
  };
}
