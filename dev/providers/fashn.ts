import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { HttpError, send } from "../shopify/http/util";
import { startStandIn, type Scenario, type StandIn, type StandInContext, type StandInOptions } from "./common";

// An offline FASHN: POST /v1/run and GET /v1/status/{id} as docs.fashn.ai describes them
// (Bearer key, {model_name, inputs}, states starting → in_queue → processing → completed
// or failed with a named runtime error, {error, message} bodies for API-level refusals),
// and the status body POSTed to ?webhook_url= when the prediction ends.

const image = z.string().refine((s) => /^data:image\/[a-z+.-]+;base64,/i.test(s) || /^https?:\/\//.test(s) || /^saved:/.test(s), {
  message: "must be an image URL or a base64 data URI with its data:image/...;base64, prefix",
});
const aspect = z.enum(["1:1", "2:3", "3:4", "4:5", "5:4", "4:3", "3:2", "16:9", "9:16"]);
const seed = z.number().int().min(0).max(2 ** 32 - 1);
const common = { seed: seed.optional(), output_format: z.enum(["png", "jpeg"]).optional(), return_base64: z.boolean().optional() };

const MODEL_INPUTS = {
  "product-to-model": z
    .strictObject({
      product_image: image,
      model_image: image.optional(),
      image_prompt: image.optional(),
      prompt: z.string().max(2000).optional(),
      aspect_ratio: aspect.optional(),
      resolution: z.enum(["1k", "2k", "4k"]).optional(),
      generation_mode: z.enum(["fast", "balanced", "quality"]).optional(),
      num_images: z.number().int().min(1).max(4).optional(),
      ...common,
    })
    .refine((i) => !(i.model_image && i.image_prompt), { message: "model_image and image_prompt are mutually exclusive" }),
  "tryon-v1.6": z.strictObject({
    model_image: image,
    garment_image: image,
    category: z.enum(["auto", "tops", "bottoms", "one-pieces"]).optional(),
    garment_photo_type: z.enum(["auto", "flat-lay", "model"]).optional(),
    mode: z.enum(["performance", "balanced", "quality"]).optional(),
    moderation_level: z.enum(["conservative", "permissive", "none"]).optional(),
    num_samples: z.number().int().min(1).max(4).optional(),
    segmentation_free: z.boolean().optional(),
    ...common,
  }),
  "tryon-max": z.strictObject({
    model_image: image,
    product_image: image,
    prompt: z.string().max(2000).optional(),
    aspect_ratio: aspect.optional(),
    resolution: z.enum(["1k", "2k", "4k"]).optional(),
    generation_mode: z.enum(["balanced", "quality"]).optional(),
    num_images: z.number().int().min(1).max(4).optional(),
    ...common,
  }),
} as const;
type ModelName = keyof typeof MODEL_INPUTS;

const runBody = z.strictObject({ model_name: z.enum(Object.keys(MODEL_INPUTS) as [ModelName, ...ModelName[]]), inputs: z.record(z.string(), z.unknown()) });

/** The runtime error FASHN reports for each failing scenario. */
const RUNTIME_FAILURES: Partial<Record<Scenario, { name: string; message: string }>> = {
  content_refused: { name: "ContentModerationError", message: "Prohibited content detected in product image" },
  bad_input: { name: "ImageLoadError", message: "Error loading product image: cannot identify image file" },
  provider_error: { name: "PipelineError", message: "An unexpected error occurred in the pipeline" },
};

interface Prediction {
  id: string;
  scenario: Scenario;
  createdAt: number;
  /** Set when the work is over: the output URL, or the runtime error. */
  result?: { output: string } | { error: { name: string; message: string } };
  done: Promise<void>;
}

function refuse(status: number, error: string, message: string): never {
  throw new HttpError(status, { error, message });
}

/** Where a prediction stands `elapsed` ms after submission: the documented states in order. */
function phase(p: Prediction, elapsed: number, latencyMs: number): "starting" | "in_queue" | "processing" | "done" {
  if (elapsed < latencyMs * 0.25) return "starting";
  if (elapsed < latencyMs * 0.5 || p.scenario === "stuck") return "in_queue";
  return elapsed < latencyMs || !p.result ? "processing" : "done";
}

function statusBody(p: Prediction, elapsed: number, latencyMs: number) {
  const state = phase(p, elapsed, latencyMs);
  if (state !== "done" || !p.result) return { id: p.id, status: state, output: null, error: null };
  return "output" in p.result
    ? { id: p.id, status: "completed", output: [p.result.output], error: null }
    : { id: p.id, status: "failed", output: null, error: p.result.error };
}

/** FASHN retries a failed delivery up to 5 times within minutes; this does it within a second or two. */
async function deliver(url: string, body: unknown): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    }).catch((error: unknown) => error as Error);
    if (res instanceof Response && res.ok) return;
    if (attempt >= 5) throw new Error(`webhook not accepted: ${res instanceof Response ? res.status : res.message}`);
    await new Promise((resolve) => setTimeout(resolve, 100 * (attempt + 1)));
  }
}

function checkAuth(req: IncomingMessage, apiKey: string): void {
  if (req.headers.authorization !== `Bearer ${apiKey}`) refuse(401, "UnauthorizedAccess", "Unauthorized: Invalid token");
}

function submitFailure(res: ServerResponse, scenario: Scenario): boolean {
  switch (scenario) {
    case "rate_limited":
      send(res, 429, { error: "RateLimitExceeded", message: "Rate limit exceeded. Please slow down." }, { "Retry-After": "1" });
      return true;
    case "out_of_credits":
      send(res, 429, { error: "OutOfCredits", message: "You have run out of API credits." });
      return true;
    case "unauthorized":
      send(res, 401, { error: "UnauthorizedAccess", message: "Unauthorized: Invalid token" });
      return true;
    case "server_error":
      send(res, 500, { error: "InternalServerError", message: "An internal server error occurred." });
      return true;
    case "malformed":
      send(res, 200, { prediction: { uuid: randomUUID() }, ok: true });
      return true;
    case "hang":
      return true; // never answered; the client's timeout has to end it
    default:
      return false;
  }
}

async function work(p: Prediction, inputs: Record<string, unknown>, ctx: StandInContext): Promise<void> {
  const failure = RUNTIME_FAILURES[p.scenario];
  if (failure) {
    p.result = { error: failure };
    return;
  }
  const ref = String(inputs.product_image ?? inputs.garment_image);
  let input: Buffer;
  try {
    input = await ctx.loadInput(ref);
  } catch {
    p.result = { error: { name: "ImageLoadError", message: "Error loading product image: cannot fetch or decode the image" } };
    return;
  }
  try {
    p.result = { output: await ctx.publishOutput(input, p.scenario, typeof inputs.seed === "number" ? inputs.seed : 42) };
  } catch {
    p.result = { error: { name: "ImageLoadError", message: "Error loading product image: cannot identify image file" } };
  }
}

/** Starts an offline FASHN that accepts `apiKey`. */
export async function startFashnStandIn(options: StandInOptions & { apiKey: string }): Promise<StandIn> {
  const predictions = new Map<string, Prediction>();

  return startStandIn(
    "fashn",
    async (req, res, body, ctx) => {
      const url = new URL(req.url ?? "/", "http://stand-in");
      if (url.pathname === "/v1/run" && req.method === "POST") {
        checkAuth(req, options.apiKey);
        const run = runBody.safeParse(body);
        if (!run.success) refuse(400, "BadRequest", `Invalid request body: ${z.prettifyError(run.error)}`);
        const inputs = MODEL_INPUTS[run.data.model_name].safeParse(run.data.inputs);
        if (!inputs.success) refuse(400, "BadRequest", `Invalid inputs for ${run.data.model_name}: ${z.prettifyError(inputs.error)}`);
        const webhook = url.searchParams.get("webhook_url");
        if (webhook !== null && !/^https?:\/\/[^\s]+$/.test(webhook)) refuse(400, "BadRequest", "webhook_url must be an http(s) URL");

        const scenario = ctx.nextScenario();
        if (submitFailure(res, scenario)) return true;

        const p: Prediction = { id: `${randomUUID()}-u1`, scenario, createdAt: Date.now(), done: Promise.resolve() };
        p.done = work(p, run.data.inputs, ctx);
        predictions.set(p.id, p);
        if (webhook && scenario !== "no_webhook" && scenario !== "stuck") {
          ctx.deliverLater(ctx.latencyMs, async () => {
            await p.done;
            await deliver(webhook, statusBody(p, Math.max(Date.now() - p.createdAt, ctx.latencyMs), ctx.latencyMs));
          }, scenario);
        }
        send(res, 200, { id: p.id, error: null });
        return true;
      }

      const status = /^\/v1\/status\/([^/]+)$/.exec(url.pathname);
      if (status && req.method === "GET") {
        checkAuth(req, options.apiKey);
        const p = predictions.get(decodeURIComponent(status[1]!));
        if (!p) refuse(404, "NotFound", "Prediction not found or no longer tracked.");
        send(res, 200, statusBody(p, Date.now() - p.createdAt, ctx.latencyMs));
        return true;
      }

      if (url.pathname.startsWith("/v1/")) refuse(404, "NotFound", `No route ${req.method} ${url.pathname}`);
      return false;
    },
    options,
  );
}
