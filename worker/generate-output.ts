import { createHash } from "node:crypto";
import type { PrismaClient } from "@prisma/client";
import { checkGarmentFidelity } from "../app/services/images/fidelity.server";
import { ingestImage } from "../app/services/images/ingest.server";
import { BlockedUrlError, FetchLimitError, guardedFetch } from "../app/services/net/guarded-fetch.server";
import { completeJob, type ClaimedJob } from "../app/services/shoots/job-state.server";
import type { Storage } from "../app/services/storage/storage.server";
import { ProviderError, type ProviderOutput } from "./providers/provider";

export interface OutputDeps {
  db: PrismaClient;
  storage: Storage;
  fetchPolicy?: { allowHttp: boolean; allowedOrigins: string[] };
  /** Off only for benchmarks that measure the pipeline without image analysis. */
  fidelityGate?: boolean;
}

const MAX_OUTPUT_BYTES = 50 * 1024 * 1024;

/** Providers delete outputs (Replicate after about an hour): copy the first one now. */
async function download(url: string, policy: OutputDeps["fetchPolicy"]): Promise<AsyncIterable<Uint8Array>> {
  try {
    const res = await guardedFetch(url, {
      maxBytes: MAX_OUTPUT_BYTES,
      timeoutMs: 60_000,
      allowHttp: policy?.allowHttp,
      allowedOrigins: policy?.allowedOrigins,
    });
    return res.body;
  } catch (error) {
    if (error instanceof FetchLimitError && error.code === "http_error" && [403, 404, 410].includes(error.status ?? 0)) {
      throw new ProviderError("transient", "output_expired", "The provider's output was gone before it could be copied.", { cause: error });
    }
    if (error instanceof BlockedUrlError) {
      throw new ProviderError("transient", "output_url_blocked", `The provider's output URL was refused (${error.code}).`);
    }
    throw error;
  }
}

/**
 * The gate's verdict for the job. A product photo the gate cannot read (a white tee on
 * white) is not the output's fault: the photo is shown as ready, unchecked, rather than
 * offered a regeneration that could not change anything.
 */
async function fidelityReview(input: Buffer, output: Buffer, scenePreset: string) {
  const f = await checkGarmentFidelity(input, output, { scenePreset });
  const checked = f.code !== "input_unusable";
  const flagged = checked && !f.passed;
  return {
    needsReview: flagged,
    reason: flagged ? f.reason : undefined,
    fidelity: { code: f.code, checked, passed: f.passed, deltaE: Number.isFinite(f.deltaE) ? Math.round(f.deltaE * 10) / 10 : null, threshold: f.threshold },
  };
}

/**
 * Validates the provider's output like an upload, compares its garment with the
 * input's, stores it at outputs/{shop}/{job}/… and completes the job. An output
 * whose garment changed is kept but marked for review with the reason.
 */
export async function storeOutput(deps: OutputDeps, row: ClaimedJob, input: Buffer, output: ProviderOutput): Promise<boolean> {
  const source = output.kind === "image" ? output.image : await download(output.urls[0]!, deps.fetchPolicy);
  const image = await ingestImage(source, { maxBytes: MAX_OUTPUT_BYTES });
  const review = deps.fidelityGate === false ? { needsReview: false } : await fidelityReview(input, image.bytes, row.scenePreset);
  const path = `${row.shopId}/${row.id}/v${row.variation}.${image.ext}`;
  await deps.storage.put("outputs", path, image.bytes, { contentType: image.mimeType, upsert: true });
  const completed = await completeJob(
    deps.db,
    row.shopId,
    row.id,
    {
      bucket: "outputs",
      path,
      mimeType: image.mimeType,
      byteSize: image.bytes.length,
      width: image.width,
      height: image.height,
      sha256: createHash("sha256").update(image.bytes).digest("hex"),
      productId: row.productId,
    },
    review,
  );
  if (!completed) await dropIfJobEnded(deps, row, path);
  return completed;
}

/**
 * The job was cancelled or failed while this attempt made its photo: no asset will
 * ever point at the file, so it goes now. A job another attempt completed keeps it
 * (the path is the job's, shared by its attempts); files a dead worker left behind
 * are the maintenance cleanup's (deleteOrphanOutputs).
 */
async function dropIfJobEnded(deps: OutputDeps, row: ClaimedJob, path: string): Promise<void> {
  const job = await deps.db.generationJob.findFirst({ where: { id: row.id, shopId: row.shopId }, select: { status: true } });
  if (job && (job.status === "cancelled" || job.status === "failed")) await deps.storage.delete("outputs", [path]);
}
