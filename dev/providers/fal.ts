import { createHash, generateKeyPairSync, randomUUID, sign, type KeyObject } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import sharp from "sharp";
import { z } from "zod";
import { HttpError, send } from "../shopify/http/util";
import { startStandIn, type Scenario, type StandIn, type StandInContext, type StandInOptions } from "./common";

// An offline fal queue (docs.fal.ai/model-apis/model-endpoints/queue): requests move
// IN_QUEUE → IN_PROGRESS → COMPLETED over latencyMs; failures show only when the result
// is fetched, with fal's error bodies; webhooks are signed with Ed25519 exactly as fal
// signs them, against a JWKS this server publishes at /.well-known/jwks.json.

export interface FalStandInOptions extends StandInOptions {
  apiKey: string;
  /** The fal account id webhooks name; fixed so tests can pin it. */
  userId?: string;
}

export interface SignOptions {
  /** Unix seconds, as in X-Fal-Webhook-Timestamp; default now. */
  timestamp?: number;
  /** Default: the body's request_id. */
  requestId?: string;
  userId?: string;
  /** Another key than the published one (forgeries). */
  privateKey?: KeyObject;
}

export interface FalStandIn extends StandIn {
  jwksUrl: string;
  userId: string;
  /** The four X-Fal-Webhook-* headers for `body`, signed as fal signs them. */
  signWebhook(body: string, options?: SignOptions): Record<string, string>;
  /** Replaces the signing key; the JWKS then publishes only the new one. */
  rotateKey(): void;
}

const ASPECTS = ["21:9", "16:9", "4:3", "3:2", "1:1", "2:3", "3:4", "9:16", "9:21"] as const;
const kontext = z.strictObject({
  prompt: z.string().min(1),
  image_url: z.string().min(1),
  seed: z.number().int().optional(),
  guidance_scale: z.number().min(1).max(20).optional(),
  sync_mode: z.boolean().optional(),
  num_images: z.number().int().min(1).max(4).optional(),
  output_format: z.enum(["jpeg", "png"]).optional(),
  safety_tolerance: z.enum(["1", "2", "3", "4", "5", "6"]).optional(),
  enhance_prompt: z.boolean().optional(),
  aspect_ratio: z.enum(ASPECTS).optional(),
});
const nanoBananaEdit = z.strictObject({
  prompt: z.string().min(1),
  image_urls: z.array(z.string().min(1)).min(1),
  num_images: z.number().int().min(1).max(4).optional(),
  output_format: z.enum(["jpeg", "png", "webp"]).optional(),
  sync_mode: z.boolean().optional(),
});

/** Endpoints the stand-in runs: their input schema and where the product photo is. */
const MODELS: Record<string, { schema: z.ZodType; image: (input: Record<string, unknown>) => { field: string; ref: string } }> = {
  "fal-ai/flux-pro/kontext": { schema: kontext, image: (i) => ({ field: "image_url", ref: String(i.image_url) }) },
  "fal-ai/flux-pro/kontext/max": { schema: kontext, image: (i) => ({ field: "image_url", ref: String(i.image_url) }) },
  "fal-ai/nano-banana/edit": { schema: nanoBananaEdit, image: (i) => ({ field: "image_urls", ref: String((i.image_urls as string[])[0]) }) },
};

interface Outcome {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

interface QueuedRequest {
  id: string;
  appId: string;
  scenario: Scenario;
  createdAt: number;
  outcome?: Outcome;
  cancelled: boolean;
}

function appIdOf(endpoint: string): string {
  const parts = endpoint.split("/");
  return parts.slice(0, parts[0] === "workflows" || parts[0] === "comfy" ? 3 : 2).join("/");
}

function modelError(loc: (string | number)[], msg: string, type: string, status = 422): Outcome {
  return { status, body: { detail: [{ loc: ["body", ...loc], msg, type, url: `https://docs.fal.ai/errors/#${type}` }] } };
}

/** pydantic-style validation detail, as fal models answer a wrong input. */
function validationOutcome(error: z.ZodError, input: unknown): Outcome {
  const detail = error.issues.flatMap((issue) => {
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ loc: ["body", ...issue.path.map(String), key], msg: "Extra inputs are not permitted", type: "extra_forbidden" }));
    }
    let value: unknown = input;
    for (const part of issue.path) value = (value as Record<PropertyKey, unknown> | undefined)?.[part as PropertyKey];
    const type = value === undefined ? "missing" : issue.code === "invalid_type" ? "type_error" : "value_error";
    return [{ loc: ["body", ...issue.path.map(String)], msg: value === undefined ? "Field required" : issue.message, type }];
  });
  return { status: 422, body: { detail } };
}

async function describeImage(url: string): Promise<Record<string, unknown>> {
  const image: Record<string, unknown> = { url, content_type: "image/jpeg", file_name: url.split("/").pop() };
  const res = await fetch(url).catch(() => null);
  if (res?.ok) {
    const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
    Object.assign(image, { width: meta.width, height: meta.height });
  }
  return image;
}

export async function startFalStandIn(options: FalStandInOptions): Promise<FalStandIn> {
  const userId = options.userId ?? "standin-user";
  const requests = new Map<string, QueuedRequest>();
  let keys = generateKeyPairSync("ed25519");
  const latency = options.latencyMs ?? 300;

  function signWebhook(body: string, o: SignOptions = {}): Record<string, string> {
    const requestId = o.requestId ?? String((JSON.parse(body) as { request_id?: unknown }).request_id);
    const who = o.userId ?? userId;
    const timestamp = String(o.timestamp ?? Math.floor(Date.now() / 1000));
    const digest = createHash("sha256").update(body, "utf8").digest("hex");
    const signature = sign(null, Buffer.from(`${requestId}\n${who}\n${timestamp}\n${digest}`, "utf8"), o.privateKey ?? keys.privateKey);
    return {
      "x-fal-webhook-request-id": requestId,
      "x-fal-webhook-user-id": who,
      "x-fal-webhook-timestamp": timestamp,
      "x-fal-webhook-signature": signature.toString("hex"),
    };
  }

  function authorize(req: IncomingMessage): void {
    if (req.headers.authorization !== `Key ${options.apiKey}`) {
      throw new HttpError(401, { detail: "No user found for Key ID and Secret" });
    }
  }

  function urls(ctx: StandInContext, appId: string, id: string) {
    const base = `${ctx.url()}/${appId}/requests/${id}`;
    return { request_id: id, response_url: base, status_url: `${base}/status`, cancel_url: `${base}/cancel` };
  }

  function state(r: QueuedRequest): "IN_QUEUE" | "IN_PROGRESS" | "COMPLETED" {
    if (r.cancelled) return "COMPLETED";
    if (r.scenario === "stuck") return "IN_QUEUE";
    const elapsed = Date.now() - r.createdAt;
    if (elapsed < latency / 3) return "IN_QUEUE";
    return r.outcome && elapsed >= latency ? "COMPLETED" : "IN_PROGRESS";
  }

  /** What the runner makes of the input; fal validates only once the request runs. */
  async function run(r: QueuedRequest, endpoint: string, input: unknown, ctx: StandInContext): Promise<Outcome> {
    const model = MODELS[endpoint]!;
    const parsed = model.schema.safeParse(input);
    if (!parsed.success) return validationOutcome(parsed.error, input);
    const data = parsed.data as Record<string, unknown>;
    const image = model.image(data);
    if (r.scenario === "content_refused") {
      return modelError([image.field], "The content was flagged by a content checker.", "content_policy_violation");
    }
    if (r.scenario === "bad_input") return modelError([image.field], "Image load error", "image_load_error");
    if (r.scenario === "provider_error") {
      const type = "runner_server_error";
      return { status: 500, body: { detail: "The runner encountered an internal server error.", error_type: type }, headers: { "x-fal-error-type": type } };
    }
    let url: string;
    try {
      const bytes = await ctx.loadInput(image.ref);
      url = await ctx.publishOutput(bytes, r.scenario, typeof data.seed === "number" ? data.seed : 0);
    } catch {
      // Unreadable data URI, unreachable URL or bytes that are not a photo.
      return modelError([image.field], "Image load error", "image_load_error");
    }
    const seed = typeof data.seed === "number" ? data.seed : Math.floor(Math.random() * 2 ** 31);
    return { status: 200, body: { images: [await describeImage(url)], seed, has_nsfw_concepts: [false], prompt: data.prompt } };
  }

  function webhookBody(r: QueuedRequest, outcome: Outcome): string {
    const ok = outcome.status < 300;
    return JSON.stringify({
      request_id: r.id,
      gateway_request_id: r.id,
      status: ok ? "OK" : "ERROR",
      ...(ok ? {} : { error: `Invalid status code: ${outcome.status}` }),
      payload: outcome.body,
    });
  }

  async function submit(req: IncomingMessage, res: ServerResponse, url: URL, body: unknown, ctx: StandInContext): Promise<void> {
    authorize(req);
    const endpoint = url.pathname.slice(1);
    if (!Object.hasOwn(MODELS, endpoint)) throw new HttpError(404, { detail: `Application '${endpoint.slice(0, 100)}' not found` });
    const webhook = url.searchParams.get("fal_webhook");
    if (webhook !== null && !/^https?:\/\/[^\s]+$/i.test(webhook)) throw new HttpError(422, { detail: "fal_webhook must be an http(s) URL" });

    const scenario = ctx.nextScenario();
    switch (scenario) {
      case "hang":
        return; // never answered; the connection is closed with the server
      case "rate_limited":
        return send(res, 429, { detail: "Too many requests" }, { "Retry-After": "1" });
      case "server_error":
        return send(res, 500, { detail: "Internal Server Error" });
      case "unauthorized":
        throw new HttpError(401, { detail: "No user found for Key ID and Secret" });
      case "out_of_credits":
        throw new HttpError(403, { detail: "User is locked. Reason: Exhausted balance. Top up your balance at fal.ai/dashboard/billing." });
      case "malformed":
        return send(res, 200, { queued: true });
    }

    const r: QueuedRequest = { id: randomUUID(), appId: appIdOf(endpoint), scenario, createdAt: Date.now(), cancelled: false };
    requests.set(r.id, r);
    if (scenario !== "stuck") {
      void run(r, endpoint, body, ctx)
        .catch((error: unknown): Outcome => {
          console.error("[fal stand-in]", error);
          return { status: 500, body: { detail: "Internal error", error_type: "internal_error" } };
        })
        .then((outcome) => {
          r.outcome = outcome;
          if (webhook === null || scenario === "no_webhook" || r.cancelled) return;
          ctx.deliverLater(Math.max(0, r.createdAt + latency - Date.now()), async () => {
            if (r.cancelled) return;
            const raw = webhookBody(r, outcome);
            const answer = await fetch(webhook, {
              method: "POST",
              headers: { "content-type": "application/json", ...signWebhook(raw) },
              body: raw,
            });
            if (!answer.ok) throw new Error(`webhook answered ${answer.status}`);
          }, scenario);
        });
    }
    send(res, 200, { status: "IN_QUEUE", ...urls(ctx, r.appId, r.id), queue_position: 0 });
  }

  function find(appId: string, id: string): QueuedRequest {
    const r = requests.get(id);
    // Addressing a request with the endpoint's subpath is a client bug fal answers with 404.
    if (!r || r.appId !== appId) throw new HttpError(404, { detail: "Request not found" });
    return r;
  }

  const stand = await startStandIn(
    "fal",
    async (req, res, body, ctx) => {
      const url = new URL(req.url ?? "/", "http://stand-in");
      if (url.pathname === "/.well-known/jwks.json" && req.method === "GET") {
        const jwk = keys.publicKey.export({ format: "jwk" });
        send(res, 200, { keys: [{ ...jwk, kid: createHash("sha256").update(String(jwk.x)).digest("hex").slice(0, 16), alg: "EdDSA", use: "sig" }] });
        return true;
      }
      const route = /^\/(.+)\/requests\/([^/]+)(\/status|\/cancel)?$/.exec(url.pathname);
      if (!route) {
        if (req.method !== "POST") return false;
        await submit(req, res, url, body, ctx);
        return true;
      }
      const [, appId, id, action] = route as unknown as [string, string, string, string | undefined];
      authorize(req);
      if (action === "/status" && req.method === "GET") {
        const r = find(appId, id);
        const status = state(r);
        const logs = url.searchParams.get("logs") === "1" ? [] : null;
        send(res, status === "COMPLETED" ? 200 : 202, {
          status,
          ...urls(ctx, appId, id),
          ...(status === "IN_QUEUE" ? { queue_position: 0 } : { logs }),
          ...(status === "COMPLETED" ? { metrics: { inference_time: latency / 1000 } } : {}),
        });
        return true;
      }
      if (action === "/cancel" && req.method === "PUT") {
        const r = requests.get(id);
        if (!r || r.appId !== appId) send(res, 404, { status: "NOT_FOUND" });
        else if (state(r) === "COMPLETED") send(res, 400, { status: "ALREADY_COMPLETED" });
        else {
          r.cancelled = true;
          send(res, 202, { status: "CANCELLATION_REQUESTED" });
        }
        return true;
      }
      if (action === undefined && req.method === "GET") {
        const r = find(appId, id);
        if (state(r) !== "COMPLETED") throw new HttpError(400, { detail: "Request is still in progress" });
        if (r.cancelled) {
          send(res, 499, { detail: "Request cancelled by the client", error_type: "client_cancelled" }, { "X-Fal-Error-Type": "client_cancelled" });
          return true;
        }
        const outcome = r.outcome!;
        send(res, outcome.status, outcome.body, outcome.headers);
        return true;
      }
      return false;
    },
    options,
  );

  return {
    ...stand,
    jwksUrl: `${stand.url}/.well-known/jwks.json`,
    userId,
    signWebhook,
    rotateKey: () => {
      keys = generateKeyPairSync("ed25519");
    },
  };
}
