import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { HttpError, send } from "../shopify/http/util";
import { startStandIn, type Scenario, type StandIn, type StandInContext, type StandInOptions } from "./common";

// The reference implementation of docs/gpu-worker-contract.md: what a merchant's own
// GPU worker must do, strictly enough that an adapter taking liberties with the
// contract fails here rather than against a real worker.

export interface HttpWorkerStandIn extends StandIn {
  /** The `X-Atelier-Signature` value this worker sends for `body` at `timestamp` (unix seconds). */
  signCallback(body: string, timestamp: number): string;
}

const IMAGE_TYPES = ["image/jpeg", "image/png", "image/webp"] as const;

const submitBody = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/),
  model: z.string().min(1).max(200),
  input: z.strictObject({
    image: z.string().regex(/^data:image\/(jpeg|png|webp);base64,[A-Za-z0-9+/]+={0,2}$/, "must be a base64 data: URI of a JPEG, PNG or WebP"),
    mime_type: z.enum(IMAGE_TYPES),
    model_preset: z.string().min(1).max(100),
    pose_preset: z.string().min(1).max(100),
    scene_preset: z.string().min(1).max(100),
    generation_type: z.string().min(1).max(100),
    aspect_ratio: z.string().regex(/^\d{1,2}:\d{1,2}$/),
    seed: z.int().min(0).max(2 ** 31 - 1),
    prompt: z.string().max(2000).optional(),
  }),
  callback_url: z.url({ protocol: /^https?$/ }).optional(),
});
type SubmitBody = z.infer<typeof submitBody>;

type Status = "queued" | "running" | "succeeded" | "failed" | "canceled";

interface WorkerJob {
  id: string;
  fingerprint: string;
  input: SubmitBody["input"];
  callbackUrl?: string;
  scenario: Scenario;
  status: Status;
  outputs?: { url: string; content_type: string }[];
  error?: { code: string; message: string; retryable: boolean };
}

const BAD_INPUT = { code: "invalid_input", message: "The input image could not be decoded.", retryable: false };

/** How each scripted failure shows in a job, as a worker would word it. */
const FAILURES: Partial<Record<Scenario, NonNullable<WorkerJob["error"]>>> = {
  content_refused: { code: "content_refused", message: "The safety filter refused the generated image.", retryable: false },
  bad_input: BAD_INPUT,
  provider_error: { code: "internal_error", message: "The GPU ran out of memory; try again.", retryable: true },
};

/** The documented error body. */
function fail(status: number, code: string, message: string): HttpError {
  return new HttpError(status, { error: { code, message } });
}

function view(job: WorkerJob) {
  return { id: job.id, status: job.status, ...(job.outputs ? { outputs: job.outputs } : {}), ...(job.error ? { error: job.error } : {}) };
}

export async function startHttpWorkerStandIn(options: StandInOptions & { token: string; secret: string }): Promise<HttpWorkerStandIn> {
  const jobs = new Map<string, WorkerJob>();
  const expectedAuth = Buffer.from(`Bearer ${options.token}`);
  const signCallback = (body: string, timestamp: number) =>
    `v1=${createHmac("sha256", options.secret).update(`${timestamp}.${body}`).digest("hex")}`;
  const current = (job: WorkerJob) => jobs.get(job.id) === job;

  function authenticated(req: IncomingMessage, res: ServerResponse): boolean {
    const given = Buffer.from(req.headers.authorization ?? "");
    if (given.length === expectedAuth.length && timingSafeEqual(given, expectedAuth)) return true;
    const body = { error: { code: "unauthorized", message: "Send Authorization: Bearer <token>." } };
    send(res, 401, body, { "WWW-Authenticate": 'Bearer realm="gpu-worker"' });
    return false;
  }

  /** Signed, retried once on a non-2xx answer; a wake-up, so losing it only delays the job. */
  async function notify(job: WorkerJob): Promise<void> {
    if (!job.callbackUrl || job.scenario === "no_webhook") return;
    const body = JSON.stringify(view(job));
    for (let attempt = 0; attempt < 2; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 250));
      const timestamp = Math.floor(Date.now() / 1000);
      const delivered = await fetch(job.callbackUrl, {
        method: "POST",
        headers: { "content-type": "application/json", "x-atelier-timestamp": String(timestamp), "x-atelier-signature": signCallback(body, timestamp) },
        body,
        signal: AbortSignal.timeout(10_000),
      }).then(
        async (res) => {
          await res.arrayBuffer().catch(() => undefined);
          return res.ok;
        },
        () => false,
      );
      if (delivered) return;
    }
  }

  const inFlight = (job: WorkerJob) => current(job) && (job.status === "queued" || job.status === "running");

  async function finish(job: WorkerJob, ctx: StandInContext): Promise<void> {
    if (!inFlight(job)) return;
    let outcome: Pick<WorkerJob, "status" | "outputs" | "error">;
    const failure = FAILURES[job.scenario];
    if (failure) {
      outcome = { status: "failed", error: failure };
    } else {
      try {
        const image = await ctx.loadInput(job.input.image);
        const url = await ctx.publishOutput(image, job.scenario, job.input.seed);
        outcome = { status: "succeeded", outputs: [{ url, content_type: "image/jpeg" }] };
      } catch {
        outcome = { status: "failed", error: BAD_INPUT };
      }
    }
    // A cancel may have landed while the image was rendering.
    if (!inFlight(job)) return;
    Object.assign(job, outcome);
    await notify(job);
  }

  function start(job: WorkerJob, ctx: StandInContext): void {
    if (job.scenario === "stuck") return;
    ctx.deliverLater(Math.floor(ctx.latencyMs / 2), async () => {
      if (current(job) && job.status === "queued") job.status = "running";
    });
    ctx.deliverLater(ctx.latencyMs, () => finish(job, ctx));
  }

  async function submit(req: IncomingMessage, res: ServerResponse, body: unknown, ctx: StandInContext): Promise<void> {
    if (!/^application\/json\b/i.test(req.headers["content-type"] ?? "")) {
      throw fail(400, "invalid_request", "Content-Type must be application/json.");
    }
    const parsed = submitBody.safeParse(body);
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ");
      throw fail(400, "invalid_request", detail.slice(0, 500));
    }
    const request = parsed.data;
    if (!request.input.image.startsWith(`data:${request.input.mime_type};`)) {
      throw fail(400, "invalid_request", "input.image: media type differs from input.mime_type");
    }
    const fingerprint = createHash("sha256").update(JSON.stringify([request.model, request.input])).digest("hex");

    const existing = jobs.get(request.id);
    // Failed and canceled jobs may be tried again under the same id; anything else is the same job.
    if (existing && existing.status !== "failed" && existing.status !== "canceled") {
      if (existing.fingerprint !== fingerprint) throw fail(409, "id_conflict", "A different job already has this id.");
      if (request.callback_url) existing.callbackUrl = request.callback_url;
      return send(res, 200, view(existing));
    }

    const scenario = ctx.nextScenario();
    switch (scenario) {
      case "rate_limited":
        return send(res, 429, { error: { code: "rate_limited", message: "Too many jobs in flight." } }, { "Retry-After": "1" });
      case "server_error":
        throw fail(500, "internal_error", "The worker crashed.");
      case "unauthorized":
        throw fail(401, "unauthorized", "The token has been revoked.");
      case "out_of_credits":
        throw fail(403, "quota_exhausted", "This account's GPU quota is used up.");
      case "hang":
        // Never answers; the socket closes when the client gives up or the stand-in stops.
        await new Promise<void>((resolve) => res.once("close", resolve));
        return;
    }
    const job: WorkerJob = { id: request.id, fingerprint, input: request.input, callbackUrl: request.callback_url, scenario, status: "queued" };
    jobs.set(job.id, job);
    start(job, ctx);
    // A worker with a bug: the job runs, the answer is not the documented shape.
    if (scenario === "malformed") return send(res, 202, { job_id: job.id, state: "IN_QUEUE" });
    send(res, 202, view(job));
  }

  const stand = await startStandIn(
    "http-worker",
    async (req, res, body, ctx) => {
      const path = new URL(req.url ?? "/", "http://stand-in").pathname;
      if (!path.startsWith("/v1/")) return false;
      if (!authenticated(req, res)) return true;
      if (path === "/v1/jobs") {
        if (req.method !== "POST") throw fail(405, "method_not_allowed", "POST a job here.");
        await submit(req, res, body, ctx);
        return true;
      }
      const route = /^\/v1\/jobs\/([^/]+)(\/cancel)?$/.exec(path);
      if (!route) throw fail(404, "not_found", "No such route.");
      const job = jobs.get(decodeURIComponent(route[1]!));
      if (route[2]) {
        if (req.method !== "POST") throw fail(405, "method_not_allowed", "POST to cancel.");
        if (!job) throw fail(404, "not_found", "No job has this id.");
        if (job.status === "queued" || job.status === "running") {
          job.status = "canceled";
          ctx.deliverLater(0, () => notify(job));
        }
        send(res, 200, view(job));
        return true;
      }
      if (req.method !== "GET") throw fail(405, "method_not_allowed", "GET a job.");
      if (!job) throw fail(404, "not_found", "No job has this id.");
      send(res, 200, view(job));
      return true;
    },
    options,
  );
  return Object.assign(stand, { signCallback });
}
