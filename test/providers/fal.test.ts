import { generateKeyPairSync } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import sharp from "sharp";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { falWebhookVerifier } from "~/services/providers/fal-webhook.server";
import { WebhookRejectedError, type ProviderWebhook } from "~/services/providers/webhook.server";
import { startFalStandIn, type FalStandIn } from "../../dev/providers/fal";
import { falProvider } from "../../worker/providers/fal";
import { ProviderError, type GenerationRequest, type Provider, type StatusReport } from "../../worker/providers/provider";
import { garmentPhoto } from "../studio/fixtures";
import { rejection } from "../support/provider-errors";

const KEY = "fal-key-4f1d9c2e-8a7b:9e3c5d1f0a2b4c6d";
const MODEL = "fal-ai/flux-pro/kontext";

interface Received {
  path: string;
  headers: Headers;
  body: string;
}

let stand: FalStandIn;
let fal: Provider;
let photo: Buffer;
let hooks: Server;
let hookUrl: string;
const delivered: Received[] = [];

beforeAll(async () => {
  stand = await startFalStandIn({ apiKey: KEY, latencyMs: 300 });
  fal = falProvider({ apiKey: KEY, queueUrl: stand.url, timeoutMs: 5_000 });
  photo = await garmentPhoto("tee");
  hooks = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
      delivered.push({ path: req.url ?? "", headers, body: Buffer.concat(chunks).toString("utf8") });
      res.end("ok");
    });
  });
  await new Promise<void>((resolve) => hooks.listen(0, "127.0.0.1", resolve));
  hookUrl = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await stand?.settle();
  await stand?.close();
  await new Promise<void>((resolve) => (hooks ? hooks.close(() => resolve()) : resolve()));
});

beforeEach(() => {
  delivered.length = 0;
});

const signal = () => AbortSignal.timeout(20_000);

function request(overrides: Partial<GenerationRequest> = {}): GenerationRequest {
  return {
    jobId: "job-1",
    input: photo,
    inputMimeType: "image/png",
    model: MODEL,
    modelPreset: "fashion_model_v1",
    posePreset: "standing",
    scenePreset: "studio",
    generationType: "standard",
    aspectRatio: "4:5",
    seed: 1234,
    ...overrides,
  };
}

async function submitted(req: GenerationRequest = request(), provider = fal): Promise<string> {
  const submission = await provider.submit(req, signal());
  expect(submission.state).toBe("queued");
  if (submission.state === "succeeded") throw new Error("fal never answers at once");
  return submission.providerJobId;
}

/** Polls status() until the request settles; returns every state seen on the way. */
async function settle(id: string, model = MODEL): Promise<{ report: StatusReport; seen: string[] }> {
  const seen: string[] = [];
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const report = await fal.status!(id, model, signal());
    if (seen.at(-1) !== report.state) seen.push(report.state);
    if (report.state !== "queued" && report.state !== "running") return { report, seen };
    await new Promise((resolve) => setTimeout(resolve, 40));
  }
  throw new Error("the request never settled");
}


async function webhookFor(id: string): Promise<Received> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const hit = delivered.find((d) => d.headers.get("x-fal-webhook-request-id") === id);
    if (hit) return hit;
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
  throw new Error("no webhook arrived");
}

const jwksFetches = () => stand.received.filter((r) => r.path === "/.well-known/jwks.json").length;

describe("fal adapter against the stand-in", () => {
  it("submits to the queue and polls to a succeeded output", async () => {
    const id = await submitted();
    const { report, seen } = await settle(id);
    expect(seen[0]).toBe("queued");
    expect(seen).toContain("running");
    expect(report.state).toBe("succeeded");
    if (report.state !== "succeeded" || report.output.kind !== "urls") throw new Error("expected URLs");
    expect(report.providerJobId).toBe(id);
    expect(report.output.urls).toHaveLength(1);
    const image = await fetch(report.output.urls[0]!);
    expect(image.headers.get("content-type")).toBe("image/jpeg");
    const meta = await sharp(Buffer.from(await image.arrayBuffer())).metadata();
    expect(meta.format).toBe("jpeg");

    const submit = stand.received.find((r) => r.method === "POST" && r.path.startsWith(`/${MODEL}`))!;
    expect(submit.path).toBe(`/${MODEL}`);
    expect(submit.headers.authorization).toBe(`Key ${KEY}`);
    const body = submit.body as Record<string, unknown>;
    expect(String(body.image_url)).toMatch(/^data:image\/png;base64,/);
    expect(body).toMatchObject({ seed: 1234, aspect_ratio: "3:4", num_images: 1, output_format: "jpeg" });
    expect(String(body.prompt)).toMatch(/garment/);
    // Status and result go to owner/app, without the endpoint's /kontext subpath.
    const reads = stand.received.filter((r) => r.method === "GET" && r.path.includes(id)).map((r) => r.path);
    expect(reads).toContain(`/fal-ai/flux-pro/requests/${id}/status`);
    expect(reads).toContain(`/fal-ai/flux-pro/requests/${id}`);
  });

  it("passes the webhook URL as fal_webhook and the signed webhook verifies", async () => {
    const webhookUrl = `${hookUrl}/webhooks/fal?job=job-2&token=t0k3n`;
    const id = await submitted(request({ webhookUrl }));
    const submit = stand.received.find((r) => r.method === "POST" && r.path.includes("fal_webhook"))!;
    expect(new URL(submit.path, "http://x").searchParams.get("fal_webhook")).toBe(webhookUrl);

    const hook = await webhookFor(id);
    expect(hook.path).toBe("/webhooks/fal?job=job-2&token=t0k3n");
    expect(hook.headers.get("content-type")).toBe("application/json");
    const verifier = falWebhookVerifier({ jwksUrl: stand.jwksUrl });
    await expect(verifier.verify({ body: hook.body, headers: hook.headers })).resolves.toEqual({ providerJobId: id });

    const body = JSON.parse(hook.body) as { request_id: string; gateway_request_id: string; status: string; payload: { images: { url: string }[] } };
    expect(body).toMatchObject({ request_id: id, gateway_request_id: id, status: "OK" });
    const report = await fal.status!(id, MODEL, signal());
    expect(report).toEqual({ state: "succeeded", providerJobId: id, output: { kind: "urls", urls: [body.payload.images[0]!.url] } });
  });

  it("reports refused content, unreadable input and fal's own failures as failed, with the right kind", async () => {
    stand.script("content_refused", "bad_input", "provider_error");
    const refused = await settle(await submitted());
    const unreadable = await settle(await submitted());
    const broken = await settle(await submitted());
    expect(refused.report).toMatchObject({ state: "failed", error: { kind: "permanent", code: "content_refused" } });
    expect(unreadable.report).toMatchObject({ state: "failed", error: { kind: "permanent", code: "bad_input" } });
    expect(broken.report).toMatchObject({ state: "failed", error: { kind: "transient", code: "runner_server_error" } });
  });

  it("fails as bad input when the bytes are not a photo", async () => {
    const id = await submitted(request({ input: Buffer.from("definitely not an image") }));
    const { report } = await settle(id);
    expect(report).toMatchObject({ state: "failed", error: { kind: "permanent", code: "bad_input" } });
  });

  it("sends an ERROR webhook for a failed request, and status() still decides", async () => {
    stand.script("content_refused");
    const id = await submitted(request({ webhookUrl: `${hookUrl}/webhooks/fal` }));
    const hook = await webhookFor(id);
    expect(JSON.parse(hook.body)).toMatchObject({
      request_id: id,
      status: "ERROR",
      error: "Invalid status code: 422",
      payload: { detail: [{ type: "content_policy_violation" }] },
    });
    await expect(falWebhookVerifier({ jwksUrl: stand.jwksUrl }).verify({ body: hook.body, headers: hook.headers })).resolves.toEqual({
      providerJobId: id,
    });
    expect(await fal.status!(id, MODEL, signal())).toMatchObject({ state: "failed", error: { code: "content_refused" } });
  });

  it("never sends the webhook in the no_webhook scenario; polling still finds the output", async () => {
    stand.script("no_webhook");
    const id = await submitted(request({ webhookUrl: `${hookUrl}/webhooks/fal` }));
    const { report } = await settle(id);
    expect(report.state).toBe("succeeded");
    await stand.settle();
    expect(delivered.filter((d) => d.headers.get("x-fal-webhook-request-id") === id)).toHaveLength(0);
  });

  it("turns a 429 into a transient error carrying Retry-After", async () => {
    stand.script("rate_limited");
    const error = await rejection(fal.submit(request(), signal()));
    expect(error).toMatchObject({ kind: "transient", code: "rate_limited", retryAfterMs: 1000 });
  });

  it("treats a 500 as transient; the retry then succeeds", async () => {
    stand.script("server_error");
    expect(await rejection(fal.submit(request(), signal()))).toMatchObject({ kind: "transient", code: "http_500" });
    const { report } = await settle(await submitted());
    expect(report.state).toBe("succeeded");
  });

  it("gives up on a hanging submit after its timeout", async () => {
    stand.script("hang");
    const impatient = falProvider({ apiKey: KEY, queueUrl: stand.url, timeoutMs: 300 });
    const started = Date.now();
    expect(await rejection(impatient.submit(request(), signal()))).toMatchObject({ kind: "transient", code: "timeout" });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("treats an undocumented answer as a transient malformed response", async () => {
    stand.script("malformed");
    expect(await rejection(fal.submit(request(), signal()))).toMatchObject({ kind: "transient", code: "malformed_response" });
  });

  it("reports a refused key and an exhausted balance as account errors", async () => {
    stand.script("unauthorized", "out_of_credits");
    expect(await rejection(fal.submit(request(), signal()))).toMatchObject({ kind: "account", code: "unauthorized" });
    expect(await rejection(fal.submit(request(), signal()))).toMatchObject({ kind: "account", code: "out_of_credits" });

    const id = await submitted();
    const wrongKey = falProvider({ apiKey: "not-the-key", queueUrl: stand.url });
    expect(await rejection(wrongKey.submit(request(), signal()))).toMatchObject({ kind: "account", code: "unauthorized" });
    expect(await rejection(wrongKey.status!(id, MODEL, signal()))).toMatchObject({ kind: "account", code: "unauthorized" });
  });

  it("refuses a model it has no input mapping for, before calling fal", async () => {
    const before = stand.received.length;
    expect(await rejection(fal.submit(request({ model: "fal-ai/some-video-model" }), signal()))).toMatchObject({
      kind: "account",
      code: "unsupported_model",
    });
    expect(stand.received.length).toBe(before);
    // An endpoint fal itself does not know (here: a queue URL with a stray prefix).
    const misrouted = falProvider({ apiKey: KEY, queueUrl: `${stand.url}/stray` });
    expect(await rejection(misrouted.submit(request(), signal()))).toMatchObject({ kind: "account", code: "unknown_endpoint" });
  });

  it("maps the product-to-model routing name and other table models", async () => {
    const aliased = await submitted(request({ model: "product-to-model" }));
    expect((await settle(aliased, "product-to-model")).report.state).toBe("succeeded");
    const banana = await submitted(request({ model: "fal-ai/nano-banana/edit" }));
    expect((await settle(banana, "fal-ai/nano-banana/edit")).report.state).toBe("succeeded");
    expect(stand.received.some((r) => r.path === `/fal-ai/nano-banana/requests/${banana}/status`)).toBe(true);
  });

  it("returns an output URL even when it has already expired (the pipeline's download then sees 404)", async () => {
    stand.script("expired_output");
    const { report } = await settle(await submitted());
    if (report.state !== "succeeded" || report.output.kind !== "urls") throw new Error("expected URLs");
    expect((await fetch(report.output.urls[0]!)).status).toBe(404);
  });

  it("reports a request fal no longer knows as failed, not found", async () => {
    const report = await fal.status!("0b7a1f3e-0000-4000-8000-000000000000", MODEL, signal());
    expect(report).toMatchObject({ state: "failed", error: { kind: "permanent", code: "not_found" } });
  });

  it("cancels a stuck request, which then reads as canceled", async () => {
    stand.script("stuck");
    const id = await submitted();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await fal.status!(id, MODEL, signal())).state).toBe("queued");
    await fal.cancel!(id, MODEL, signal());
    expect(stand.received.some((r) => r.method === "PUT" && r.path === `/fal-ai/flux-pro/requests/${id}/cancel`)).toBe(true);
    const report = await fal.status!(id, MODEL, signal());
    expect(report).toMatchObject({ state: "canceled", providerJobId: id, error: { code: "canceled" } });
    // Cancelling again (already completed) is a no-op, as is an unknown request.
    await expect(fal.cancel!(id, MODEL, signal())).resolves.toBeUndefined();
    await expect(fal.cancel!("0b7a1f3e-0000-4000-8000-000000000001", MODEL, signal())).resolves.toBeUndefined();
  });

  it("refuses job ids that are not fal request ids", async () => {
    expect(await rejection(fal.status!("../../admin", MODEL, signal()))).toMatchObject({ kind: "permanent", code: "invalid_job_id" });
  });

  it("never puts the API key or the webhook token in an error message", async () => {
    const errors: ProviderError[] = [];
    stand.script("unauthorized", "server_error", "rate_limited", "malformed");
    const req = request({ webhookUrl: `${hookUrl}/webhooks/fal?token=s3cr3t-t0k3n` });
    for (let i = 0; i < 4; i++) errors.push(await rejection(fal.submit(req, signal())));
    stand.script("hang");
    errors.push(await rejection(falProvider({ apiKey: KEY, queueUrl: stand.url, timeoutMs: 200 }).submit(req, signal())));
    errors.push(await rejection(falProvider({ apiKey: KEY, queueUrl: "http://127.0.0.1:9" }).submit(req, signal())));
    expect(errors.map((e) => e.code)).toEqual(["unauthorized", "http_500", "rate_limited", "malformed_response", "timeout", "network"]);
    for (const error of errors) {
      const text = `${error.message} ${String(error)} ${JSON.stringify(error)}`;
      expect(text).not.toContain(KEY);
      expect(text).not.toContain("s3cr3t-t0k3n");
    }
  });
});

describe("the stand-in validates what it receives", () => {
  it("answers a wrong input with fal's 422 validation detail once the request runs", async () => {
    const res = await fetch(`${stand.url}/${MODEL}`, {
      method: "POST",
      headers: { authorization: `Key ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ prompt: "a dress", imageUrl: "data:image/png;base64,AAAA" }),
    });
    const { request_id } = (await res.json()) as { request_id: string };
    const { report } = await settle(request_id);
    expect(report).toMatchObject({ state: "failed", error: { kind: "permanent", code: "bad_input" } });
    const result = await fetch(`${stand.url}/fal-ai/flux-pro/requests/${request_id}`, { headers: { authorization: `Key ${KEY}` } });
    expect(result.status).toBe(422);
    const { detail } = (await result.json()) as { detail: { loc: string[]; type: string }[] };
    expect(detail).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ loc: ["body", "image_url"], type: "missing" }),
        expect.objectContaining({ loc: ["body", "imageUrl"], type: "extra_forbidden" }),
      ]),
    );
  });

  it("refuses a missing key and a status read under the endpoint's subpath", async () => {
    const anonymous = await fetch(`${stand.url}/${MODEL}`, { method: "POST", body: "{}" });
    expect(anonymous.status).toBe(401);
    const id = await submitted();
    const wrongPath = await fetch(`${stand.url}/${MODEL}/requests/${id}/status`, { headers: { authorization: `Key ${KEY}` } });
    expect(wrongPath.status).toBe(404);
  });
});

describe("fal webhook verification", () => {
  const now = () => Math.floor(Date.now() / 1000);

  function forged(body: string, headers: Record<string, string>): ProviderWebhook {
    return { body, headers: new Headers(headers) };
  }

  async function rejected(verifier: ReturnType<typeof falWebhookVerifier>, webhook: ProviderWebhook): Promise<WebhookRejectedError> {
    const error = await verifier.verify(webhook).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WebhookRejectedError);
    return error as WebhookRejectedError;
  }

  const body = (id: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ request_id: id, gateway_request_id: id, status: "OK", payload: { images: [] }, ...extra });

  it("verifies a duplicate delivery twice, to the same request (dedupe is the pipeline's)", async () => {
    const id = await submitted(request({ webhookUrl: `${hookUrl}/webhooks/fal` }));
    const hook = await webhookFor(id);
    const verifier = falWebhookVerifier({ jwksUrl: stand.jwksUrl });
    const first = await verifier.verify({ body: hook.body, headers: hook.headers });
    const second = await verifier.verify({ body: hook.body, headers: hook.headers });
    expect(first).toEqual({ providerJobId: id });
    expect(second).toEqual(first);
  });

  it("rejects forgeries: bad signature, body changed after signing, stale timestamps, unknown key, another request", async () => {
    const verifier = falWebhookVerifier({ jwksUrl: stand.jwksUrl, refetchCooldownMs: 0 });
    const raw = body("3c1e9a52-aaaa-4bbb-8ccc-000000000001");
    const headers = stand.signWebhook(raw);
    await expect(verifier.verify(forged(raw, headers))).resolves.toEqual({ providerJobId: "3c1e9a52-aaaa-4bbb-8ccc-000000000001" });

    const sig = headers["x-fal-webhook-signature"]!;
    const flipped = (sig[0] === "0" ? "1" : "0") + sig.slice(1);
    expect((await rejected(verifier, forged(raw, { ...headers, "x-fal-webhook-signature": flipped }))).reason).toBe("bad_signature");
    const tampered = raw.replace('"status":"OK"', '"status":"ERROR"');
    expect(tampered).not.toBe(raw);
    expect((await rejected(verifier, forged(tampered, headers))).reason).toBe("bad_signature");
    const otherUser = { ...headers, "x-fal-webhook-user-id": "someone-else" };
    expect((await rejected(verifier, forged(raw, otherUser))).reason).toBe("bad_signature");

    const old = stand.signWebhook(raw, { timestamp: now() - 6 * 60 });
    expect((await rejected(verifier, forged(raw, old))).reason).toBe("stale_timestamp");
    const future = stand.signWebhook(raw, { timestamp: now() + 6 * 60 });
    expect((await rejected(verifier, forged(raw, future))).reason).toBe("stale_timestamp");
    const recent = stand.signWebhook(raw, { timestamp: now() - 4 * 60 });
    await expect(verifier.verify(forged(raw, recent))).resolves.toBeDefined();

    const before = jwksFetches();
    const stranger = generateKeyPairSync("ed25519").privateKey;
    expect((await rejected(verifier, forged(raw, stand.signWebhook(raw, { privateKey: stranger })))).reason).toBe("bad_signature");
    expect(jwksFetches()).toBe(before + 1); // looked for a rotated key before refusing

    const elsewhere = stand.signWebhook(raw, { requestId: "3c1e9a52-aaaa-4bbb-8ccc-000000000002" });
    expect((await rejected(verifier, forged(raw, elsewhere))).reason).toBe("malformed");
    const { "x-fal-webhook-signature": _dropped, ...unsigned } = headers;
    expect((await rejected(verifier, forged(raw, unsigned))).reason).toBe("malformed");
  });

  it("rejects a webhook when the key set holds no Ed25519 key", async () => {
    const verifier = falWebhookVerifier({ fetchJwks: async () => ({ keys: [{ kty: "RSA", n: "x", e: "AQAB" }] }) });
    const raw = body("3c1e9a52-aaaa-4bbb-8ccc-000000000003");
    expect((await rejected(verifier, forged(raw, stand.signWebhook(raw)))).reason).toBe("unknown_key");
  });

  it("fails (not rejects) when the key set cannot be loaded, so fal retries the delivery", async () => {
    const verifier = falWebhookVerifier({ jwksUrl: `${stand.url}/no-such-jwks` });
    const raw = body("3c1e9a52-aaaa-4bbb-8ccc-000000000004");
    const error = await verifier.verify(forged(raw, stand.signWebhook(raw))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(WebhookRejectedError);
  });

  it("fetches the key set once for many verifications, again on rotation, and not for every forgery", async () => {
    let offset = 0;
    const clock = () => Date.now() + offset;
    const verifier = falWebhookVerifier({ jwksUrl: stand.jwksUrl, now: clock });
    const signed = (i: number) => {
      const raw = body(`3c1e9a52-aaaa-4bbb-8ccc-0000000001${String(i).padStart(2, "0")}`);
      return forged(raw, stand.signWebhook(raw, { timestamp: Math.floor(clock() / 1000) }));
    };

    const start = jwksFetches();
    await Promise.all([1, 2, 3, 4, 5].map((i) => verifier.verify(signed(i))));
    for (const i of [6, 7, 8]) await verifier.verify(signed(i));
    expect(jwksFetches()).toBe(start + 1);

    stand.rotateKey();
    offset += 2 * 60_000; // past the refetch cooldown
    await expect(verifier.verify(signed(9))).resolves.toBeDefined();
    expect(jwksFetches()).toBe(start + 2);
    await verifier.verify(signed(10));
    expect(jwksFetches()).toBe(start + 2);

    // Right after a fetch, forgeries are refused without another one.
    const stranger = generateKeyPairSync("ed25519").privateKey;
    for (let i = 0; i < 5; i++) {
      const raw = body("3c1e9a52-aaaa-4bbb-8ccc-000000000199");
      await rejected(verifier, forged(raw, stand.signWebhook(raw, { privateKey: stranger, timestamp: Math.floor(clock() / 1000) })));
    }
    expect(jwksFetches()).toBe(start + 2);

    // The cache expires after a day.
    offset += 24 * 60 * 60_000 + 1;
    await verifier.verify(signed(11));
    expect(jwksFetches()).toBe(start + 3);
  });
});
