import { z } from "zod";
import { dataUri, providerRequest } from "./http-client";
import { ProviderError, type GenerationRequest, type Provider, type StatusReport, type Submission } from "./provider";

// A merchant's or operator's own GPU worker speaking docs/gpu-worker-contract.md.
// Our job id is the worker's job id, so a submit repeated after a lost answer finds
// the same job instead of paying for a second one.

export interface HttpWorkerConfig {
  /** The worker's base URL; `/v1/jobs` is appended. */
  baseUrl: string;
  token: string;
  timeoutMs?: number;
}

const PROVIDER = "GPU worker";

const output = z.object({ url: z.url({ protocol: /^https?$/ }), content_type: z.string() });
const jobError = z.object({ code: z.string(), message: z.string(), retryable: z.boolean() });
const job = z.discriminatedUnion("status", [
  z.object({ id: z.string(), status: z.enum(["queued", "running"]) }),
  z.object({ id: z.string(), status: z.literal("succeeded"), outputs: z.array(output).min(1) }),
  z.object({ id: z.string(), status: z.literal("failed"), error: jobError }),
  z.object({ id: z.string(), status: z.literal("canceled"), error: jobError.optional() }),
]);
type Job = z.infer<typeof job>;

const errorBody = z.object({ error: z.object({ code: z.string() }) });

/** The worker's own error code, when it is a plain identifier (it goes into logs and job rows). */
function workerCode(body: unknown): string | undefined {
  const parsed = errorBody.safeParse(body);
  const code = parsed.success ? parsed.data.error.code : undefined;
  return code && /^[a-z0-9_.-]{1,64}$/i.test(code) ? code : undefined;
}

function classify(status: number, body: unknown): ProviderError | undefined {
  const code = workerCode(body);
  const suffix = code ? ` (${code})` : "";
  if (status === 400 || status === 422) {
    return new ProviderError("permanent", "invalid_request", `${PROVIDER} refused the request as invalid${suffix}.`);
  }
  if (status === 401) return new ProviderError("account", "unauthorized", `${PROVIDER} refused the token${suffix}.`);
  if (status === 403) return new ProviderError("account", "forbidden", `${PROVIDER} does not allow this account to run jobs${suffix}.`);
  if (status === 409) {
    return new ProviderError("permanent", "id_conflict", `${PROVIDER} already holds a different job under this id${suffix}.`);
  }
  return undefined;
}

export function httpWorkerProvider(config: HttpWorkerConfig): Provider {
  const base = new URL(config.baseUrl);
  if (base.protocol !== "https:" && base.protocol !== "http:") throw new Error("The GPU worker's base URL must be http(s).");
  const jobsUrl = `${base.href.replace(/\/+$/, "")}/v1/jobs`;
  const jobUrl = (id: string) => `${jobsUrl}/${encodeURIComponent(id)}`;
  const headers = { authorization: `Bearer ${config.token}` };

  /** Worker-written text can reach merchants; never let it carry our token back. */
  const redact = (text: string) => (config.token ? text.split(config.token).join("[redacted]") : text).slice(0, 300);

  const call = (url: string, signal: AbortSignal, json?: unknown) =>
    providerRequest(url, job, { provider: PROVIDER, method: "POST", headers, json, signal, timeoutMs: config.timeoutMs, classify });

  function report(answer: Job, expectedId: string): StatusReport {
    if (answer.id !== expectedId) {
      throw new ProviderError("transient", "malformed_response", `${PROVIDER} answered about a different job.`);
    }
    switch (answer.status) {
      case "queued":
      case "running":
        return { state: answer.status, providerJobId: answer.id };
      case "succeeded":
        return { state: "succeeded", providerJobId: answer.id, output: { kind: "urls", urls: answer.outputs.map((o) => o.url) } };
      case "failed":
      case "canceled": {
        const e = answer.error;
        const error = e
          ? new ProviderError(e.retryable ? "transient" : "permanent", workerCode({ error: e }) ?? "job_failed", `${PROVIDER}: ${redact(e.message)}`)
          : new ProviderError("permanent", "canceled", `${PROVIDER} canceled the job.`);
        return { state: answer.status, providerJobId: answer.id, error };
      }
    }
  }

  return {
    name: "http",
    label: "Self-hosted GPU worker",

    async submit(request: GenerationRequest, signal: AbortSignal): Promise<Submission> {
      const body = {
        id: request.jobId,
        model: request.model,
        input: {
          image: dataUri(request.input, request.inputMimeType),
          mime_type: request.inputMimeType,
          model_preset: request.modelPreset,
          pose_preset: request.posePreset,
          scene_preset: request.scenePreset,
          generation_type: request.generationType,
          aspect_ratio: request.aspectRatio,
          seed: request.seed,
          ...(request.prompt === undefined ? {} : { prompt: request.prompt }),
        },
        ...(request.webhookUrl === undefined ? {} : { callback_url: request.webhookUrl }),
      };
      const answer = report(await call(jobsUrl, signal, body), request.jobId);
      // A resubmitted id can already be finished; the contract returns it as it stands.
      if ("error" in answer) throw answer.error;
      return answer;
    },

    async status(providerJobId: string, _model: string, signal: AbortSignal): Promise<StatusReport> {
      const answer = await providerRequest(jobUrl(providerJobId), job, {
        provider: PROVIDER,
        headers,
        signal,
        timeoutMs: config.timeoutMs,
        classify,
      });
      return report(answer, providerJobId);
    },

    async cancel(providerJobId: string, _model: string, signal: AbortSignal): Promise<void> {
      try {
        await call(`${jobUrl(providerJobId)}/cancel`, signal);
      } catch (error) {
        // Nothing to cancel is what we wanted.
        if (error instanceof ProviderError && error.code === "not_found") return;
        throw error;
      }
    },
  };
}
