import { z } from "zod";
import { MODEL_PRESETS, POSE_PRESETS, SCENE_PRESETS } from "../../app/lib/presets";
import { dataUri, providerRequest, type ProviderHttpOptions } from "./http-client";
import { ProviderError, type GenerationRequest, type Provider, type StatusReport, type Submission } from "./provider";

// Replicate (https://replicate.com/docs/reference/http). Official models run by name at
// POST /v1/models/{owner}/{name}/predictions; community models only by version at
// POST /v1/predictions {version}, so routes name them `owner/name:version`. Predictions
// are polled at GET /v1/predictions/{id} and stopped at POST /v1/predictions/{id}/cancel.
// A webhook (asked for with `webhook` + `webhook_events_filter`) carries the prediction
// object and is signed the Standard Webhooks way (see replicate-webhook.server.ts).
// Replicate deletes inputs and outputs about an hour after a prediction completes: the
// pipeline copies the output the moment it sees `succeeded`.

export interface ReplicateConfig {
  apiToken: string;
  /** Default https://api.replicate.com. */
  baseUrl?: string;
  timeoutMs?: number;
  /**
   * Sync mode (`Prefer: wait=N`, 1–60 s): create holds the request open and answers
   * `succeeded` when the model finishes in time, otherwise the still-running prediction.
   */
  preferWaitSeconds?: number;
  /** Public photos of a person per model preset, for the try-on models (they dress an existing person). */
  modelImages?: Partial<Record<string, string>>;
}

const REPLICATE = "Replicate";
const DEFAULT_TIMEOUT_MS = 30_000;

/** `aborted` is what a Cancel-After deadline leaves when it passes before the model started. */
const predictionStatus = z.enum(["starting", "processing", "succeeded", "failed", "canceled", "aborted"]);

export const replicatePrediction = z.object({
  id: z.string().min(1),
  status: predictionStatus,
  output: z.unknown().optional(),
  error: z.unknown().optional(),
  data_removed: z.boolean().optional(),
});
export type ReplicatePrediction = z.infer<typeof replicatePrediction>;

/** Replicate's API errors are RFC 7807 problem details. */
const problem = z.object({ title: z.string().optional(), detail: z.string().optional() });

/** Replicate's texts can quote inputs (data: URIs, signed URLs): keep the words, drop the addresses. */
function redact(text: string): string {
  const clean = text
    .replace(/data:[^\s"']+/gi, "[data]")
    .replace(/\bhttps?:\/\/[^\s"']+/gi, "[url]")
    .replace(/\s+/g, " ")
    .trim();
  return clean.length > 200 ? `${clean.slice(0, 200)}…` : clean;
}

function classify(status: number, body: unknown): ProviderError | undefined {
  const p = problem.safeParse(body).data;
  const said = redact([p?.title, p?.detail].filter(Boolean).join(": "));
  if (status === 401 || status === 403) return new ProviderError("account", "unauthorized", "Replicate refused the API token.");
  if (status === 402) return new ProviderError("account", "out_of_credits", "The Replicate account has insufficient credit.");
  // Input validation, and also an unknown or forbidden model version: neither gets better by retrying.
  if (status === 422) return new ProviderError("permanent", "invalid_input", `Replicate refused the prediction${said ? `: ${said}` : "."}`);
  // 429 and 5xx keep the shared mapping, which carries Retry-After.
  return undefined;
}

// How a failed prediction's `error` string is read. Replicate passes on whatever the model
// raised, so this is wording, not a contract: safety-filter refusals and unreadable or
// invalid inputs are permanent (the same input fails again), anything else — E1000
// unknown, E6716 start timeout, out of memory, "interrupted, please retry" — is transient
// and the pipeline's bounded retries decide.
const CONTENT_REFUSED = /nsfw|not safe for work|flagged as sensitive|sensitive content|safety (checker|filter|check)|content (policy|moderation|filter)|moderation|inappropriate/i;
const INVALID_INPUT =
  /invalid input|input validation|validation error|cannot identify image|unidentifiedimageerror|unsupported (image|file|format)|could not (read|decode|open|load) (the )?(input|image)|not a valid image/i;

export function failureError(error: unknown): ProviderError {
  const text = typeof error === "string" ? error : error == null ? "" : JSON.stringify(error);
  const said = redact(text);
  const suffix = said ? `: ${said}` : ".";
  if (CONTENT_REFUSED.test(text)) return new ProviderError("permanent", "content_refused", `Replicate's safety filter refused the images${suffix}`);
  if (INVALID_INPUT.test(text)) return new ProviderError("permanent", "invalid_input", `The model could not use the product photo${suffix}`);
  return new ProviderError("transient", "prediction_failed", `The Replicate prediction failed${suffix}`);
}

/** `output` is whatever the model returns: one URL, a list, or an object of them. */
export function outputUrls(output: unknown, depth = 0): string[] {
  if (typeof output === "string") return /^https?:\/\//i.test(output) ? [output] : [];
  if (output === null || typeof output !== "object" || depth > 4) return [];
  const values = Array.isArray(output) ? output : Object.values(output);
  return [...new Set(values.flatMap((v) => outputUrls(v, depth + 1)))];
}

export interface ModelRef {
  owner: string;
  name: string;
  version?: string;
}

const MODEL_REF = /^([a-z0-9][a-z0-9._-]*)\/([a-z0-9][a-z0-9._-]*)(?::([0-9a-f]{64}))?$/i;

export function parseModelRef(model: string): ModelRef | undefined {
  const m = MODEL_REF.exec(model);
  if (!m) return undefined;
  return { owner: m[1]!, name: m[2]!, ...(m[3] ? { version: m[3].toLowerCase() } : {}) };
}

/** Cog seeds are usually numpy's, which want 0..2^32-1; ours map into 0..2^31-1 to suit int32 inputs too. */
function seed(value: number): number | undefined {
  return Number.isSafeInteger(value) ? (value >>> 0) & 0x7fffffff : undefined;
}

function preset<T extends { id: string; label: string }>(list: readonly T[], id: string): T | undefined {
  return list.find((p) => p.id === id);
}

/** The instruction for an image-editing model: dress a person in the product photo's garment. */
export function editPrompt(request: GenerationRequest): string {
  const model = preset(MODEL_PRESETS, request.modelPreset);
  const wearer =
    !model || model.gender === "none"
      ? "displayed on a dress form, no person"
      : `worn by a ${model.gender} fashion model, age ${model.age.replace("–", "-")}, ${model.skinTone} skin tone, ${model.bodyType} build`;
  const pose = preset(POSE_PRESETS, request.posePreset)?.label.toLowerCase();
  const scene = preset(SCENE_PRESETS, request.scenePreset)?.label.toLowerCase();
  return [
    `Photograph of this exact garment ${wearer}`,
    pose && `${pose} pose`,
    scene && `${scene} setting`,
    "keep the garment's colour, pattern and details unchanged",
    request.prompt,
  ]
    .filter(Boolean)
    .join(", ");
}

const KONTEXT_ASPECTS = new Set(["1:1", "16:9", "9:16", "4:3", "3:4", "3:2", "2:3", "4:5", "5:4", "21:9", "9:21", "2:1", "1:2"]);

function personPhoto(request: GenerationRequest, config: ReplicateConfig): string {
  const photo = config.modelImages?.[request.modelPreset];
  if (!photo) {
    throw new ProviderError("permanent", "model_image_missing", `No Replicate model photo is configured for the "${request.modelPreset}" preset.`);
  }
  return photo;
}

type InputBuilder = (request: GenerationRequest, image: string, config: ReplicateConfig) => Record<string, unknown>;

/** Each model has its own input schema; these are the ones in the model catalogue. */
const INPUTS: { matches: (ref: ModelRef) => boolean; build: InputBuilder }[] = [
  {
    // black-forest-labs/flux-kontext-pro, -max: instruction-driven image editing.
    matches: (r) => r.owner === "black-forest-labs" && r.name.startsWith("flux-kontext-"),
    build: (request, image) => ({
      prompt: editPrompt(request),
      input_image: image,
      aspect_ratio: KONTEXT_ASPECTS.has(request.aspectRatio) ? request.aspectRatio : "match_input_image",
      output_format: "jpg",
      seed: seed(request.seed),
    }),
  },
  {
    // IDM-VTON dresses a person photo; the garment category is not known here, tops are the common case.
    matches: (r) => r.owner === "cuuupid" && r.name === "idm-vton",
    build: (request, image, config) => ({
      garm_img: image,
      human_img: personPhoto(request, config),
      garment_des: request.prompt ?? "",
      category: "upper_body",
      seed: seed(request.seed),
    }),
  },
  {
    matches: (r) => r.owner === "viktorfa" && r.name === "oot_diffusion",
    build: (request, image, config) => ({ model_image: personPhoto(request, config), garment_image: image, seed: seed(request.seed) }),
  },
];

function clampWait(seconds: number | undefined): number | undefined {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds <= 0) return undefined;
  return Math.min(60, Math.max(1, Math.round(seconds)));
}

/** Where a prediction stands, as the pipeline sees it. */
export function reportPrediction(p: ReplicatePrediction): StatusReport {
  const providerJobId = p.id;
  switch (p.status) {
    case "starting":
      return { state: "queued", providerJobId };
    case "processing":
      // In sync mode file outputs can appear before the status turns; only `succeeded` is final.
      return { state: "running", providerJobId };
    case "succeeded": {
      const urls = outputUrls(p.output);
      if (urls.length > 0) return { state: "succeeded", providerJobId, output: { kind: "urls", urls } };
      const error = p.data_removed
        ? new ProviderError("transient", "output_expired", "Replicate already deleted this prediction's output.")
        : new ProviderError("transient", "no_output", "The Replicate prediction succeeded without an image URL.");
      return { state: "failed", providerJobId, error };
    }
    case "failed":
      return { state: "failed", providerJobId, error: failureError(p.error) };
    case "canceled":
      return { state: "canceled", providerJobId, error: new ProviderError("permanent", "canceled", "The Replicate prediction was canceled.") };
    case "aborted":
      return { state: "canceled", providerJobId, error: new ProviderError("transient", "aborted", "Replicate aborted the prediction before it started.") };
  }
}

export function replicateProvider(config: ReplicateConfig): Provider {
  const base = (config.baseUrl ?? "https://api.replicate.com").replace(/\/+$/, "");
  const wait = clampWait(config.preferWaitSeconds);
  const options = (signal: AbortSignal, extra: Partial<ProviderHttpOptions> = {}): ProviderHttpOptions => ({
    provider: REPLICATE,
    signal,
    timeoutMs: config.timeoutMs,
    classify,
    ...extra,
    headers: { authorization: `Bearer ${config.apiToken}`, ...extra.headers },
  });
  // Always our own base URL, never the prediction's `urls.get`: the token must not follow an address from an answer.
  const predictionUrl = (id: string) => `${base}/v1/predictions/${encodeURIComponent(id)}`;

  return {
    name: "replicate",
    label: "Replicate",

    async submit(request, signal): Promise<Submission> {
      const ref = parseModelRef(request.model);
      const inputs = ref && INPUTS.find((i) => i.matches(ref));
      if (!ref || !inputs) {
        throw new ProviderError("account", "unsupported_model", `The Replicate adapter does not support the model "${redact(request.model).slice(0, 80)}".`);
      }
      const body = {
        ...(ref.version ? { version: ref.version } : {}),
        input: inputs.build(request, dataUri(request.input, request.inputMimeType), config),
        ...(request.webhookUrl ? { webhook: request.webhookUrl, webhook_events_filter: ["completed"] } : {}),
      };
      const url = ref.version
        ? `${base}/v1/predictions`
        : `${base}/v1/models/${encodeURIComponent(ref.owner)}/${encodeURIComponent(ref.name)}/predictions`;
      const created = await providerRequest(
        url,
        replicatePrediction,
        options(signal, {
          method: "POST",
          json: body,
          // Sync mode holds the answer back by up to `wait` seconds on top of the usual round trip.
          ...(wait ? { headers: { prefer: `wait=${wait}` }, timeoutMs: (config.timeoutMs ?? DEFAULT_TIMEOUT_MS) + wait * 1000 } : {}),
        }),
      );
      const report = reportPrediction(created);
      if ("error" in report) throw report.error;
      return report;
    },

    async status(providerJobId, _model, signal): Promise<StatusReport> {
      const p = await providerRequest(predictionUrl(providerJobId), replicatePrediction, options(signal));
      if (p.id !== providerJobId) throw new ProviderError("transient", "malformed_response", "Replicate answered about another prediction.");
      return reportPrediction(p);
    },

    async cancel(providerJobId, _model, signal): Promise<void> {
      await providerRequest(`${predictionUrl(providerJobId)}/cancel`, replicatePrediction, options(signal, { method: "POST" }));
    },
  };
}
