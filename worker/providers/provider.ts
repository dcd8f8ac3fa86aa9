// The interface every generation provider implements (studio, FASHN, fal, Replicate,
// a self-hosted GPU worker). The pipeline (worker/generate.ts) owns the job's life:
// it submits, records the provider's id, then re-checks the status on a delayed
// queue job or when a webhook wakes it, and copies the output into storage itself.
// Adapters only speak their provider's HTTP API and normalise what it says.

export const PROVIDER_NAMES = ["studio", "fashn", "fal", "replicate", "http"] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

export interface GenerationRequest {
  jobId: string;
  input: Buffer;
  inputMimeType: string;
  /** The provider's model id from the routing configuration (e.g. `product-to-model`). */
  model: string;
  modelPreset: string;
  posePreset: string;
  scenePreset: string;
  generationType: string;
  aspectRatio: string;
  seed: number;
  prompt?: string;
  /** Where the provider should call back; absent when webhooks are not configured. */
  webhookUrl?: string;
}

/** Finished work: image bytes (studio) or URLs the pipeline downloads at once (providers delete them). */
export type ProviderOutput =
  | { kind: "image"; image: Buffer; mimeType: string }
  | { kind: "urls"; urls: string[] };

export type ProviderState = "queued" | "running" | "succeeded" | "failed" | "canceled";

export type Submission =
  | { state: "succeeded"; providerJobId?: string; output: ProviderOutput }
  | { state: "queued" | "running"; providerJobId: string };

export type StatusReport =
  | { state: "queued" | "running"; providerJobId: string }
  | { state: "succeeded"; providerJobId: string; output: ProviderOutput }
  | { state: "failed" | "canceled"; providerJobId: string; error: ProviderError };

/**
 * transient: worth retrying (timeouts, 5xx, 429, network, malformed answers);
 * permanent: retrying cannot help (bad input, content refused) — the job fails and is refunded;
 * account: the provider account is unusable (bad key, out of credits) — the provider's
 * queue pauses and operators are alerted; merchants' jobs wait instead of failing.
 */
export type ProviderErrorKind = "transient" | "permanent" | "account";

export class ProviderError extends Error {
  readonly retryAfterMs?: number;
  constructor(
    readonly kind: ProviderErrorKind,
    readonly code: string,
    message: string,
    options?: { cause?: unknown; retryAfterMs?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ProviderError";
    if (options?.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}

export interface Provider {
  /** A ProviderName for the real adapters; tests and benches use their own. */
  readonly name: string;
  /** Shown to merchants; honest about what the provider is. */
  readonly label: string;
  /** Starts the work. Synchronous providers answer `succeeded` at once. */
  submit(request: GenerationRequest, signal: AbortSignal): Promise<Submission>;
  /** Where the work stands; required unless every submission succeeds at once. */
  status?(providerJobId: string, model: string, signal: AbortSignal): Promise<StatusReport>;
  /** Stops work in flight where the provider supports it; best effort. */
  cancel?(providerJobId: string, model: string, signal: AbortSignal): Promise<void>;
}
