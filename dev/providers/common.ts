import { createHash, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import sharp from "sharp";
import { z } from "zod";
import { renderStudioShot } from "../../worker/providers/studio/index";
import { mulberry32 } from "../../worker/providers/studio/random";
import { HttpError, readBody, send } from "../shopify/http/util";

// What every provider stand-in shares: an HTTP server, a scenario script tests set
// through a control route, rendered outputs served for a limited time (providers
// delete theirs), a log of what was received, and deferred webhook delivery.

/** How the next submitted prediction behaves; consumed one per submission, then `success`. */
export const SCENARIOS = [
  "success",
  /** The garment's colour changes in the output (for the fidelity gate). */
  "recolour",
  /** Fails as the provider reports refused content. */
  "content_refused",
  /** Fails as the provider reports an unreadable input image. */
  "bad_input",
  /** Fails with the provider's internal error (worth retrying). */
  "provider_error",
  /** The submit call is answered 429 with Retry-After: 1. */
  "rate_limited",
  /** The submit call is answered 500. */
  "server_error",
  /** The submit call is answered 401 / out of credits. */
  "unauthorized",
  "out_of_credits",
  /** The submit call's answer is not the documented shape. */
  "malformed",
  /** The submit call hangs past any client timeout. */
  "hang",
  /** The output URL is already gone when fetched. */
  "expired_output",
  /** The work never leaves the queue (for cancel and timeouts). */
  "stuck",
  /** The webhook is never sent (polling must cover it). */
  "no_webhook",
  /** Succeeds, and the same webhook is delivered twice (duplicates must change nothing). */
  "duplicate_webhook",
] as const;
export type Scenario = (typeof SCENARIOS)[number];

/**
 * A seeded random mix for submissions nobody scripted: each rate is the chance that a
 * submission behaves as that scenario (the rest succeed). The same seed and the same
 * order of submissions give the same scenarios, so a failing soak can be replayed.
 */
export interface FaultMix {
  seed: number;
  rates: Partial<Record<Exclude<Scenario, "success">, number>>;
}

const faultMix = z.object({
  seed: z.number().int(),
  rates: z.partialRecord(z.enum(SCENARIOS).exclude(["success"]), z.number().min(0).max(1)),
}).refine((m) => Object.values(m.rates).reduce((a, b) => a + (b ?? 0), 0) <= 1, "rates add up to more than 1");

const scenarioBody = z.object({ scenarios: z.array(z.enum(SCENARIOS)).max(1000).default([]), faults: faultMix.nullable().optional() });

/** Draws scenarios from a mix; `success` for whatever the rates leave over. */
export function scenarioPicker(mix: FaultMix): () => Scenario {
  const parsed = faultMix.parse(mix);
  const random = mulberry32(parsed.seed);
  const table = Object.entries(parsed.rates) as [Scenario, number][];
  return () => {
    let x = random();
    for (const [scenario, rate] of table) {
      if (x < rate) return scenario;
      x -= rate;
    }
    return "success";
  };
}

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  at: number;
}

export interface StandInOptions {
  port?: number;
  host?: string;
  /** How long a prediction takes from submit to done. */
  latencyMs?: number;
  /** How long outputs stay downloadable. */
  outputTtlMs?: number;
  /** Scenarios for unscripted submissions; without it they all succeed. */
  faults?: FaultMix;
  /**
   * Renders each distinct input once and serves that image again (seed ignored), so
   * a load test measures the pipeline rather than the stand-in's renderer.
   */
  reuseOutputs?: boolean;
}

export interface StandInContext {
  readonly url: () => string;
  readonly latencyMs: number;
  nextScenario(): Scenario;
  /** Renders the output for an input photo and serves it; returns its URL. */
  publishOutput(input: Buffer, scenario: Scenario, seed: number): Promise<string>;
  /** Fetches an input given as a data: URI or an http(s) URL. Throws HttpError 422 when unreadable. */
  loadInput(ref: string): Promise<Buffer>;
  /**
   * Runs `send` after `delayMs`. Given the submission's scenario, `send` is a webhook:
   * a `duplicate_webhook` submission has it sent a second time.
   */
  deliverLater(delayMs: number, send: () => Promise<void>, scenario?: Scenario): void;
  readonly received: ReceivedRequest[];
}

export type StandInHandler = (req: IncomingMessage, res: ServerResponse, body: unknown, ctx: StandInContext) => Promise<boolean>;

export interface StandIn {
  url: string;
  received: ReceivedRequest[];
  /** Scripts the next submissions (tests); also reachable as POST /__standin/scenarios. */
  script(...scenarios: Scenario[]): void;
  /** Replaces the mix unscripted submissions draw from; null: they all succeed. */
  setFaults(mix: FaultMix | null): void;
  /** How many submissions behaved as each scenario so far. */
  readonly drawn: Readonly<Partial<Record<Scenario, number>>>;
  /** Waits for pending webhooks to be sent. */
  settle(): Promise<void>;
  close(): Promise<void>;
}


export async function outputImage(input: Buffer, scenario: Scenario, seed: number): Promise<Buffer> {
  const shot = await renderStudioShot({
    input,
    modelPreset: "fashion_model_v1",
    posePreset: "standing",
    scenePreset: "studio",
    aspectRatio: "3:4",
    seed,
    quality: "standard",
  });
  if (scenario !== "recolour") return shot.image;
  // A different garment colour: what merchants most often catch AI photos doing.
  return sharp(shot.image).modulate({ hue: 150, saturation: 1.6 }).jpeg({ quality: 88 }).toBuffer();
}

/** Starts a stand-in whose provider routes are handled by `handler`. */
export async function startStandIn(name: string, handler: StandInHandler, options: StandInOptions = {}): Promise<StandIn> {
  const scenarios: Scenario[] = [];
  let pick = options.faults ? scenarioPicker(options.faults) : null;
  const drawn: Partial<Record<Scenario, number>> = {};
  const rendered = new Map<string, Promise<Buffer>>();
  const outputs = new Map<string, { bytes: Buffer; expiresAt: number }>();
  const pending = new Set<Promise<void>>();
  const received: ReceivedRequest[] = [];
  const ttl = options.outputTtlMs ?? 60 * 60_000;
  let baseUrl = "";
  const ctx: StandInContext = {
    url: () => baseUrl,
    latencyMs: options.latencyMs ?? 300,
    received,
    nextScenario: () => {
      const scenario = scenarios.shift() ?? pick?.() ?? "success";
      drawn[scenario] = (drawn[scenario] ?? 0) + 1;
      return scenario;
    },
    async publishOutput(input, scenario, seed) {
      const id = randomUUID();
      let bytes: Buffer;
      if (options.reuseOutputs) {
        const key = `${scenario === "recolour" ? "recolour" : "plain"}:${createHash("sha256").update(input).digest("hex")}`;
        let once = rendered.get(key);
        if (!once) {
          once = outputImage(input, scenario, 0);
          rendered.set(key, once);
          once.catch(() => rendered.delete(key));
        }
        bytes = await once;
      } else {
        bytes = await outputImage(input, scenario, seed);
      }
      outputs.set(id, { bytes, expiresAt: scenario === "expired_output" ? 0 : Date.now() + ttl });
      return `${baseUrl}/outputs/${id}.jpg`;
    },
    async loadInput(ref) {
      const data = /^data:image\/[a-z+.-]+;base64,(.+)$/i.exec(ref);
      if (data) return Buffer.from(data[1]!, "base64");
      if (!/^https?:\/\//.test(ref)) throw new HttpError(422, { error: "image must be a data: URI or an http(s) URL" });
      const res = await fetch(ref).catch(() => null);
      if (!res?.ok) throw new HttpError(422, { error: "image URL could not be loaded" });
      return Buffer.from(await res.arrayBuffer());
    },
    deliverLater(delayMs, deliver, scenario) {
      const later = (ms: number) => {
        const p = new Promise<void>((resolve) => setTimeout(resolve, ms))
          .then(deliver)
          .catch((error: unknown) => console.warn(`[${name}] webhook delivery failed: ${String(error)}`))
          .finally(() => pending.delete(p));
        pending.add(p);
      };
      later(delayMs);
      // The repeat races the first delivery's handling, as a provider's retry after a lost ack does.
      if (scenario === "duplicate_webhook") later(delayMs + 25);
    },
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      try {
        const url = new URL(req.url ?? "/", "http://stand-in");
        const raw = await readBody(req);
        let body: unknown = undefined;
        if (raw.length > 0) {
          try {
            body = JSON.parse(raw.toString("utf8"));
          } catch {
            throw new HttpError(400, { error: "request body is not JSON" });
          }
        }
        if (url.pathname === "/__standin/scenarios" && req.method === "POST") {
          const parsed = scenarioBody.safeParse(body);
          if (!parsed.success) throw new HttpError(400, { error: parsed.error.message });
          scenarios.push(...parsed.data.scenarios);
          if (parsed.data.faults !== undefined) pick = parsed.data.faults ? scenarioPicker(parsed.data.faults) : null;
          return send(res, 204, "");
        }
        const output = /^\/outputs\/([0-9a-f-]{36})\.jpg$/.exec(url.pathname);
        if (output && req.method === "GET") {
          const entry = outputs.get(output[1]!);
          if (!entry || entry.expiresAt < Date.now()) throw new HttpError(404, { error: "output expired" });
          res.writeHead(200, { "content-type": "image/jpeg", "content-length": String(entry.bytes.length) });
          return res.end(entry.bytes);
        }
        received.push({ method: req.method ?? "GET", path: url.pathname + url.search, headers: req.headers, body, at: Date.now() });
        if (!(await handler(req, res, body, ctx))) throw new HttpError(404, { error: `no route ${req.method} ${url.pathname}` });
      } catch (error) {
        if (error instanceof HttpError) return send(res, error.status, error.body);
        console.error(`[${name}]`, error);
        send(res, 500, { error: "stand-in error" });
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://${options.host ?? "127.0.0.1"}:${port}`;
  return {
    url: baseUrl,
    received,
    script: (...s) => scenarios.push(...s),
    setFaults: (mix) => {
      pick = mix ? scenarioPicker(mix) : null;
    },
    drawn,
    settle: async () => {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
