import type { PrismaClient } from "@prisma/client";
import { DelayedError, UnrecoverableError, type Job } from "bullmq";
import type { Logger } from "pino";
import { z } from "zod";
import { ImageRejectedError } from "../app/services/images/ingest.server";
import {
  claimJob,
  failJob,
  forgetSubmission,
  putBack,
  recordSubmission,
  releaseForRetry,
  jobForWork,
  type ClaimedJob,
} from "../app/services/shoots/job-state.server";
import type { Storage } from "../app/services/storage/storage.server";
import { storeOutput } from "./generate-output";
import type { ProviderPauses } from "./provider-pauses";
import { ProviderError, type Provider, type ProviderOutput } from "./providers/provider";

export const generateJob = z.object({ shopId: z.uuid(), jobId: z.uuid(), checks: z.number().int().min(0).optional() });

export interface GenerateDeps {
  db: PrismaClient;
  storage: Storage;
  log: Logger;
  /** The configured adapters by name. */
  providers?: ReadonlyMap<string, Provider>;
  /** Picks the provider and model for a job (see providers/routing.ts). */
  route?: (job: { generationType: string; modelPreset: string; posePreset: string; scenePreset: string }) => { provider: string; model: string };
  /** Shortcut for one provider serving everything (tests, benches). */
  provider?: Provider;
  pauses?: ProviderPauses;
  fetchPolicy?: { allowHttp: boolean; allowedOrigins: string[] };
  /** Builds the callback URL for a job, when webhooks are configured. */
  webhookUrl?: (provider: string, jobId: string) => string;
  /** Upper bound for one attempt at the provider; past it the attempt counts as a transient failure. */
  timeoutMs?: number;
  /** Jobs in flight per external provider, fleet-wide. */
  providerConcurrency?: number;
  /** First and longest wait between status checks. */
  checkDelayMs?: { first: number; max: number };
  pauseMs?: number;
  fidelityGate?: boolean;
  /** Runs after a job completes (auto-publish); a failure here never fails the job. */
  onCompleted?: (shopId: string, jobId: string) => Promise<void>;
}

const ACCOUNT_PAUSE_MS = 5 * 60_000;

function describe(error: unknown): { kind: ProviderError["kind"]; code: string; message: string; retryAfterMs?: number } {
  if (error instanceof ProviderError) return { kind: error.kind, code: error.code, message: error.message, retryAfterMs: error.retryAfterMs };
  if (error instanceof ImageRejectedError) return { kind: "permanent", code: `output_${error.code}`, message: `The provider returned an unusable image (${error.code}).` };
  if (error instanceof Error && (error.name === "AbortError" || error.name === "TimeoutError")) {
    return { kind: "transient", code: "timeout", message: "The provider took too long." };
  }
  return { kind: "transient", code: "internal", message: error instanceof Error ? error.message : String(error) };
}

const jitter = (ms: number) => Math.round(ms * (0.8 + Math.random() * 0.4));

/**
 * The generate queue's processor. A job is claimed and submitted to its provider;
 * synchronous providers (studio) answer with the image at once. Otherwise the provider's
 * id is recorded and the queue job is delayed to check again (a webhook promotes it),
 * until the output is copied, validated and stored. Transient failures go back to the
 * queue with its backoff; permanent ones, or the last attempt, fail and refund the job;
 * account failures pause the provider and the job waits.
 */
export function generateProcessor(deps: GenerateDeps) {
  const providers = deps.providers ?? new Map(deps.provider ? [[deps.provider.name, deps.provider]] : []);
  const route = deps.route ?? (() => ({ provider: deps.provider?.name ?? "studio", model: "default" }));
  const checkDelay = deps.checkDelayMs ?? { first: 2_000, max: 30_000 };
  const timeoutMs = deps.timeoutMs ?? 10 * 60_000;

  const delay = async (job: Job, token: string | undefined, ms: number, data?: object): Promise<never> => {
    if (data) await job.updateData({ ...job.data, ...data });
    await job.moveToDelayed(Date.now() + Math.max(1, ms), token);
    throw new DelayedError();
  };

  return async (job: Job, token?: string): Promise<{ status: string }> => {
    const data = generateJob.parse(job.data);
    const { shopId, jobId } = data;
    const log = deps.log.child({ shopId, jobId, attempt: job.attemptsMade + 1 });
    const current = await jobForWork(deps.db, shopId, jobId);
    if (current?.providerJobId && current.status === "cancelled") return cancelAtProvider(current);
    if (current?.providerJobId && current.status === "processing") return check(current);
    // Cancelled, already finished, or another shop's id.
    if (!current || !["pending", "queued", "processing"].includes(current.status)) return { status: "skipped" };
    const target = route(current);
    const provider = providers.get(target.provider);
    if (!provider) throw new UnrecoverableError(`provider ${target.provider} is not configured on this worker`);
    const paused = (await deps.pauses?.remainingMs(provider.name)) ?? 0;
    if (paused > 0) return delay(job, token, jitter(paused));

    const claimed = await claimJob(deps.db, shopId, jobId, {
      provider: provider.name,
      model: target.model,
      cap: provider.status ? deps.providerConcurrency : undefined,
    });
    if (claimed === null) return { status: "skipped" };
    if (claimed === "at_capacity") return delay(job, token, jitter(checkDelay.first));
    const row = claimed;
    let input: Buffer | undefined;
    try {
      if (!row.inputAsset) throw new ProviderError("permanent", "input_missing", "The product photo for this job no longer exists.");
      input = await deps.storage.get(row.inputAsset.bucket as "uploads", row.inputAsset.path);
      const submission = await provider.submit(
        {
          jobId,
          input,
          inputMimeType: row.inputAsset.mimeType,
          model: target.model,
          modelPreset: row.modelPreset,
          posePreset: row.posePreset,
          scenePreset: row.scenePreset,
          generationType: row.generationType,
          aspectRatio: row.aspectRatio ?? "3:4",
          seed: row.seed ?? 0,
          prompt: row.prompt ?? undefined,
          webhookUrl: deps.webhookUrl?.(provider.name, jobId),
        },
        AbortSignal.timeout(timeoutMs),
      );
      if (submission.providerJobId) await recordSubmission(deps.db, shopId, jobId, submission.providerJobId);
      if (submission.state === "succeeded") return finish(row, input, submission.output);
      log.info({ provider: provider.name, providerJobId: submission.providerJobId }, "submitted to provider");
      return await delay(job, token, jitter(checkDelay.first), { checks: 0 });
    } catch (error) {
      if (error instanceof DelayedError) throw error;
      return onFailure(row, error);
    }

    async function finish(r: ClaimedJob, inputBytes: Buffer, output: ProviderOutput) {
      const completed = await storeOutput(deps, r, inputBytes, output);
      log.info({ completed, provider: r.provider, model: r.providerModel }, "job completed");
      if (completed) await deps.onCompleted?.(r.shopId, r.id).catch((err: unknown) => log.warn({ err }, "after-completion step failed"));
      return { status: completed ? "completed" : "superseded" };
    }

    async function onFailure(r: ClaimedJob, error: unknown): Promise<never> {
      const failure = describe(error);
      if (failure.kind === "account") {
        // Alert once per pause, not once per job.
        const alreadyPaused = ((await deps.pauses?.remainingMs(r.provider ?? "")) ?? 0) > 0;
        await deps.pauses?.pause(r.provider ?? "unknown", `${failure.code}: ${failure.message}`, deps.pauseMs ?? ACCOUNT_PAUSE_MS);
        if (!alreadyPaused) log.error({ provider: r.provider, code: failure.code, alert: "provider_account" }, `provider paused: ${failure.message}`);
        await putBack(deps.db, shopId, jobId, failure.code);
        return delay(job, token, jitter(deps.pauseMs ?? ACCOUNT_PAUSE_MS));
      }
      if (failure.kind === "transient" && failure.retryAfterMs !== undefined && failure.code === "rate_limited") {
        // The provider said when: wait that long without spending an attempt.
        await putBack(deps.db, shopId, jobId, failure.code);
        return delay(job, token, failure.retryAfterMs + jitter(250));
      }
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (failure.kind === "permanent" || lastAttempt) {
        await failJob(deps.db, shopId, jobId, { code: failure.code, message: failure.message });
        log.warn({ code: failure.code, kind: failure.kind }, "job failed and was refunded");
        throw new UnrecoverableError(failure.message);
      }
      await releaseForRetry(deps.db, shopId, jobId, { code: failure.code, message: failure.message });
      log.info({ code: failure.code }, "transient failure; retrying");
      throw error instanceof Error ? error : new Error(String(error));
    }

    async function check(r: ClaimedJob): Promise<{ status: string }> {
      const provider = providers.get(r.provider ?? "");
      if (!provider?.status) throw new UnrecoverableError(`provider ${r.provider} cannot be checked on this worker`);
      const checks = data.checks ?? 0;
      let report;
      try {
        report = await provider.status(r.providerJobId!, r.providerModel ?? "", AbortSignal.timeout(60_000));
      } catch (error) {
        const failure = describe(error);
        // A check that could not be made says nothing about the work: ask again later.
        if (failure.kind === "transient" && checks < 20) {
          return delay(job, token, failure.retryAfterMs ?? jitter(checkDelay.max), { checks: checks + 1 });
        }
        return onFailure(r, error);
      }
      if (report.state === "failed" || report.state === "canceled") return onFailure(r, report.error);
      if (report.state === "succeeded") {
        try {
          if (!r.inputAsset) throw new ProviderError("permanent", "input_missing", "The product photo for this job no longer exists.");
          const inputBytes = await deps.storage.get(r.inputAsset.bucket as "uploads", r.inputAsset.path);
          return await finish(r, inputBytes, report.output);
        } catch (error) {
          return onFailure(r, error);
        }
      }
      if (r.submittedAt && Date.now() - r.submittedAt.getTime() > timeoutMs) {
        await provider.cancel?.(r.providerJobId!, r.providerModel ?? "", AbortSignal.timeout(30_000)).catch(() => undefined);
        return onFailure(r, new ProviderError("transient", "timeout", "The provider took too long."));
      }
      return delay(job, token, jitter(Math.min(checkDelay.max, checkDelay.first * 1.5 ** checks)), { checks: checks + 1 });
    }

    async function cancelAtProvider(r: ClaimedJob) {
      const provider = providers.get(r.provider ?? "");
      try {
        await provider?.cancel?.(r.providerJobId!, r.providerModel ?? "", AbortSignal.timeout(30_000));
        log.info({ provider: r.provider }, "cancelled at the provider");
      } catch (error) {
        log.warn({ provider: r.provider, code: describe(error).code }, "could not cancel at the provider");
      }
      await forgetSubmission(deps.db, shopId, jobId);
      return { status: "cancelled" };
    }
  };
}
