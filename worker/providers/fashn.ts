import { z } from "zod";
import { MODEL_PRESETS, POSE_PRESETS, SCENE_PRESETS } from "../../app/lib/presets";
import { dataUri, providerRequest } from "./http-client";
import { ProviderError, type GenerationRequest, type Provider, type StatusReport, type Submission } from "./provider";

// FASHN (https://docs.fashn.ai): every model runs through POST /v1/run {model_name, inputs}
// and is polled at GET /v1/status/{id}; a webhook, when asked for with the webhook_url
// query parameter, carries the same body as the status answer. FASHN documents no
// cancel endpoint (its own SDK only stops polling), so this adapter has no cancel().

export const FASHN_MODELS = ["product-to-model", "tryon-v1.6", "tryon-max"] as const;
export type FashnModel = (typeof FASHN_MODELS)[number];

export interface FashnConfig {
  apiKey: string;
  /** Default https://api.fashn.ai. */
  baseUrl?: string;
  timeoutMs?: number;
  /**
   * Photos of a person per model preset, for the try-on models (they dress an existing
   * person): public URLs, or FASHN's `saved:<name>` for models saved in FASHN's studio.
   */
  modelImages?: Partial<Record<string, string>>;
}

const FASHN = "FASHN";
const ASPECT_RATIOS = new Set(["1:1", "2:3", "3:4", "4:5", "5:4", "4:3", "3:2", "16:9", "9:16"]);

const runAnswer = z.object({ id: z.string().min(1), error: z.string().nullish() });

export const fashnStatusBody = z.object({
  id: z.string().min(1),
  status: z.enum(["starting", "in_queue", "processing", "completed", "failed", "canceled", "time_out"]),
  output: z.array(z.string().min(1)).nullish(),
  error: z.object({ name: z.string(), message: z.string().optional() }).nullish(),
});
export type FashnStatusBody = z.infer<typeof fashnStatusBody>;

const apiError = z.object({ error: z.string(), message: z.string().optional() });

/** FASHN names its API-level refusals in the body; OutOfCredits arrives as a 429 like rate limits. */
function classify(status: number, body: unknown): ProviderError | undefined {
  const name = apiError.safeParse(body).data?.error;
  if (name === "OutOfCredits") return new ProviderError("account", "out_of_credits", "The FASHN account is out of API credits.");
  if (status === 401 || name === "UnauthorizedAccess") return new ProviderError("account", "unauthorized", "FASHN refused the API key.");
  if (status === 400) return new ProviderError("permanent", "bad_request", "FASHN refused the request as invalid.");
  return undefined;
}

/** Provider messages can quote the input URLs (which may be signed): keep the words, drop the addresses. */
function redact(message: string | undefined): string {
  if (!message) return "";
  const clean = message.replace(/data:[^\s"']+/gi, "[data]").replace(/\bhttps?:\/\/[^\s"']+/gi, "[url]").replace(/\bsaved:[^\s"']+/gi, "[saved]");
  return clean.length > 200 ? `${clean.slice(0, 200)}…` : clean;
}

/** Runtime errors: permanent where FASHN's guidance is to change the inputs, transient where it is to retry. */
const RUNTIME_ERRORS: Record<string, { kind: "transient" | "permanent"; code: string; text: string }> = {
  ImageLoadError: { kind: "permanent", code: "input_unreadable", text: "FASHN could not read the product photo" },
  ContentModerationError: { kind: "permanent", code: "content_refused", text: "FASHN's content moderation refused the images" },
  NSFWError: { kind: "permanent", code: "content_refused", text: "FASHN's content filter refused the images" },
  PoseError: { kind: "permanent", code: "pose_undetected", text: "FASHN could not detect a body pose" },
  PhotoTypeError: { kind: "permanent", code: "photo_type", text: "FASHN could not tell the photo type" },
  InputValidationError: { kind: "permanent", code: "invalid_input", text: "FASHN refused the inputs" },
  // Caused by the captioning service's content restrictions; FASHN advises changing the images.
  ThirdPartyError: { kind: "permanent", code: "third_party_refused", text: "FASHN's third-party processor refused the images" },
  PipelineError: { kind: "transient", code: "provider_error", text: "FASHN's pipeline failed" },
  "3rdPartyProviderError": { kind: "transient", code: "provider_error", text: "A FASHN upstream provider failed" },
  InternalServerError: { kind: "transient", code: "provider_error", text: "FASHN had an internal error" },
};

export function fashnRuntimeError(error: { name: string; message?: string } | null | undefined): ProviderError {
  const known = error ? RUNTIME_ERRORS[error.name] : undefined;
  const detail = redact(error?.message);
  if (!known) {
    // An unlisted name: retrying is the safe guess, the pipeline bounds the attempts.
    const name = error?.name.replace(/[^\w-]/g, "").slice(0, 60) || "unknown";
    return new ProviderError("transient", "provider_error", `FASHN failed the prediction (${name})${detail ? `: ${detail}` : "."}`);
  }
  return new ProviderError(known.kind, known.code, `${known.text}${detail ? `: ${detail}` : "."}`);
}

function label<T extends { id: string; label: string }>(list: readonly T[], id: string): T | undefined {
  return list.find((p) => p.id === id);
}

/** product-to-model invents the person from words, so the presets become a prompt. */
export function presetPrompt(request: GenerationRequest): string {
  const model = MODEL_PRESETS.find((m) => m.id === request.modelPreset);
  const person =
    !model || model.gender === "none"
      ? "displayed on a dress form, no person"
      : `${model.gender} fashion model, age ${model.age.replace("–", "-")}, ${model.skinTone} skin tone, ${model.bodyType} build`;
  const pose = label(POSE_PRESETS, request.posePreset)?.label.toLowerCase();
  const scene = label(SCENE_PRESETS, request.scenePreset)?.label.toLowerCase();
  return [person, pose && `${pose} pose`, scene && `${scene} background`, request.prompt].filter(Boolean).join(", ");
}

/** FASHN takes seeds in 0..2^32-1; ours map into that range deterministically. */
function seed(value: number): number | undefined {
  return Number.isSafeInteger(value) ? value >>> 0 : undefined;
}

function inputsFor(request: GenerationRequest, config: FashnConfig): Record<string, unknown> {
  const image = dataUri(request.input, request.inputMimeType);
  const aspect = ASPECT_RATIOS.has(request.aspectRatio) ? request.aspectRatio : undefined;
  const resolution = request.generationType === "hd" ? "2k" : "1k";
  if (request.model === "product-to-model") {
    return { product_image: image, prompt: presetPrompt(request), aspect_ratio: aspect, resolution, seed: seed(request.seed), output_format: "png" };
  }
  const modelImage = config.modelImages?.[request.modelPreset];
  if (!modelImage) {
    throw new ProviderError("permanent", "model_image_missing", `No FASHN model photo is configured for the "${request.modelPreset}" preset.`);
  }
  if (request.model === "tryon-v1.6") {
    return { model_image: modelImage, garment_image: image, category: "auto", garment_photo_type: "auto", seed: seed(request.seed), output_format: "png" };
  }
  return { model_image: modelImage, product_image: image, prompt: request.prompt, aspect_ratio: aspect, resolution, seed: seed(request.seed), output_format: "png" };
}

function isModel(model: string): model is FashnModel {
  return (FASHN_MODELS as readonly string[]).includes(model);
}

export function fashnProvider(config: FashnConfig): Provider {
  const base = (config.baseUrl ?? "https://api.fashn.ai").replace(/\/+$/, "");
  const options = (signal: AbortSignal) => ({
    provider: FASHN,
    headers: { authorization: `Bearer ${config.apiKey}` },
    signal,
    timeoutMs: config.timeoutMs,
    classify,
  });

  return {
    name: "fashn",
    label: "FASHN",

    async submit(request, signal): Promise<Submission> {
      if (!isModel(request.model)) {
        throw new ProviderError("account", "unsupported_model", `The FASHN adapter does not support the model "${redact(request.model).slice(0, 60)}".`);
      }
      const url = new URL(`${base}/v1/run`);
      if (request.webhookUrl) url.searchParams.set("webhook_url", request.webhookUrl);
      const answer = await providerRequest(url.toString(), runAnswer, {
        ...options(signal),
        method: "POST",
        json: { model_name: request.model, inputs: inputsFor(request, config) },
      });
      if (answer.error) throw new ProviderError("transient", "submit_failed", `FASHN could not start the prediction: ${redact(answer.error)}`);
      return { state: "queued", providerJobId: answer.id };
    },

    async status(providerJobId, _model, signal): Promise<StatusReport> {
      const body = await providerRequest(`${base}/v1/status/${encodeURIComponent(providerJobId)}`, fashnStatusBody, options(signal));
      if (body.id !== providerJobId) {
        throw new ProviderError("transient", "malformed_response", "FASHN answered about another prediction.");
      }
      switch (body.status) {
        case "starting":
        case "in_queue":
          return { state: "queued", providerJobId };
        case "processing":
          return { state: "running", providerJobId };
        case "completed":
          if (!body.output?.length) throw new ProviderError("transient", "malformed_response", "FASHN completed the prediction without an output.");
          return { state: "succeeded", providerJobId, output: { kind: "urls", urls: body.output } };
        case "failed":
          return { state: "failed", providerJobId, error: fashnRuntimeError(body.error) };
        case "time_out":
          return { state: "failed", providerJobId, error: new ProviderError("transient", "provider_timeout", "FASHN timed the prediction out.") };
        case "canceled":
          return { state: "canceled", providerJobId, error: new ProviderError("permanent", "canceled", "The FASHN prediction was canceled.") };
      }
    },
  };
}
