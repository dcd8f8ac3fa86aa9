import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyFashnWebhook } from "~/services/providers/fashn-webhook.server";
import { WebhookRejectedError } from "~/services/providers/webhook.server";
import { startFashnStandIn } from "../../dev/providers/fashn";
import type { StandIn } from "../../dev/providers/common";
import { fashnProvider, fashnRuntimeError } from "../../worker/providers/fashn";
import { ProviderError, type GenerationRequest, type Provider, type StatusReport } from "../../worker/providers/provider";
import { garmentPhoto } from "../studio/fixtures";

const KEY = "fa-test-key-0123456789abcdef";
const signal = new AbortController().signal;

interface Hook {
  url: string;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** Our side of the webhook: records what FASHN posts. */
async function startHookServer(): Promise<{ origin: string; hooks: Hook[]; server: Server }> {
  const hooks: Hook[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      hooks.push({ url: req.url ?? "", body: Buffer.concat(chunks).toString("utf8"), headers: req.headers });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hooks, server };
}

/** A fixed-answer server, for status bodies the stand-in never produces on its own. */
async function startCannedServer(answer: () => { status: number; body: unknown }): Promise<{ origin: string; server: Server }> {
  const server = createServer((_req, res) => {
    const { status, body } = answer();
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

let stand: StandIn;
let hook: Awaited<ReturnType<typeof startHookServer>>;
let fashn: Provider;
let photo: Buffer;
const messages: string[] = [];

beforeAll(async () => {
  stand = await startFashnStandIn({ apiKey: KEY, latencyMs: 300 });
  hook = await startHookServer();
  fashn = fashnProvider({ apiKey: KEY, baseUrl: stand.url, timeoutMs: 5000, modelImages: { fashion_model_v1: "https://models.example/ava.jpg" } });
  photo = await garmentPhoto("tee");
});

afterAll(async () => {
  await stand.settle();
  await stand.close();
  await close(hook.server);
});

function request(extra: Partial<GenerationRequest> = {}): GenerationRequest {
  return {
    jobId: "7f9c6c1e-0000-4000-8000-000000000001",
    input: photo,
    inputMimeType: "image/png",
    model: "product-to-model",
    modelPreset: "fashion_model_v1",
    posePreset: "walking",
    scenePreset: "street",
    generationType: "standard",
    aspectRatio: "4:5",
    seed: 1234,
    prompt: "rolled-up sleeves",
    ...extra,
  };
}

/** The ProviderError a promise rejects with; its message is kept for the key check. */
async function providerError(p: Promise<unknown>): Promise<ProviderError> {
  const error = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof ProviderError)) throw new Error(`expected a ProviderError, got ${String(error)}`);
  messages.push(error.message);
  return error;
}

async function submitted(provider: Provider, req = request()): Promise<string> {
  const submission = await provider.submit(req, signal);
  expect(submission.state).toBe("queued");
  if (submission.state === "succeeded") throw new Error("FASHN never answers at once");
  return submission.providerJobId;
}

/** Polls as the pipeline would, returning every report up to the terminal one. */
async function pollToEnd(provider: Provider, id: string, model = "product-to-model"): Promise<StatusReport[]> {
  const reports: StatusReport[] = [];
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const report = await provider.status!(id, model, signal);
    reports.push(report);
    if (report.state !== "queued" && report.state !== "running") return reports;
    await new Promise((r) => setTimeout(r, 40));
  }
  throw new Error(`prediction ${id} never finished`);
}

function lastOf(reports: StatusReport[]): StatusReport {
  return reports[reports.length - 1]!;
}

function runRequests() {
  return stand.received.filter((r) => r.path.startsWith("/v1/run"));
}

describe("FASHN adapter against the stand-in", () => {
  it("submits product-to-model with FASHN's fields and polls to a downloadable output", async () => {
    const before = runRequests().length;
    const id = await submitted(fashn);
    const sent = runRequests()[before]!;
    expect(sent.method).toBe("POST");
    expect(sent.path).toBe("/v1/run"); // no webhook asked for, none passed
    expect(sent.headers.authorization).toBe(`Bearer ${KEY}`);
    const body = sent.body as { model_name: string; inputs: Record<string, unknown> };
    expect(body.model_name).toBe("product-to-model");
    expect(body.inputs.product_image).toBe(`data:image/png;base64,${photo.toString("base64")}`);
    expect(body.inputs).toMatchObject({ aspect_ratio: "4:5", seed: 1234, resolution: "1k", output_format: "png" });
    expect(body.inputs.prompt).toMatch(/feminine.*walking pose.*street background.*rolled-up sleeves/);
    expect(body.inputs).not.toHaveProperty("model_image");

    const reports = await pollToEnd(fashn, id);
    const states = reports.map((r) => r.state);
    // Documented order only: starting/in_queue, then processing, then completed.
    expect(states.join(",")).toMatch(/^(queued,)*(running,)*succeeded$/);
    const done = lastOf(reports);
    if (done.state !== "succeeded" || done.output.kind !== "urls") throw new Error(`unexpected ${done.state}`);
    expect(done.providerJobId).toBe(id);
    expect(done.output.urls).toHaveLength(1);
    const res = await fetch(done.output.urls[0]!);
    expect(res.status).toBe(200);
    const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
    expect(meta.format).toBe("jpeg");
  });

  it("asks for HD as FASHN's 2k resolution and maps seeds into its 32-bit range", async () => {
    const before = runRequests().length;
    await submitted(fashn, request({ generationType: "hd", seed: -1, modelPreset: "dress_form", prompt: undefined }));
    const inputs = (runRequests()[before]!.body as { inputs: Record<string, unknown> }).inputs;
    expect(inputs.resolution).toBe("2k");
    expect(inputs.seed).toBe(2 ** 32 - 1);
    expect(inputs.prompt).toMatch(/dress form/);
  });

  it("passes the webhook URL as FASHN's webhook_url query parameter; the webhook passes the verifier", async () => {
    const webhookUrl = `${hook.origin}/webhooks/fashn/job-1?token=per-job-token`;
    const before = hook.hooks.length;
    const id = await submitted(fashn, request({ webhookUrl }));
    const sent = runRequests().at(-1)!;
    expect(new URL(sent.path, "http://x").searchParams.get("webhook_url")).toBe(webhookUrl);
    await stand.settle();
    const delivered = hook.hooks.slice(before);
    expect(delivered).toHaveLength(1);
    expect(delivered[0]!.url).toBe("/webhooks/fashn/job-1?token=per-job-token");
    const verified = verifyFashnWebhook({ body: delivered[0]!.body, headers: new Headers(delivered[0]!.headers as Record<string, string>) });
    expect(verified).toEqual({ providerJobId: id });
    expect(JSON.parse(delivered[0]!.body)).toMatchObject({ id, status: "completed", error: null });
    expect((await fashn.status!(id, "product-to-model", signal)).state).toBe("succeeded");
  });

  it("sends no webhook in the no_webhook scenario; polling still finds the output", async () => {
    stand.script("no_webhook");
    const before = hook.hooks.length;
    const id = await submitted(fashn, request({ webhookUrl: `${hook.origin}/webhooks/fashn/job-2?token=t` }));
    expect(lastOf(await pollToEnd(fashn, id)).state).toBe("succeeded");
    await stand.settle();
    expect(hook.hooks.length).toBe(before);
  });

  it.each([
    ["content_refused", "permanent", "content_refused"],
    ["bad_input", "permanent", "input_unreadable"],
    ["provider_error", "transient", "provider_error"],
  ] as const)("reports a %s prediction as failed, %s (%s)", async (scenario, kind, code) => {
    stand.script(scenario);
    const id = await submitted(fashn);
    const done = lastOf(await pollToEnd(fashn, id));
    if (done.state !== "failed") throw new Error(`expected failed, got ${done.state}`);
    expect(done.error).toBeInstanceOf(ProviderError);
    expect(done.error.kind).toBe(kind);
    expect(done.error.code).toBe(code);
    messages.push(done.error.message);
  });

  it("fails with ImageLoadError when the photo is not an image at all", async () => {
    const id = await submitted(fashn, request({ input: Buffer.from("not an image"), inputMimeType: "image/jpeg" }));
    const done = lastOf(await pollToEnd(fashn, id));
    if (done.state !== "failed") throw new Error(`expected failed, got ${done.state}`);
    expect([done.error.kind, done.error.code]).toEqual(["permanent", "input_unreadable"]);
  });

  it("treats 429 RateLimitExceeded as transient and honours Retry-After", async () => {
    stand.script("rate_limited");
    const error = await providerError(fashn.submit(request(), signal));
    expect([error.kind, error.code, error.retryAfterMs]).toEqual(["transient", "rate_limited", 1000]);
  });

  it("treats a 500 as transient; the next submission goes through", async () => {
    stand.script("server_error");
    const error = await providerError(fashn.submit(request(), signal));
    expect([error.kind, error.code]).toEqual(["transient", "http_500"]);
    await submitted(fashn);
  });

  it("gives up on a hung submission after timeoutMs as a transient timeout", async () => {
    stand.script("hang");
    const impatient = fashnProvider({ apiKey: KEY, baseUrl: stand.url, timeoutMs: 300 });
    const error = await providerError(impatient.submit(request(), signal));
    expect([error.kind, error.code]).toEqual(["transient", "timeout"]);
  });

  it("treats an undocumented answer as transient malformed_response", async () => {
    stand.script("malformed");
    const error = await providerError(fashn.submit(request(), signal));
    expect([error.kind, error.code]).toEqual(["transient", "malformed_response"]);
  });

  it("classifies OutOfCredits (a 429) and 401 as account problems", async () => {
    stand.script("out_of_credits", "unauthorized");
    const credits = await providerError(fashn.submit(request(), signal));
    expect([credits.kind, credits.code]).toEqual(["account", "out_of_credits"]);
    const unauthorized = await providerError(fashn.submit(request(), signal));
    expect([unauthorized.kind, unauthorized.code]).toEqual(["account", "unauthorized"]);
  });

  it("refuses a wrong key as an account problem, without echoing either key", async () => {
    const wrongKey = "fa-wrong-key-fedcba9876543210";
    const wrong = fashnProvider({ apiKey: wrongKey, baseUrl: stand.url });
    const error = await providerError(wrong.submit(request(), signal));
    expect([error.kind, error.code]).toEqual(["account", "unauthorized"]);
    expect(error.message).not.toContain(wrongKey);
    const status = await providerError(wrong.status!("anything", "product-to-model", signal));
    expect(status.kind).toBe("account");
  });

  it("serves an expired output as 404", async () => {
    stand.script("expired_output");
    const id = await submitted(fashn);
    const done = lastOf(await pollToEnd(fashn, id));
    if (done.state !== "succeeded" || done.output.kind !== "urls") throw new Error(`expected succeeded, got ${done.state}`);
    expect((await fetch(done.output.urls[0]!)).status).toBe(404);
  });

  it("keeps a stuck prediction queued", async () => {
    stand.script("stuck");
    const id = await submitted(fashn);
    await new Promise((r) => setTimeout(r, 400)); // past the stand-in's latency
    expect(await fashn.status!(id, "product-to-model", signal)).toEqual({ state: "queued", providerJobId: id });
  });

  it("answers an unknown prediction id with 404, permanent not_found", async () => {
    const error = await providerError(fashn.status!("no-such-prediction", "product-to-model", signal));
    expect([error.kind, error.code]).toEqual(["permanent", "not_found"]);
  });

  it("runs try-on with the preset's configured model photo and the product as the garment", async () => {
    const before = runRequests().length;
    const id = await submitted(fashn, request({ model: "tryon-v1.6" }));
    const body = runRequests()[before]!.body as { model_name: string; inputs: Record<string, unknown> };
    expect(body.model_name).toBe("tryon-v1.6");
    expect(body.inputs.model_image).toBe("https://models.example/ava.jpg");
    expect(String(body.inputs.garment_image)).toMatch(/^data:image\/png;base64,/);
    expect(lastOf(await pollToEnd(fashn, id, "tryon-v1.6")).state).toBe("succeeded");

    await submitted(fashn, request({ model: "tryon-max" }));
    const max = runRequests().at(-1)!.body as { inputs: Record<string, unknown> };
    expect(Object.keys(max.inputs)).toEqual(expect.arrayContaining(["model_image", "product_image"]));
  });

  it("refuses try-on without a model photo, and unknown models, before calling FASHN", async () => {
    const before = stand.received.length;
    const missing = await providerError(fashn.submit(request({ model: "tryon-v1.6", modelPreset: "fashion_model_v1_curve" }), signal));
    expect([missing.kind, missing.code]).toEqual(["permanent", "model_image_missing"]);
    const unknown = await providerError(fashn.submit(request({ model: "tryon-v9" }), signal));
    expect([unknown.kind, unknown.code]).toEqual(["account", "unsupported_model"]);
    expect(stand.received.length).toBe(before);
  });

  it("never puts the API key in an error message", () => {
    expect(messages.length).toBeGreaterThan(8);
    for (const message of messages) expect(message).not.toContain(KEY);
  });
});

describe("FASHN stand-in validation", () => {
  async function run(body: unknown, key = KEY): Promise<{ status: number; json: unknown }> {
    const res = await fetch(`${stand.url}/v1/run`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: await res.json() };
  }
  const image = "data:image/png;base64,iVBORw0KGgo=";

  it("refuses a wrong or missing key with FASHN's 401 body", async () => {
    expect(await run({ model_name: "product-to-model", inputs: { product_image: image } }, "nope")).toEqual({
      status: 401,
      json: { error: "UnauthorizedAccess", message: expect.any(String) },
    });
    const res = await fetch(`${stand.url}/v1/status/x`);
    expect(res.status).toBe(401);
  });

  it.each([
    ["an unknown model", { model_name: "product-to-modle", inputs: { product_image: image } }],
    ["missing inputs", { model_name: "product-to-model" }],
    ["a missing product_image", { model_name: "product-to-model", inputs: { prompt: "x" } }],
    ["an undocumented input", { model_name: "product-to-model", inputs: { product_image: image, productImage: image } }],
    ["a base64 image without its prefix", { model_name: "product-to-model", inputs: { product_image: "iVBORw0KGgo=" } }],
    ["an unsupported aspect ratio", { model_name: "product-to-model", inputs: { product_image: image, aspect_ratio: "7:3" } }],
    ["a seed out of range", { model_name: "product-to-model", inputs: { product_image: image, seed: 2 ** 32 } }],
    ["try-on without a model image", { model_name: "tryon-v1.6", inputs: { garment_image: image } }],
  ])("refuses %s with FASHN's 400 body, consuming no scenario", async (_what, body) => {
    stand.script("rate_limited");
    expect(await run(body)).toEqual({ status: 400, json: { error: "BadRequest", message: expect.any(String) } });
    // The scripted scenario is still there for the next valid submission.
    const error = await providerError(fashn.submit(request(), signal));
    expect(error.code).toBe("rate_limited");
  });

  it("refuses a webhook_url that is not an http(s) URL", async () => {
    const res = await fetch(`${stand.url}/v1/run?webhook_url=${encodeURIComponent("javascript:alert(1)")}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${KEY}` },
      body: JSON.stringify({ model_name: "product-to-model", inputs: { product_image: image } }),
    });
    expect(res.status).toBe(400);
  });
});

describe("FASHN status mapping", () => {
  let canned: { status: number; body: unknown } = { status: 200, body: {} };
  let server: Awaited<ReturnType<typeof startCannedServer>>;
  let provider: Provider;
  beforeAll(async () => {
    server = await startCannedServer(() => canned);
    provider = fashnProvider({ apiKey: KEY, baseUrl: server.origin });
  });
  afterAll(() => close(server.server));

  async function statusFor(body: unknown): Promise<StatusReport> {
    canned = { status: 200, body };
    return provider.status!("p-1", "product-to-model", signal);
  }

  it("maps every documented state", async () => {
    expect(await statusFor({ id: "p-1", status: "starting", output: null, error: null })).toEqual({ state: "queued", providerJobId: "p-1" });
    expect(await statusFor({ id: "p-1", status: "in_queue", output: null, error: null })).toEqual({ state: "queued", providerJobId: "p-1" });
    expect(await statusFor({ id: "p-1", status: "processing", output: null, error: null })).toEqual({ state: "running", providerJobId: "p-1" });
    const timedOut = await statusFor({ id: "p-1", status: "time_out", output: null, error: null });
    expect(timedOut.state === "failed" && [timedOut.error.kind, timedOut.error.code]).toEqual(["transient", "provider_timeout"]);
    expect((await statusFor({ id: "p-1", status: "canceled", output: null, error: null })).state).toBe("canceled");
  });

  it.each([
    ["PoseError", "permanent", "pose_undetected"],
    ["InputValidationError", "permanent", "invalid_input"],
    ["ThirdPartyError", "permanent", "third_party_refused"],
    ["3rdPartyProviderError", "transient", "provider_error"],
    ["InternalServerError", "transient", "provider_error"],
    ["SomethingNew", "transient", "provider_error"],
  ] as const)("maps runtime error %s to %s", async (name, kind, code) => {
    const report = await statusFor({ id: "p-1", status: "failed", output: null, error: { name, message: "details" } });
    if (report.state !== "failed") throw new Error(`expected failed, got ${report.state}`);
    expect([report.error.kind, report.error.code]).toEqual([kind, code]);
  });

  it("treats a completion without output, or an answer about another id, as malformed", async () => {
    canned = { status: 200, body: { id: "p-1", status: "completed", output: [], error: null } };
    expect((await providerError(provider.status!("p-1", "product-to-model", signal))).code).toBe("malformed_response");
    canned = { status: 200, body: { id: "p-2", status: "completed", output: ["https://cdn.example/o.png"], error: null } };
    expect((await providerError(provider.status!("p-1", "product-to-model", signal))).code).toBe("malformed_response");
  });

  it("keeps addresses quoted by FASHN out of error messages", () => {
    const error = fashnRuntimeError({ name: "ImageLoadError", message: "Error loading model image https://bucket.example/m.jpg?X-Amz-Signature=s3cr3t" });
    expect(error.message).toContain("Error loading model image");
    expect(error.message).not.toContain("s3cr3t");
    expect(error.message).not.toContain("bucket.example");
  });
});

describe("FASHN webhook verifier", () => {
  const headers = new Headers({ "content-type": "application/json" });

  it.each([
    ["not JSON", "id=abc&status=completed"],
    ["no id", JSON.stringify({ status: "completed", output: ["https://x/y.png"], error: null })],
    ["an undocumented status", JSON.stringify({ id: "abc", status: "done" })],
    ["an array", JSON.stringify([{ id: "abc", status: "completed" }])],
    ["an empty body", ""],
  ])("rejects a body with %s as malformed", (_what, body) => {
    let error: unknown;
    try {
      verifyFashnWebhook({ body, headers });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WebhookRejectedError);
    expect((error as WebhookRejectedError).reason).toBe("malformed");
  });

  it("yields only the id of a forged body; the status re-fetch shows the truth", async () => {
    stand.script("stuck");
    const id = await submitted(fashn);
    const forged = JSON.stringify({ id, status: "completed", output: ["https://evil.example/fake.png"], error: null });
    expect(verifyFashnWebhook({ body: forged, headers })).toEqual({ providerJobId: id });
    expect((await fashn.status!(id, "product-to-model", signal)).state).toBe("queued");
  });
});
