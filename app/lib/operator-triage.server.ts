import { z } from "zod";
import prisma from "~/db.server";
import { logger } from "~/logger.server";
import { enqueueShoot } from "~/queues.server";
import { CreditError } from "~/services/credits/errors.server";
import { auditOperatorAction } from "~/services/ops/audit.server";
import type { Operator } from "~/services/ops/operator.server";
import { refundIfOwed, retryFailedJob, TriageError } from "~/services/ops/retry.server";

const triageForm = z.object({
  intent: z.literal("refund-and-retry", { error: "Unknown action" }),
  jobId: z.uuid({ error: "Job not found." }),
});

export type TriageResult = { ok: true; message: string; retryJobId: string } | { ok: false; error: string };

function refused(status: 400 | 404 | 409, error: string): Response {
  return Response.json({ ok: false, error } satisfies TriageResult, { status });
}

/** The /ops page's "Refund and retry" button: one failed job, at most one retry. */
export async function refundAndRetryAction(operator: Operator, form: FormData): Promise<Response> {
  const parsed = triageForm.safeParse({ intent: form.get("intent"), jobId: form.get("jobId") });
  if (!parsed.success) return refused(400, parsed.error.issues[0]?.message ?? "Unknown action");
  const { jobId } = parsed.data;
  try {
    const refund = await refundIfOwed(prisma, operator, jobId);
    if (refund.refunded) auditOperatorAction(logger, operator, "refund-failed-job", { jobId, jobShopId: refund.shopId });
    const outcome = await retryFailedJob(prisma, operator, jobId, refund.refunded);
    if (!outcome.replayed) auditOperatorAction(logger, operator, "retry-failed-job", { jobId, jobShopId: outcome.shopId, retryJobId: outcome.retryJobId, costCredits: outcome.costCredits });
    // After commit. A job's id is its queue id, so enqueueing a replay again adds
    // nothing; with Redis down the sweeper enqueues the pending job later.
    const queued = await enqueueShoot(outcome.shopId, [outcome.retryJobId]);
    const what = outcome.replayed ? "Already retried" : `Retried for ${outcome.costCredits} credit${outcome.costCredits === 1 ? "" : "s"}`;
    const refunded = outcome.refunded ? "; its credits were refunded first" : "";
    const later = queued ? "" : "; it starts once the queue is reachable";
    return Response.json({ ok: true, message: `${what} as job ${outcome.retryJobId}${refunded}${later}.`, retryJobId: outcome.retryJobId } satisfies TriageResult);
  } catch (error) {
    if (error instanceof TriageError && error.notFound) return refused(404, error.message);
    if (error instanceof TriageError || error instanceof CreditError) return refused(409, error.message);
    throw error;
  }
}
