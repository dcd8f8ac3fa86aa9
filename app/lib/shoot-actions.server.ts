import type { PrismaClient } from "@prisma/client";
import { redirect } from "@remix-run/node";
import { z } from "zod";
import { shootOptions } from "~/lib/presets";
import { fail, reviewAction } from "~/lib/review-actions.server";
import { photos } from "~/lib/review-photo";
import { enqueueShoot, wakeGeneration } from "~/queues.server";
import { CreditsOwedError, InsufficientCreditsError } from "~/services/credits/errors.server";
import { createShoot, ShootInputError } from "~/services/shoots/create.server";
import { cancelJobs } from "~/services/shoots/job-state.server";
import { getShoot } from "~/services/shoots/queries.server";
import { RateLimitedError } from "~/services/shoots/rate-limit.server";

type Shoot = NonNullable<Awaited<ReturnType<typeof getShoot>>>;

/** The shoot page's actions: its own (cancel, retry failed) and the review actions. */
export async function shootAction(db: PrismaClient, shopId: string, batchId: string | undefined, form: FormData) {
  const id = z.uuid().safeParse(batchId);
  const shoot = id.success ? await getShoot(db, shopId, id.data) : null;
  if (!shoot) return fail(404, "Shoot not found");
  const intent = form.get("intent");
  if (intent === "cancel") return cancel(db, shopId, shoot);
  if (intent === "retry-failed") return retryFailed(db, shopId, shoot, form);
  return reviewAction(db, shopId, { batchId: shoot.batch.id }, form);
}

async function cancel(db: PrismaClient, shopId: string, shoot: Shoot) {
  const cancelled = await cancelJobs(db, shopId, shoot.jobs.map((j) => j.id));
  // Jobs in flight at a provider are stopped there by the worker; don't keep it waiting.
  await wakeGeneration(shoot.jobs.filter((j) => j.status === "processing" && cancelled.includes(j.id)).map((j) => j.id)).catch(() => undefined);
  return { ok: true as const, message: `${photos(cancelled.length)} cancelled and refunded` };
}

/**
 * A new shoot of the failed photos' products with the same settings: they were
 * refunded, so the retry is priced and charged like any shoot.
 */
async function retryFailed(db: PrismaClient, shopId: string, shoot: Shoot, form: FormData) {
  const failed = shoot.jobs.filter((j) => j.status === "failed" && j.productId);
  if (failed.length === 0) return fail(400, "No failed photos to retry.");
  const params = shootOptions.safeParse(shoot.batch.params);
  if (!params.success) return fail(400, "This shoot's settings are no longer available.");
  try {
    const retry = await createShoot(db, shopId, {
      clientKey: String(form.get("clientKey") ?? ""),
      productIds: [...new Set(failed.map((j) => j.productId!))],
      options: { ...params.data, variations: 1 },
      name: `Retry of ${shoot.batch.name ?? "a shoot"}`,
    });
    await enqueueShoot(shopId, retry.jobIds).catch(() => false);
    return redirect(`/app/shoots/${retry.batchId}`);
  } catch (error) {
    if (error instanceof InsufficientCreditsError || error instanceof CreditsOwedError || error instanceof RateLimitedError || error instanceof ShootInputError) return fail(400, error.message);
    throw error;
  }
}
