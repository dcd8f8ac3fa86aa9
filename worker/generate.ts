import { createHash } from "node:crypto";
import type { PrismaClient } from "@prisma/client";
import { UnrecoverableError, type Job } from "bullmq";
import type { Logger } from "pino";
import { z } from "zod";
import { ImageRejectedError, ingestImage } from "../app/services/images/ingest.server";
import { claimJob, completeJob, failJob, releaseForRetry } from "../app/services/shoots/job-state.server";
import type { Storage } from "../app/services/storage/storage.server";
import { ProviderError, type Provider } from "./providers/provider";

export const generateJob = z.object({ shopId: z.uuid(), jobId: z.uuid() });

export interface GenerateDeps {
  db: PrismaClient;
  storage: Storage;
  provider: Provider;
  log: Logger;
  /** Upper bound for one provider call; past it the attempt counts as a transient failure. */
  timeoutMs?: number;
}

function describe(error: unknown): { kind: "transient" | "permanent"; code: string; message: string } {
  if (error instanceof ProviderError) return { kind: error.kind, code: error.code, message: error.message };
  if (error instanceof ImageRejectedError) return { kind: "permanent", code: `output_${error.code}`, message: `The provider returned an unusable image (${error.code}).` };
  if (error instanceof Error && (error.name === "AbortError" || error.name === "TimeoutError")) {
    return { kind: "transient", code: "timeout", message: "The provider took too long." };
  }
  return { kind: "transient", code: "internal", message: error instanceof Error ? error.message : String(error) };
}

/**
 * The generate queue's processor: claim, read the input, call the provider, validate
 * and store the output, complete. Transient failures go back to the queue (with its
 * exponential backoff); permanent ones, or the last attempt, fail the job and refund it.
 */
export function generateProcessor(deps: GenerateDeps) {
  return async (job: Job): Promise<{ status: string }> => {
    const { shopId, jobId } = generateJob.parse(job.data);
    const row = await claimJob(deps.db, shopId, jobId, deps.provider.name);
    if (!row) return { status: "skipped" }; // cancelled, already finished, or another shop's id
    const log = deps.log.child({ shopId, jobId, batchId: row.batchId, attempt: job.attemptsMade + 1 });
    try {
      if (!row.inputAsset) throw new ProviderError("permanent", "input_missing", "The product photo for this job no longer exists.");
      const input = await deps.storage.get(row.inputAsset.bucket as "uploads", row.inputAsset.path);
      const result = await deps.provider.generate(
        {
          jobId,
          input,
          inputMimeType: row.inputAsset.mimeType,
          modelPreset: row.modelPreset,
          posePreset: row.posePreset,
          scenePreset: row.scenePreset,
          generationType: row.generationType,
          aspectRatio: row.aspectRatio ?? "3:4",
          seed: row.seed ?? 0,
          prompt: row.prompt ?? undefined,
        },
        AbortSignal.timeout(deps.timeoutMs ?? 10 * 60_000),
      );
      // The provider's bytes are untrusted too.
      const output = await ingestImage(result.image, { maxBytes: 50 * 1024 * 1024 });
      const path = `${shopId}/${jobId}/v${row.variation}.${output.ext}`;
      await deps.storage.put("outputs", path, output.bytes, { contentType: output.mimeType, upsert: true });
      const completed = await completeJob(deps.db, shopId, jobId, {
        bucket: "outputs",
        path,
        mimeType: output.mimeType,
        byteSize: output.bytes.length,
        width: output.width,
        height: output.height,
        sha256: createHash("sha256").update(output.bytes).digest("hex"),
        productId: row.productId,
      });
      log.info({ completed, path }, "job completed");
      return { status: completed ? "completed" : "superseded" };
    } catch (error) {
      const failure = describe(error);
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (failure.kind === "permanent" || lastAttempt) {
        await failJob(deps.db, shopId, jobId, { code: failure.code, message: failure.message });
        log.warn({ code: failure.code, kind: failure.kind }, "job failed and was refunded");
        throw new UnrecoverableError(failure.message);
      }
      await releaseForRetry(deps.db, shopId, jobId, { code: failure.code, message: failure.message });
      log.info({ code: failure.code }, "transient failure; retrying");
      throw error;
    }
  };
}
