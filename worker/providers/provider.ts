// The interface every generation provider implements (studio, FASHN, fal, Replicate,
// a generic HTTP GPU worker): one call that returns the finished image, with
// provider-specific submit/poll/webhook handling inside the adapter.

export interface GenerationRequest {
  jobId: string;
  input: Buffer;
  inputMimeType: string;
  modelPreset: string;
  posePreset: string;
  scenePreset: string;
  generationType: string;
  aspectRatio: string;
  seed: number;
  prompt?: string;
}

export interface GenerationResult {
  image: Buffer;
  mimeType: string;
  width: number;
  height: number;
  /** The provider's own id for the work, for support and cancellation. */
  providerJobId?: string;
  model?: string;
}

/** transient: worth retrying (timeouts, 5xx, rate limits); permanent: retrying cannot help. */
export class ProviderError extends Error {
  constructor(
    readonly kind: "transient" | "permanent",
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ProviderError";
  }
}

export interface Provider {
  readonly name: string;
  /** Shown to merchants; honest about what the provider is. */
  readonly label: string;
  generate(request: GenerationRequest, signal: AbortSignal): Promise<GenerationResult>;
  /** Stops work in flight where the provider supports it. */
  cancel?(providerJobId: string): Promise<void>;
}
