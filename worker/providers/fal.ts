import { z } from "zod";
import { dataUri, providerRequest, type ProviderHttpOptions } from "./http-client";
import { ProviderError, type GenerationRequest, type Provider, type StatusReport, type Submission } from "./provider";

// fal's queue API (docs.fal.ai/model-apis/model-endpoints/queue): POST the model's input
// to queue.fal.run/{endpoint id}, then read /requests/{id}/status until COMPLETED and
// fetch /requests/{id} for the output. A COMPLETED request is not necessarily a success:
// fal reports failures only when the result is fetched, as an error status with a
// `detail` body (model errors: a typed array; platform errors: a string + error_type).

export interface FalConfig {
  apiKey: string;
  /** Default https://queue.fal.run; the stand-in's URL in development. */
  queueUrl?: string;
  timeoutMs?: number;
}

const PROVIDER = "fal";
const DEFAULT_QUEUE_URL = "https://queue.fal.run";

/** Our routing names for fal endpoints, so the routing table can stay provider-neutral. */
const ALIASES: Record<string, string> = { "product-to-model": "fal-ai/flux-pro/kontext" };

const KONTEXT_ASPECTS = new Set(["21:9", "16:9", "4:3", "3:2", "1:1", "2:3", "3:4", "9:16", "9:21"]);

const MODEL_WORDS: Record<string, string> = {
  fashion_model_v1_petite: "a petite fashion model",
  fashion_model_v1_curve: "a curvy fashion model",
  fashion_model_v1_masc: "a male fashion model",
  fashion_model_v1_masc_tall: "a tall male fashion model",
  fashion_model_v1_neutral: "an androgynous fashion model",
  dress_form: "a tailor's dress form",
};
const POSE_WORDS: Record<string, string> = {
  walking: "walking towards the camera",
  seated: "seated",
  three_quarter: "turned three-quarters to the camera",
  back_view: "seen from the back",
};
const SCENE_WORDS: Record<string, string> = {
  street: "on a city street",
  beach: "on a beach",
  loft: "in a bright loft",
  nature: "outdoors in nature",
};

/** The instruction image-editing models get: the garment must survive unchanged. */
export function falPrompt(req: GenerationRequest): string {
  const custom = req.prompt?.trim();
  const fidelity = "Keep the garment exactly as in the photo: same colour, pattern, fabric, logos and details.";
  if (custom) return `${custom} ${fidelity}`;
  const who = MODEL_WORDS[req.modelPreset] ?? "a fashion model";
  const pose = POSE_WORDS[req.posePreset] ?? "standing, facing the camera";
  const scene = SCENE_WORDS[req.scenePreset] ?? "in a plain photo studio";
  return `A realistic e-commerce photo of this garment worn by ${who}, ${pose}, ${scene}. ${fidelity}`;
}

function kontextInput(req: GenerationRequest, image: string): Record<string, unknown> {
  return {
    prompt: falPrompt(req),
    image_url: image,
    ...(Number.isSafeInteger(req.seed) && req.seed >= 0 ? { seed: req.seed } : {}),
    // 4:5 is the common product-page ratio Kontext lacks; 3:4 is its nearest.
    aspect_ratio: KONTEXT_ASPECTS.has(req.aspectRatio) ? req.aspectRatio : "3:4",
    num_images: 1,
    output_format: "jpeg",
  };
}

/** The fal endpoints this adapter can drive, each with how our request becomes its input. */
export const FAL_MODELS: Record<string, { input(req: GenerationRequest, image: string): Record<string, unknown> }> = {
  "fal-ai/flux-pro/kontext": { input: kontextInput },
  "fal-ai/flux-pro/kontext/max": { input: kontextInput },
  "fal-ai/nano-banana/edit": {
    input: (req, image) => ({ prompt: falPrompt(req), image_urls: [image], num_images: 1, output_format: "jpeg" }),
  },
};

const NAMESPACES = new Set(["workflows", "comfy"]);

/** The fal endpoint id for a routing model name; unknown names are a configuration error. */
function endpointFor(model: string): string {
  const endpoint = ALIASES[model] ?? model;
  if (!Object.hasOwn(FAL_MODELS, endpoint)) {
    // An operator has to fix the routing table; merchants' jobs should wait, not fail.
    throw new ProviderError("account", "unsupported_model", `The fal adapter has no input mapping for model "${model.slice(0, 80)}".`);
  }
  return endpoint;
}

/** Status, result and cancel live under owner/app, without the endpoint's subpath. */
export function falAppId(endpoint: string): string {
  const parts = endpoint.split("/");
  return parts.slice(0, NAMESPACES.has(parts[0]!) ? 3 : 2).join("/");
}

const REQUEST_ID = /^[A-Za-z0-9-]{1,128}$/;

const submitAnswer = z.object({ request_id: z.string().regex(REQUEST_ID) });
const statusAnswer = z.object({
  status: z.enum(["IN_QUEUE", "IN_PROGRESS", "COMPLETED"]),
  queue_position: z.number().nullish(),
});
const resultAnswer = z.object({
  images: z.array(
    z.object({
      url: z.string().regex(/^https?:\/\//i),
      content_type: z.string().nullish(),
      width: z.number().nullish(),
      height: z.number().nullish(),
    }),
  ),
  has_nsfw_concepts: z.array(z.boolean()).nullish(),
});
const cancelAnswer = z.object({ status: z.string().optional() });

const modelErrorBody = z.object({ detail: z.array(z.object({ type: z.string() })).min(1) });
const requestErrorBody = z.object({ detail: z.string(), error_type: z.string().nullish() });
const cancelErrorBody = z.object({ status: z.string() });

/** A definite outcome of fal's request (as opposed to our call failing): the job is settled. */
class FalOutcome extends ProviderError {}

function accountError(status: number, body: unknown): ProviderError | undefined {
  if (status !== 401 && status !== 403) return undefined;
  const detail = requestErrorBody.safeParse(body);
  if (detail.success && /exhausted balance/i.test(detail.data.detail)) {
    return new ProviderError("account", "out_of_credits", "The fal account is out of credits.");
  }
  if (detail.success && /user is locked/i.test(detail.data.detail)) {
    return new ProviderError("account", "account_locked", "The fal account is locked.");
  }
  return new ProviderError("account", "unauthorized", "fal refused the API key.");
}

/** Reads a failed result: fal's error bodies say what went wrong with the request itself. */
function resultError(status: number, body: unknown): ProviderError | undefined {
  const account = accountError(status, body);
  if (account || status === 429) return account;
  const model = modelErrorBody.safeParse(body);
  if (model.success) {
    const types = model.data.detail.map((d) => d.type);
    if (types.includes("content_policy_violation")) {
      return new FalOutcome("permanent", "content_refused", "fal's content checker refused the image or prompt.");
    }
    if (status >= 500) return new FalOutcome("transient", "provider_error", `fal's model failed (${status}).`);
    return new FalOutcome("permanent", "bad_input", "fal's model could not use the input image or request.");
  }
  const request = requestErrorBody.safeParse(body);
  if (request.success) {
    const type = request.data.error_type ?? "";
    if (type === "client_cancelled") return new FalOutcome("permanent", "canceled", "The fal request was cancelled.");
    const code = /^[a-z_]{1,40}$/.test(type) ? type : `http_${status}`;
    if (status >= 500 || status === 408) return new FalOutcome("transient", code, `fal could not run the request (${status}).`);
    if (status === 404) return new FalOutcome("permanent", "not_found", "fal no longer knows this request.");
    return new FalOutcome("permanent", code, `fal refused the request (${status}).`);
  }
  return undefined;
}

function failed(providerJobId: string, error: ProviderError): StatusReport {
  return { state: error.code === "canceled" ? "canceled" : "failed", providerJobId, error };
}

/** fal's queue API as a Provider. */
export function falProvider(config: FalConfig): Provider {
  const queue = (config.queueUrl ?? DEFAULT_QUEUE_URL).replace(/\/+$/, "");
  const headers = { authorization: `Key ${config.apiKey}` };
  const call = <S extends z.ZodType>(url: string, schema: S, signal: AbortSignal, extra: Partial<ProviderHttpOptions> = {}) =>
    providerRequest(url, schema, { provider: PROVIDER, headers, signal, timeoutMs: config.timeoutMs, ...extra });

  function requestUrl(providerJobId: string, model: string): string {
    if (!REQUEST_ID.test(providerJobId)) throw new ProviderError("permanent", "invalid_job_id", "Not a fal request id.");
    return `${queue}/${falAppId(endpointFor(model))}/requests/${providerJobId}`;
  }

  return {
    name: "fal",
    label: "fal",

    async submit(req: GenerationRequest, signal: AbortSignal): Promise<Submission> {
      const endpoint = endpointFor(req.model);
      const url = new URL(`${queue}/${endpoint}`);
      if (req.webhookUrl) url.searchParams.set("fal_webhook", req.webhookUrl);
      const input = FAL_MODELS[endpoint]!.input(req, dataUri(req.input, req.inputMimeType));
      const answer = await call(url.toString(), submitAnswer, signal, {
        method: "POST",
        json: input,
        classify: (status, body) => {
          if (status === 404) return new ProviderError("account", "unknown_endpoint", "fal does not know the configured model endpoint.");
          // 5xx and 429 keep the default mapping, which carries Retry-After.
          return accountError(status, body) ?? (status >= 500 || status === 429 ? undefined : resultError(status, body));
        },
      });
      return { state: "queued", providerJobId: answer.request_id };
    },

    async status(providerJobId: string, model: string, signal: AbortSignal): Promise<StatusReport> {
      const base = requestUrl(providerJobId, model);
      let status: z.infer<typeof statusAnswer>;
      try {
        status = await call(`${base}/status`, statusAnswer, signal, {
          classify: (code, body) =>
            accountError(code, body) ?? (code === 404 ? new FalOutcome("permanent", "not_found", "fal no longer knows this request.") : undefined),
        });
      } catch (error) {
        if (error instanceof FalOutcome) return failed(providerJobId, error);
        throw error;
      }
      if (status.status === "IN_QUEUE") return { state: "queued", providerJobId };
      if (status.status === "IN_PROGRESS") return { state: "running", providerJobId };

      let result: z.infer<typeof resultAnswer>;
      try {
        result = await call(base, resultAnswer, signal, { classify: resultError });
      } catch (error) {
        if (error instanceof FalOutcome) return failed(providerJobId, error);
        throw error;
      }
      // Kontext flags (and blanks) unsafe images rather than refusing the request.
      const flags = result.has_nsfw_concepts ?? [];
      const urls = result.images.filter((_, i) => flags[i] !== true).map((image) => image.url);
      if (urls.length > 0) return { state: "succeeded", providerJobId, output: { kind: "urls", urls } };
      if (result.images.length > 0) {
        return failed(providerJobId, new ProviderError("permanent", "content_refused", "fal flagged every generated image as unsafe."));
      }
      return failed(providerJobId, new ProviderError("transient", "no_output", "fal finished the request without an image."));
    },

    async cancel(providerJobId: string, model: string, signal: AbortSignal): Promise<void> {
      try {
        await call(`${requestUrl(providerJobId, model)}/cancel`, cancelAnswer, signal, {
          method: "PUT",
          classify: (status, body) => {
            const account = accountError(status, body);
            if (account) return account;
            // Finished or unknown requests need no cancelling: best effort is done.
            const answer = cancelErrorBody.safeParse(body);
            if (status === 404 || (answer.success && answer.data.status === "ALREADY_COMPLETED")) {
              return new FalOutcome("permanent", "nothing_to_cancel", "The fal request is no longer running.");
            }
            return undefined;
          },
        });
      } catch (error) {
        if (error instanceof FalOutcome) return;
        throw error;
      }
    },
  };
}
