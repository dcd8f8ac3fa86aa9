import { createHash, createHmac, randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { HttpError, send } from "../shopify/http/util";
import { startStandIn, type Scenario, type StandIn, type StandInContext, type StandInOptions } from "./common";

// An offline Replicate: the predictions API (create by model or by version, get, cancel),
// sync mode (`Prefer: wait`), problem-details errors, a few catalogue models with their
// input schemas, outputs deleted after the TTL (`data_removed`), and `completed`
// webhooks signed the Standard Webhooks way.

export interface ReplicateStandInOptions extends StandInOptions {
  apiToken: string;
  /** `whsec_<base64>` */
  webhookSecret: string;
}

export interface ReplicateStandIn extends StandIn {
  /** The `v1,<base64>` signature Replicate would send for this id, timestamp (seconds) and body. */
  signWebhook(id: string, timestamp: number, body: string): string;
}

interface StandInModel {
  /** Official models run by name; community models only by version. */
  official: boolean;
  /** The input that carries the product photo. */
  image: string;
  required: string[];
  uris: string[];
  output: "string" | "array";
}

const MODELS: Record<string, StandInModel> = {
  "black-forest-labs/flux-kontext-pro": { official: true, image: "input_image", required: ["prompt"], uris: ["input_image"], output: "string" },
  "cuuupid/idm-vton": { official: false, image: "garm_img", required: ["garm_img", "human_img"], uris: ["garm_img", "human_img"], output: "string" },
  "viktorfa/oot_diffusion": { official: false, image: "garment_image", required: ["model_image", "garment_image"], uris: ["model_image", "garment_image"], output: "array" },
};

/** The stand-in's version id of a catalogue model (made up, stable): routes pin `owner/name:<this>`. */
export function standInVersion(model: string): string {
  return createHash("sha256").update(`replicate-stand-in:${model}`).digest("hex");
}
const VERSIONS = new Map(Object.keys(MODELS).map((m) => [standInVersion(m), m]));

type Status = "starting" | "processing" | "succeeded" | "failed" | "canceled";

interface Prediction {
  id: string;
  model: string;
  version: string;
  input: Record<string, unknown>;
  scenario: Scenario;
  webhook?: string;
  wantsCompleted: boolean;
  createdAt: number;
  status?: Extract<Status, "succeeded" | "failed" | "canceled">;
  completedAt?: number;
  output?: string | string[];
  error?: string;
  done: Promise<void>;
  finish: () => void;
}

const webhookEvent = z.enum(["start", "output", "logs", "completed"]);
const createBody = z
  .object({
    input: z.record(z.string(), z.unknown()),
    webhook: z.url().optional(),
    webhook_events_filter: z.array(webhookEvent).optional(),
    stream: z.boolean().optional(),
  })
  .strict();
const versionBody = createBody.extend({ version: z.string().min(1) }).strict();

const problem = (status: number, title: string, detail: string, extra: Record<string, unknown> = {}) =>
  new HttpError(status, { title, detail, status, ...extra });
const unauthenticated = () => problem(401, "Unauthenticated", "You did not pass a valid authentication token");
const notFound = () => problem(404, "Not found", "The requested resource could not be found.");

/** Replicate's ids: 26 lowercase base32 characters. */
function predictionId(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  return [...randomBytes(26)].map((b) => alphabet[b % 32]).join("");
}

function sign(key: Buffer, id: string, timestamp: number, body: string): string {
  return `v1,${createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64")}`;
}

/** `Prefer: wait` or `wait=N` with N in 1..60; anything else is refused. */
function preferWait(header: string | string[] | undefined): number | undefined {
  if (header === undefined) return undefined;
  const m = /^wait(?:=([1-9]|[1-5][0-9]|60))?$/.exec(String(header).trim());
  if (!m) throw problem(400, "Invalid Prefer header", "Prefer must be `wait` or `wait=N` with N between 1 and 60.");
  return m[1] ? Number(m[1]) : 60;
}

function invalidInput(field: string, description: string): HttpError {
  return problem(422, "Input validation failed", `- input.${field}: ${description}`, {
    invalid_fields: [{ type: "invalid", field: `input.${field}`, description }],
  });
}

function validateInput(model: StandInModel, input: Record<string, unknown>): void {
  for (const field of model.required) {
    if (input[field] === undefined || input[field] === "") throw invalidInput(field, `${field} is required`);
  }
  for (const field of model.uris) {
    const value = input[field];
    if (value !== undefined && (typeof value !== "string" || !/^(data:|https?:\/\/)/.test(value))) throw invalidInput(field, "Does not match format 'uri'");
  }
  if (input.seed !== undefined && !Number.isInteger(input.seed)) throw invalidInput("seed", "Invalid type. Expected: integer");
}

/** What the scenarios make the model say when it fails, in the wording Replicate passes on. */
const FAILURES: Partial<Record<Scenario, string>> = {
  content_refused: "The input or output was flagged as sensitive. Please try again with different inputs. (E005)",
  bad_input: "cannot identify image file <_io.BytesIO object at 0x7f3a2c1b5e90>",
  provider_error: "Prediction failed for an unknown reason. Please retry. (E1000)",
};

export async function startReplicateStandIn(options: ReplicateStandInOptions): Promise<ReplicateStandIn> {
  const key = Buffer.from(options.webhookSecret.replace(/^whsec_/, ""), "base64");
  const outputTtl = options.outputTtlMs ?? 60 * 60_000;
  const predictions = new Map<string, Prediction>();

  function view(p: Prediction, ctx: StandInContext) {
    const elapsed = Date.now() - p.createdAt;
    const running = p.scenario !== "stuck" && elapsed >= ctx.latencyMs / 3;
    const status: Status = p.status ?? (running ? "processing" : "starting");
    const removed = p.completedAt !== undefined && Date.now() > p.completedAt + outputTtl;
    const iso = (t: number | undefined) => (t === undefined ? null : new Date(t).toISOString());
    const url = `${ctx.url()}/v1/predictions/${p.id}`;
    return {
      id: p.id,
      model: p.model,
      version: p.version,
      input: removed ? {} : p.input,
      logs: "",
      output: removed ? null : (p.output ?? null),
      data_removed: removed,
      error: p.error ?? null,
      status,
      created_at: iso(p.createdAt),
      started_at: running ? iso(p.createdAt + Math.round(ctx.latencyMs / 3)) : null,
      completed_at: iso(p.completedAt),
      urls: { get: url, cancel: `${url}/cancel`, web: `https://replicate.com/p/${p.id}` },
      metrics: p.completedAt ? { predict_time: (p.completedAt - p.createdAt) / 1000 } : {},
    };
  }

  async function sendWebhook(p: Prediction, ctx: StandInContext): Promise<void> {
    if (!p.webhook || !p.wantsCompleted || p.scenario === "no_webhook") return;
    const body = JSON.stringify(view(p, ctx));
    const id = `msg_${randomBytes(18).toString("base64url")}`;
    const timestamp = Math.floor(Date.now() / 1000);
    await fetch(p.webhook, {
      method: "POST",
      headers: { "content-type": "application/json", "webhook-id": id, "webhook-timestamp": String(timestamp), "webhook-signature": sign(key, id, timestamp, body) },
      body,
      redirect: "manual",
    });
  }

  function settle(p: Prediction, ctx: StandInContext, outcome: Pick<Prediction, "status" | "output" | "error">): void {
    if (p.status) return;
    Object.assign(p, outcome, { completedAt: Date.now() });
    p.finish();
    ctx.deliverLater(0, () => sendWebhook(p, ctx), p.scenario);
  }

  async function run(p: Prediction, ctx: StandInContext): Promise<void> {
    if (p.status) return;
    const failure = FAILURES[p.scenario];
    if (failure) return settle(p, ctx, { status: "failed", error: failure });
    const model = MODELS[p.model]!;
    try {
      const input = await ctx.loadInput(String(p.input[model.image]));
      const url = await ctx.publishOutput(input, p.scenario, Number(p.input.seed ?? 0));
      settle(p, ctx, { status: "succeeded", output: model.output === "array" ? [url] : url });
    } catch {
      // An undecodable photo fails inside the model, as PIL words it.
      settle(p, ctx, { status: "failed", error: "cannot identify image file <_io.BytesIO object>" });
    }
  }

  function authorize(req: IncomingMessage): void {
    if (req.headers.authorization !== `Bearer ${options.apiToken}`) throw unauthenticated();
  }

  /** The submit-time scenarios: what Replicate's API itself answers before any prediction exists. */
  function refuse(scenario: Scenario, res: ServerResponse): boolean {
    switch (scenario) {
      case "rate_limited":
        send(res, 429, { title: "Request was throttled.", detail: "Request was throttled. Expected available in 1 second.", status: 429 }, { "Retry-After": "1" });
        return true;
      case "server_error":
        send(res, 500, { title: "Internal Server Error", detail: "Something went wrong.", status: 500 });
        return true;
      case "unauthorized":
        send(res, 401, { title: "Unauthenticated", detail: "You did not pass a valid authentication token", status: 401 });
        return true;
      case "out_of_credits":
        send(res, 402, {
          title: "Insufficient credit",
          detail: "You have insufficient credit to run this model. Go to https://replicate.com/account/billing#billing to purchase credit.",
          status: 402,
        });
        return true;
      case "malformed":
        send(res, 201, { prediction: { uuid: predictionId(), state: "starting" } });
        return true;
      case "hang":
        // Never answered: the client's timeout has to fire. close() drops the socket.
        return true;
      default:
        return false;
    }
  }

  async function create(req: IncomingMessage, res: ServerResponse, raw: unknown, ctx: StandInContext, byName?: string): Promise<void> {
    const wait = preferWait(req.headers.prefer);
    const parsed = byName ? createBody.safeParse(raw) : versionBody.safeParse(raw);
    if (!parsed.success) throw problem(422, "Invalid request body", parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; "));
    const body = parsed.data as z.infer<typeof versionBody>;
    let name = byName;
    let version: string;
    if (name) {
      const model = MODELS[name];
      // Replicate runs community models by name only through a deployment; the stand-in has none.
      if (!model?.official) throw notFound();
      version = standInVersion(name);
    } else {
      // `version` may also be written `owner/name:version`.
      version = body.version.includes(":") ? body.version.slice(body.version.lastIndexOf(":") + 1) : body.version;
      name = VERSIONS.get(version);
      if (!name || (body.version.includes(":") && !body.version.startsWith(`${name}:`))) {
        throw problem(422, "Invalid version or not permitted", "The specified version does not exist (or perhaps you don't have permission to use it?)");
      }
    }
    validateInput(MODELS[name]!, body.input);

    const scenario = ctx.nextScenario();
    if (refuse(scenario, res)) return;

    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    const p: Prediction = {
      id: predictionId(),
      model: name,
      version,
      input: body.input,
      scenario,
      webhook: body.webhook,
      wantsCompleted: !body.webhook_events_filter || body.webhook_events_filter.includes("completed"),
      createdAt: Date.now(),
      done,
      finish,
    };
    predictions.set(p.id, p);
    if (scenario !== "stuck") ctx.deliverLater(ctx.latencyMs, () => run(p, ctx));

    if (wait) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([done, new Promise<void>((resolve) => (timer = setTimeout(resolve, wait * 1000)))]);
      clearTimeout(timer);
    }
    send(res, 201, view(p, ctx), { Location: `${ctx.url()}/v1/predictions/${p.id}` });
  }

  const stand = await startStandIn(
    "replicate",
    async (req, res, body, ctx) => {
      const path = new URL(req.url ?? "/", "http://stand-in").pathname;
      const byModel = /^\/v1\/models\/([^/]+)\/([^/]+)\/predictions$/.exec(path);
      const one = /^\/v1\/predictions\/([a-z0-9]+)(\/cancel)?$/.exec(path);
      if (req.method === "POST" && byModel) {
        authorize(req);
        await create(req, res, body, ctx, `${decodeURIComponent(byModel[1]!)}/${decodeURIComponent(byModel[2]!)}`);
        return true;
      }
      if (req.method === "POST" && path === "/v1/predictions") {
        authorize(req);
        await create(req, res, body, ctx);
        return true;
      }
      if (one && ((req.method === "GET" && !one[2]) || (req.method === "POST" && one[2]))) {
        authorize(req);
        const p = predictions.get(one[1]!);
        if (!p) throw notFound();
        if (one[2]) settle(p, ctx, { status: "canceled" });
        send(res, 200, view(p, ctx));
        return true;
      }
      return false;
    },
    options,
  );

  return { ...stand, signWebhook: (id, timestamp, body) => sign(key, id, timestamp, body) };
}
