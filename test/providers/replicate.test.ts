import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { replicateWebhookVerifier } from "~/services/providers/replicate-webhook.server";
import { WebhookRejectedError, type ProviderWebhook } from "~/services/providers/webhook.server";
import { startReplicateStandIn, standInVersion, type ReplicateStandIn } from "../../dev/providers/replicate";
import { ProviderError, type GenerationRequest, type Provider, type StatusReport } from "../../worker/providers/provider";
import { outputUrls, parseModelRef, replicateProvider, type ReplicateConfig } from "../../worker/providers/replicate";
import { garmentPhoto } from "../studio/fixtures";
import { rejection } from "../support/provider-errors";

const TOKEN = "r8_TESTtoken0123456789abcdefSECRET";
const SECRET = `whsec_${Buffer.from("replicate-stand-in-signing-key-32b!").toString("base64")}`;
const KONTEXT = "black-forest-labs/flux-kontext-pro";
const OOT = `viktorfa/oot_diffusion:${standInVersion("viktorfa/oot_diffusion")}`;
const IDM = `cuuupid/idm-vton:${standInVersion("cuuupid/idm-vton")}`;
const PERSON = "https://people.example/ava.jpg";

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

let stand: ReplicateStandIn;
let hooks: { server: Server; url: string; received: Received[] };
let photo: Buffer;

beforeAll(async () => {
  photo = await garmentPhoto("tee");
  stand = await startReplicateStandIn({ apiToken: TOKEN, webhookSecret: SECRET, latencyMs: 150 });
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  hooks = { server, received, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/replicate?job=j1&token=t1` };
});

afterEach(async () => {
  await stand.settle();
  hooks.received.length = 0;
});

afterAll(async () => {
  await stand?.close();
  await new Promise<void>((resolve) => hooks?.server.close(() => resolve()));
});

function provider(over: Partial<ReplicateConfig> = {}): Provider {
  return replicateProvider({ apiToken: TOKEN, baseUrl: stand.url, timeoutMs: 5_000, modelImages: { fashion_model_v1: PERSON }, ...over });
}

function request(over: Partial<GenerationRequest> = {}): GenerationRequest {
  return {
    jobId: "job-1",
    input: photo,
    inputMimeType: "image/png",
    model: KONTEXT,
    modelPreset: "fashion_model_v1",
    posePreset: "walking",
    scenePreset: "street",
    generationType: "standard",
    aspectRatio: "3:4",
    seed: 42,
    ...over,
  };
}

const signal = () => AbortSignal.timeout(20_000);

async function until(p: Provider, id: string, model = KONTEXT): Promise<StatusReport> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const report = await p.status!(id, model, signal());
    if (report.state !== "queued" && report.state !== "running") return report;
    if (Date.now() > deadline) throw new Error(`prediction ${id} still ${report.state}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function submitted(p: Provider, req = request()): Promise<string> {
  const s = await p.submit(req, signal());
  expect(["queued", "running"]).toContain(s.state);
  return s.providerJobId!;
}


function lastCreate() {
  return stand.received.filter((r) => r.method === "POST" && !r.path.endsWith("/cancel")).at(-1)!;
}

describe("Replicate adapter against the stand-in", () => {
  it("creates an official model's prediction by name and polls it to a downloadable output", async () => {
    const p = provider();
    const id = await submitted(p);
    const sent = lastCreate();
    expect(sent.path).toBe("/v1/models/black-forest-labs/flux-kontext-pro/predictions");
    expect(sent.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(sent.headers.prefer).toBeUndefined();
    const body = sent.body as { input: Record<string, unknown>; webhook?: string; version?: string };
    expect(body.version).toBeUndefined();
    expect(body.webhook).toBeUndefined();
    expect(String(body.input.input_image)).toMatch(/^data:image\/png;base64,/);
    expect(body.input).toMatchObject({ aspect_ratio: "3:4", seed: 42, output_format: "jpg" });
    expect(String(body.input.prompt)).toMatch(/walking pose, street setting/);

    const states = new Set<string>();
    let report: StatusReport;
    do {
      report = await p.status!(id, KONTEXT, signal());
      states.add(report.state);
      await new Promise((r) => setTimeout(r, 20));
    } while (report.state === "queued" || report.state === "running");
    expect(states.has("queued") || states.has("running")).toBe(true);
    expect(report.state).toBe("succeeded");
    if (report.state !== "succeeded" || report.output.kind !== "urls") throw new Error("no urls");
    expect(report.output.urls).toHaveLength(1);
    const image = await fetch(report.output.urls[0]!);
    expect(image.status).toBe(200);
    expect(image.headers.get("content-type")).toBe("image/jpeg");
    expect(stand.received.some((r) => r.method === "GET" && r.path === `/v1/predictions/${id}`)).toBe(true);
  });

  it("runs a community model by version and normalises its array output", async () => {
    const p = provider();
    const id = await submitted(p, request({ model: OOT }));
    const sent = lastCreate();
    expect(sent.path).toBe("/v1/predictions");
    const body = sent.body as { version: string; input: Record<string, unknown> };
    expect(body.version).toBe(standInVersion("viktorfa/oot_diffusion"));
    expect(body.input.model_image).toBe(PERSON);
    expect(String(body.input.garment_image)).toMatch(/^data:image\/png;base64,/);
    const report = await until(p, id, OOT);
    expect(report.state).toBe("succeeded");
    if (report.state === "succeeded" && report.output.kind === "urls") expect(report.output.urls).toHaveLength(1);
  });

  it("refuses a try-on model without a person photo for the preset, before calling Replicate", async () => {
    const before = stand.received.length;
    const error = await rejection(provider().submit(request({ model: IDM, modelPreset: "fashion_model_v1_curve" }), signal()));
    expect([error.kind, error.code]).toEqual(["permanent", "model_image_missing"]);
    expect(stand.received.length).toBe(before);
  });

  it("refuses model ids that are not owner/name[:version] or not in the catalogue", async () => {
    for (const model of ["flux-kontext-pro", "a/b:notahexversion", "someone/unknown-model"]) {
      const error = await rejection(provider().submit(request({ model }), signal()));
      expect([error.kind, error.code]).toEqual(["account", "unsupported_model"]);
    }
  });

  it("returns succeeded straight from create in sync mode (Prefer: wait)", async () => {
    const s = await provider({ preferWaitSeconds: 5 }).submit(request(), signal());
    expect(lastCreate().headers.prefer).toBe("wait=5");
    expect(s.state).toBe("succeeded");
    if (s.state !== "succeeded" || s.output.kind !== "urls") throw new Error("not succeeded");
    expect(s.providerJobId).toMatch(/^[a-z2-7]{26}$/);
    expect((await fetch(s.output.urls[0]!)).status).toBe(200);
  });

  it("clamps the sync wait into Replicate's 1–60 s and falls back to polling when the model is slower", async () => {
    stand.script("stuck");
    const s = await provider({ preferWaitSeconds: 0.4 }).submit(request(), signal());
    expect(lastCreate().headers.prefer).toBe("wait=1");
    expect(s.state).toBe("queued");
    await provider().cancel!(s.providerJobId!, KONTEXT, signal());
  });

  it("asks for the completed webhook, which verifies with the account's secret and names the prediction", async () => {
    const p = provider();
    const id = await submitted(p, request({ webhookUrl: hooks.url }));
    expect(lastCreate().body).toMatchObject({ webhook: hooks.url, webhook_events_filter: ["completed"] });
    await until(p, id);
    await stand.settle();
    expect(hooks.received).toHaveLength(1);
    const hook = hooks.received[0]!;
    const verified = await replicateWebhookVerifier({ secret: SECRET }).verify(asWebhook(hook));
    expect(verified).toEqual({ providerJobId: id });
    expect(JSON.parse(hook.body)).toMatchObject({ id, status: "succeeded" });
  });

  it("sends no webhook in the no_webhook scenario; polling still completes the job", async () => {
    stand.script("no_webhook");
    const p = provider();
    const id = await submitted(p, request({ webhookUrl: hooks.url }));
    expect((await until(p, id)).state).toBe("succeeded");
    await stand.settle();
    expect(hooks.received).toHaveLength(0);
  });

  it("reads failed predictions: refused content and unreadable photos are permanent, model errors transient", async () => {
    const p = provider();
    const cases = [
      ["content_refused", "permanent", "content_refused"],
      ["bad_input", "permanent", "invalid_input"],
      ["provider_error", "transient", "prediction_failed"],
    ] as const;
    for (const [scenario, kind, code] of cases) {
      stand.script(scenario);
      const report = await until(p, await submitted(p));
      expect(report.state).toBe("failed");
      if (report.state !== "failed") continue;
      expect([report.error.kind, report.error.code]).toEqual([kind, code]);
    }
  });

  it("throws a failure that sync mode returns from create", async () => {
    stand.script("content_refused");
    const error = await rejection(provider({ preferWaitSeconds: 5 }).submit(request(), signal()));
    expect([error.kind, error.code]).toEqual(["permanent", "content_refused"]);
  });

  it("cancels a prediction in flight and reports it canceled", async () => {
    stand.script("stuck");
    const p = provider();
    const id = await submitted(p);
    expect((await p.status!(id, KONTEXT, signal())).state).toBe("queued");
    await p.cancel!(id, KONTEXT, signal());
    expect(stand.received.some((r) => r.method === "POST" && r.path === `/v1/predictions/${id}/cancel`)).toBe(true);
    const report = await p.status!(id, KONTEXT, signal());
    expect(report.state).toBe("canceled");
    if (report.state === "canceled") expect(report.error.code).toBe("canceled");
  });

  it("maps 429 to transient with Retry-After", async () => {
    stand.script("rate_limited");
    const error = await rejection(provider().submit(request(), signal()));
    expect([error.kind, error.code, error.retryAfterMs]).toEqual(["transient", "rate_limited", 1000]);
  });

  it("recovers from a 500 on the next attempt", async () => {
    stand.script("server_error", "success");
    const p = provider();
    const error = await rejection(p.submit(request(), signal()));
    expect([error.kind, error.code]).toEqual(["transient", "http_500"]);
    expect((await until(p, await submitted(p))).state).toBe("succeeded");
  });

  it("times out a create that never answers", async () => {
    stand.script("hang");
    const error = await rejection(provider({ timeoutMs: 300 }).submit(request(), signal()));
    expect([error.kind, error.code]).toEqual(["transient", "timeout"]);
  });

  it("treats an answer that is not a prediction as transient", async () => {
    stand.script("malformed");
    const error = await rejection(provider().submit(request(), signal()));
    expect([error.kind, error.code]).toEqual(["transient", "malformed_response"]);
  });

  it("maps 422 (invalid input or version) to permanent", async () => {
    const unknownVersion = `viktorfa/oot_diffusion:${"0".repeat(64)}`;
    const error = await rejection(provider().submit(request({ model: unknownVersion }), signal()));
    expect([error.kind, error.code]).toEqual(["permanent", "invalid_input"]);
    expect(error.message).toMatch(/Invalid version/);
  });

  it("maps a bad token, a revoked token and missing credit to account errors", async () => {
    const wrong = await rejection(provider({ apiToken: "r8_wrong" }).submit(request(), signal()));
    expect([wrong.kind, wrong.code]).toEqual(["account", "unauthorized"]);
    stand.script("unauthorized");
    const revoked = await rejection(provider().submit(request(), signal()));
    expect([revoked.kind, revoked.code]).toEqual(["account", "unauthorized"]);
    stand.script("out_of_credits");
    const broke = await rejection(provider().submit(request(), signal()));
    expect([broke.kind, broke.code]).toEqual(["account", "out_of_credits"]);
    expect(broke.message).not.toMatch(/https?:/);
  });

  it("reports an unknown prediction as permanent not_found", async () => {
    const error = await rejection(provider().status!("doesnotexist234567abcdefgh", KONTEXT, signal()));
    expect([error.kind, error.code]).toEqual(["permanent", "not_found"]);
  });

  it("hands back output URLs that may already be gone (the pipeline's download fails, not the adapter)", async () => {
    stand.script("expired_output");
    const p = provider();
    const report = await until(p, await submitted(p));
    if (report.state !== "succeeded" || report.output.kind !== "urls") throw new Error("not succeeded");
    expect((await fetch(report.output.urls[0]!)).status).toBe(404);
  });

  it("reports output_expired once Replicate has deleted a finished prediction's output", async () => {
    const short = await startReplicateStandIn({ apiToken: TOKEN, webhookSecret: SECRET, latencyMs: 50, outputTtlMs: 100 });
    try {
      const p = provider({ baseUrl: short.url });
      const id = await submitted(p);
      expect((await until(p, id)).state).toBe("succeeded");
      await new Promise((r) => setTimeout(r, 250));
      const report = await p.status!(id, KONTEXT, signal());
      expect(report.state).toBe("failed");
      if (report.state === "failed") expect([report.error.kind, report.error.code]).toEqual(["transient", "output_expired"]);
    } finally {
      await short.settle();
      await short.close();
    }
  });

  it("never puts the API token in an error", async () => {
    const errors: ProviderError[] = [];
    for (const scenario of ["rate_limited", "server_error", "unauthorized", "out_of_credits", "malformed"] as const) {
      stand.script(scenario);
      errors.push(await rejection(provider().submit(request(), signal())));
    }
    errors.push(await rejection(provider({ apiToken: `${TOKEN}x` }).submit(request(), signal())));
    errors.push(await rejection(provider({ baseUrl: "http://127.0.0.1:9" }).submit(request(), signal())));
    stand.script("hang");
    errors.push(await rejection(provider({ timeoutMs: 200 }).submit(request(), signal())));
    for (const error of errors) {
      expect(error.message).not.toContain(TOKEN);
      expect(String(error.stack)).not.toContain(TOKEN);
      expect(JSON.stringify(error)).not.toContain(TOKEN);
    }
  });
});

describe("Replicate stand-in holds clients to the protocol", () => {
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${stand.url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });
  const image = "data:image/png;base64,iVBORw0KGgo=";

  it("refuses requests without the bearer token", async () => {
    const res = await fetch(`${stand.url}/v1/predictions/abc`, { headers: { authorization: TOKEN } });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ title: "Unauthenticated", status: 401 });
  });

  it("refuses community models by name, unknown fields, bad Prefer values and missing model inputs", async () => {
    expect((await post("/v1/models/cuuupid/idm-vton/predictions", { input: { garm_img: image, human_img: PERSON } })).status).toBe(404);
    expect((await post(`/v1/models/${KONTEXT}/predictions`, { input: { prompt: "x", input_image: image }, model: KONTEXT })).status).toBe(422);
    expect((await post(`/v1/models/${KONTEXT}/predictions`, { input: { prompt: "x" } }, { prefer: "wait=0" })).status).toBe(400);
    const missing = await post(`/v1/models/${KONTEXT}/predictions`, { input: { input_image: image } });
    expect(missing.status).toBe(422);
    expect(await missing.json()).toMatchObject({ title: "Input validation failed", invalid_fields: [{ field: "input.prompt" }] });
    const notUri = await post("/v1/predictions", { version: standInVersion("viktorfa/oot_diffusion"), input: { model_image: "ava.jpg", garment_image: image } });
    expect(notUri.status).toBe(422);
  });
});

function asWebhook(r: Received, headers: Record<string, string | null> = {}, body = r.body): ProviderWebhook {
  const h = new Headers();
  for (const name of ["webhook-id", "webhook-timestamp", "webhook-signature", "content-type"]) {
    const value = r.headers[name];
    if (typeof value === "string") h.set(name, value);
  }
  for (const [name, value] of Object.entries(headers)) {
    if (value === null) h.delete(name);
    else h.set(name, value);
  }
  return { body, headers: h };
}

describe("Replicate webhook verification", () => {
  const now = Date.now();
  const ts = Math.floor(now / 1000);
  const body = JSON.stringify({ id: "rrr4z55ocneqzikepnug6xezpe", status: "succeeded", output: "https://replicate.delivery/x.jpg" });
  const signed = (over: Partial<{ id: string; ts: number; body: string; signature: string }> = {}): Received => {
    const id = over.id ?? "msg_2Lh9KRb0pzN4LePd3XjIk5VtxWi";
    const t = over.ts ?? ts;
    const b = over.body ?? body;
    return {
      headers: { "webhook-id": id, "webhook-timestamp": String(t), "webhook-signature": over.signature ?? stand.signWebhook(id, t, b) },
      body: b,
    };
  };
  const verifier = () => replicateWebhookVerifier({ secret: SECRET, now: () => now });

  async function rejected(webhook: ProviderWebhook): Promise<WebhookRejectedError> {
    const error = await verifier()
      .verify(webhook)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(WebhookRejectedError);
    return error as WebhookRejectedError;
  }

  it("accepts a genuine webhook, and the same delivery twice (the pipeline re-checks status, so replays are harmless)", async () => {
    const hook = asWebhook(signed());
    expect(await verifier().verify(hook)).toEqual({ providerJobId: "rrr4z55ocneqzikepnug6xezpe" });
    expect(await verifier().verify(hook)).toEqual({ providerJobId: "rrr4z55ocneqzikepnug6xezpe" });
  });

  it("accepts a signature list where one entry is valid (key rotation)", async () => {
    const good = signed().headers["webhook-signature"] as string;
    const other = replicateWebhookVerifierSignature();
    const hook = asWebhook(signed({ signature: `${other} v1a,${good.slice(3)} ${good}` }));
    expect(await verifier().verify(hook)).toEqual({ providerJobId: "rrr4z55ocneqzikepnug6xezpe" });
  });

  it("rejects a webhook signed with another secret", async () => {
    const forged = replicateWebhookVerifierSignature();
    expect((await rejected(asWebhook(signed({ signature: forged })))).reason).toBe("bad_signature");
  });

  it("rejects a tampered body, id or timestamp", async () => {
    const genuine = signed();
    const tamperedBody = body.replace("succeeded", "failed");
    expect((await rejected(asWebhook(genuine, {}, tamperedBody))).reason).toBe("bad_signature");
    expect((await rejected(asWebhook(genuine, { "webhook-id": "msg_other" }))).reason).toBe("bad_signature");
    expect((await rejected(asWebhook(genuine, { "webhook-timestamp": String(ts - 1) }))).reason).toBe("bad_signature");
  });

  it("rejects a correctly signed webhook whose timestamp is outside ±5 minutes", async () => {
    expect((await rejected(asWebhook(signed({ ts: ts - 6 * 60 })))).reason).toBe("stale_timestamp");
    expect((await rejected(asWebhook(signed({ ts: ts + 6 * 60 })))).reason).toBe("stale_timestamp");
    expect(await verifier().verify(asWebhook(signed({ ts: ts - 4 * 60 })))).toEqual({ providerJobId: "rrr4z55ocneqzikepnug6xezpe" });
  });

  it("rejects missing headers and a signature without the v1 scheme", async () => {
    for (const header of ["webhook-id", "webhook-timestamp", "webhook-signature"]) {
      expect((await rejected(asWebhook(signed(), { [header]: null }))).reason).toBe("malformed");
    }
    const bare = (signed().headers["webhook-signature"] as string).slice(3);
    expect((await rejected(asWebhook(signed({ signature: bare })))).reason).toBe("bad_signature");
    expect((await rejected(asWebhook(signed(), { "webhook-timestamp": "soon" }))).reason).toBe("malformed");
  });

  it("rejects a validly signed body that is not a prediction", async () => {
    expect((await rejected(asWebhook(signed({ body: "not json" })))).reason).toBe("malformed");
    expect((await rejected(asWebhook(signed({ body: JSON.stringify({ status: "succeeded" }) })))).reason).toBe("malformed");
  });

  it("refuses to start with a secret that is not a signing secret, without echoing it", () => {
    expect(() => replicateWebhookVerifier({ secret: "whsec_short" })).toThrow(/not a whsec_ signing secret/);
    expect(() => replicateWebhookVerifier({ secret: "whsec_short" })).not.toThrow(/short/);
  });

  /** A well-formed v1 signature made with a key that is not the account's. */
  function replicateWebhookVerifierSignature(): string {
    return `v1,${Buffer.alloc(32, 7).toString("base64")}`;
  }
});

describe("Replicate output and model parsing", () => {
  it("normalises string, list and object outputs to URLs", () => {
    expect(outputUrls("https://replicate.delivery/a.jpg")).toEqual(["https://replicate.delivery/a.jpg"]);
    expect(outputUrls(["https://r.d/a.png", "https://r.d/b.png", "https://r.d/a.png"])).toEqual(["https://r.d/a.png", "https://r.d/b.png"]);
    expect(outputUrls({ image: "https://r.d/a.png", mask: null, extra: { images: ["https://r.d/c.png"] }, caption: "a shirt" })).toEqual([
      "https://r.d/a.png",
      "https://r.d/c.png",
    ]);
    expect(outputUrls(null)).toEqual([]);
    expect(outputUrls("data:image/png;base64,AAAA")).toEqual([]);
  });

  it("parses owner/name and owner/name:version", () => {
    expect(parseModelRef("black-forest-labs/flux-kontext-pro")).toEqual({ owner: "black-forest-labs", name: "flux-kontext-pro" });
    expect(parseModelRef(`a/b:${"AB".repeat(32)}`)).toEqual({ owner: "a", name: "b", version: "ab".repeat(32) });
    expect(parseModelRef("a/b/c")).toBeUndefined();
    expect(parseModelRef("a/b:123")).toBeUndefined();
  });
});
