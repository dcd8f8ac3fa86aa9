import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import sharp from "sharp";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { httpWorkerWebhookVerifier } from "~/services/providers/http-worker-webhook.server";
import { WebhookRejectedError, type ProviderWebhook } from "~/services/providers/webhook.server";
import { startHttpWorkerStandIn, type HttpWorkerStandIn } from "../../dev/providers/http-worker";
import { httpWorkerProvider } from "../../worker/providers/http-worker";
import { ProviderError, type GenerationRequest, type Provider, type StatusReport } from "../../worker/providers/provider";
import { garmentPhoto } from "../studio/fixtures";

const TOKEN = "gpu-token-3f9c1e7a5b2d4c6e8f0a";
const SECRET = "callback-secret-8e2b6d4f0a1c3e5g";

interface Callback {
  body: string;
  headers: Headers;
}

/** Receives callbacks like the app's webhook route; answers with `statuses` in turn, then 200. */
async function startReceiver(statuses: number[] = []) {
  const calls: Callback[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
      calls.push({ body: Buffer.concat(chunks).toString("utf8"), headers });
      res.statusCode = statuses.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/generation/job?token=per-job`;
  return { url, calls, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A worker that answers every request with `answer` (for answers the stand-in never gives). */
async function startFixedWorker(answer: unknown) {
  const server = createServer((_req, res) => {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(answer));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

let stand: HttpWorkerStandIn;
let provider: Provider;
let input: Buffer;
let counter = 0;

beforeAll(async () => {
  stand = await startHttpWorkerStandIn({ token: TOKEN, secret: SECRET, latencyMs: 200 });
  provider = httpWorkerProvider({ baseUrl: `${stand.url}/`, token: TOKEN, timeoutMs: 5_000 });
  input = await sharp(await garmentPhoto("tee")).jpeg({ quality: 85 }).toBuffer();
});

afterEach(async () => {
  await stand.settle();
});

afterAll(async () => {
  await stand.close();
});

function request(overrides: Partial<GenerationRequest> = {}): GenerationRequest {
  counter += 1;
  return {
    jobId: `00000000-0000-4000-8000-${String(counter).padStart(12, "0")}`,
    input,
    inputMimeType: "image/jpeg",
    model: "tryon-v2",
    modelPreset: "fashion_model_v1",
    posePreset: "standing",
    scenePreset: "studio",
    generationType: "standard",
    aspectRatio: "3:4",
    seed: 1234,
    ...overrides,
  };
}

const signal = () => AbortSignal.timeout(20_000);

async function waitForEnd(id: string, p: Provider = provider): Promise<StatusReport> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const report = await p.status!(id, "tryon-v2", signal());
    if (report.state !== "queued" && report.state !== "running") return report;
    if (Date.now() > deadline) throw new Error(`job ${id} is still ${report.state}`);
    await new Promise((resolve) => setTimeout(resolve, 40));
  }
}

async function providerError(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

async function waitFor<T>(check: () => T | undefined): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("condition never held");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("http worker provider", () => {
  it("submits per the contract and finishes by polling", async () => {
    const req = request({ prompt: "linen, summer light" });
    const submission = await provider.submit(req, signal());
    expect(submission).toEqual({ state: "queued", providerJobId: req.jobId });

    const sent = stand.received.find((r) => r.method === "POST" && r.path === "/v1/jobs")!;
    expect(sent.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(sent.body).toMatchObject({
      id: req.jobId,
      model: "tryon-v2",
      input: { mime_type: "image/jpeg", model_preset: "fashion_model_v1", aspect_ratio: "3:4", seed: 1234, prompt: "linen, summer light" },
    });
    expect((sent.body as { input: { image: string } }).input.image).toBe(`data:image/jpeg;base64,${input.toString("base64")}`);
    expect(sent.body).not.toHaveProperty("callback_url");

    const report = await waitForEnd(req.jobId);
    expect(report.state).toBe("succeeded");
    if (report.state !== "succeeded" || report.output.kind !== "urls") throw new Error("expected URLs");
    expect(report.output.urls).toHaveLength(1);
    const res = await fetch(report.output.urls[0]!);
    expect(res.status).toBe(200);
    expect((await sharp(Buffer.from(await res.arrayBuffer())).metadata()).format).toBe("jpeg");
  });

  it("passes the webhook URL as callback_url and the signed callback verifies to the job", async () => {
    const receiver = await startReceiver();
    try {
      const req = request({ webhookUrl: receiver.url });
      await provider.submit(req, signal());
      const sent = stand.received.find((r) => (r.body as { id?: string } | undefined)?.id === req.jobId)!;
      expect(sent.body).toMatchObject({ callback_url: receiver.url });

      const callback = await waitFor(() => receiver.calls[0]);
      expect(callback.headers.get("content-type")).toBe("application/json");
      const verified = await httpWorkerWebhookVerifier({ secret: SECRET }).verify(callback);
      expect(verified).toEqual({ providerJobId: req.jobId });
      // The callback only wakes the app; the status call is what it trusts.
      expect((await provider.status!(verified.providerJobId, "tryon-v2", signal())).state).toBe("succeeded");
    } finally {
      await receiver.close();
    }
  });

  it("resubmitting the same id returns the same job, a finished one with its output", async () => {
    const req = request();
    const first = await provider.submit(req, signal());
    const second = await provider.submit(req, signal());
    expect(second.providerJobId).toBe(first.providerJobId);
    const done = await waitForEnd(req.jobId);
    const third = await provider.submit(req, signal());
    expect(third.state).toBe("succeeded");
    // Every render gets a fresh URL, so the same URL means the same, single job.
    if (third.state !== "succeeded" || done.state !== "succeeded") throw new Error("expected success");
    expect(third.output).toEqual(done.output);

    const conflict = await providerError(provider.submit({ ...req, seed: 99 }, signal()));
    expect([conflict.kind, conflict.code]).toEqual(["permanent", "id_conflict"]);
  });

  it.each([
    ["content_refused", "permanent", "content_refused"],
    ["bad_input", "permanent", "invalid_input"],
    ["provider_error", "transient", "internal_error"],
  ] as const)("a job failing with %s is a %s error", async (scenario, kind, code) => {
    stand.script(scenario);
    const req = request();
    await provider.submit(req, signal());
    const report = await waitForEnd(req.jobId);
    expect(report.state).toBe("failed");
    if (report.state !== "failed") return;
    expect([report.error.kind, report.error.code]).toEqual([kind, code]);
    expect(report.error.message).toMatch(/^GPU worker: .+/);
  });

  it("a failed job can be tried again under the same id", async () => {
    stand.script("provider_error");
    const req = request();
    await provider.submit(req, signal());
    expect((await waitForEnd(req.jobId)).state).toBe("failed");
    expect(await provider.submit(req, signal())).toEqual({ state: "queued", providerJobId: req.jobId });
    expect((await waitForEnd(req.jobId)).state).toBe("succeeded");
  });

  it("429 is transient and carries Retry-After", async () => {
    stand.script("rate_limited");
    const error = await providerError(provider.submit(request(), signal()));
    expect([error.kind, error.code, error.retryAfterMs]).toEqual(["transient", "rate_limited", 1000]);
  });

  it("500 is transient and the retry succeeds", async () => {
    stand.script("server_error");
    const req = request();
    const error = await providerError(provider.submit(req, signal()));
    expect([error.kind, error.code]).toEqual(["transient", "http_500"]);
    expect(await provider.submit(req, signal())).toEqual({ state: "queued", providerJobId: req.jobId });
    expect((await waitForEnd(req.jobId)).state).toBe("succeeded");
  });

  it("a worker that does not answer in time is a transient timeout", async () => {
    stand.script("hang");
    const impatient = httpWorkerProvider({ baseUrl: stand.url, token: TOKEN, timeoutMs: 300 });
    const error = await providerError(impatient.submit(request(), signal()));
    expect([error.kind, error.code]).toEqual(["transient", "timeout"]);
  });

  it("an undocumented answer is transient, and resubmitting finds the job", async () => {
    stand.script("malformed");
    const req = request();
    const error = await providerError(provider.submit(req, signal()));
    expect([error.kind, error.code]).toEqual(["transient", "malformed_response"]);
    expect((await provider.submit(req, signal())).providerJobId).toBe(req.jobId);
  });

  it("an answer about another job, or a success without outputs, is malformed", async () => {
    for (const answer of [
      { id: "someone-else", status: "running" },
      { id: "job-1", status: "succeeded", outputs: [] },
      { id: "job-1", status: "failed" },
    ]) {
      const worker = await startFixedWorker(answer);
      try {
        const p = httpWorkerProvider({ baseUrl: worker.url, token: TOKEN });
        const error = await providerError(p.status!("job-1", "tryon-v2", signal()));
        expect([error.kind, error.code]).toEqual(["transient", "malformed_response"]);
      } finally {
        await worker.close();
      }
    }
  });

  it("a refused token or a used-up quota is an account error", async () => {
    const wrong = httpWorkerProvider({ baseUrl: stand.url, token: "not-the-token" });
    const refused = await providerError(wrong.submit(request(), signal()));
    expect([refused.kind, refused.code]).toEqual(["account", "unauthorized"]);

    stand.script("unauthorized", "out_of_credits");
    const revoked = await providerError(provider.submit(request(), signal()));
    expect([revoked.kind, revoked.code]).toEqual(["account", "unauthorized"]);
    const quota = await providerError(provider.submit(request(), signal()));
    expect([quota.kind, quota.code]).toEqual(["account", "forbidden"]);
    expect(quota.message).toContain("quota_exhausted");
  });

  it("an expired output URL answers 404", async () => {
    stand.script("expired_output");
    const req = request();
    await provider.submit(req, signal());
    const report = await waitForEnd(req.jobId);
    if (report.state !== "succeeded" || report.output.kind !== "urls") throw new Error(`expected success, got ${report.state}`);
    expect((await fetch(report.output.urls[0]!)).status).toBe(404);
  });

  it("cancels a stuck job, twice harmlessly, and tolerates an unknown id", async () => {
    stand.script("stuck");
    const req = request();
    await provider.submit(req, signal());
    expect((await provider.status!(req.jobId, "tryon-v2", signal())).state).toBe("queued");
    await provider.cancel!(req.jobId, "tryon-v2", signal());
    await provider.cancel!(req.jobId, "tryon-v2", signal());
    const report = await provider.status!(req.jobId, "tryon-v2", signal());
    expect(report.state).toBe("canceled");
    if (report.state === "canceled") expect([report.error.kind, report.error.code]).toEqual(["permanent", "canceled"]);
    await expect(provider.cancel!("never-submitted", "tryon-v2", signal())).resolves.toBeUndefined();
    const lost = await providerError(provider.status!("never-submitted", "tryon-v2", signal()));
    expect([lost.kind, lost.code]).toEqual(["permanent", "not_found"]);
  });

  it("the reference worker refuses requests outside the contract", async () => {
    const post = (body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${stand.url}/v1/jobs`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json", ...headers },
        body: JSON.stringify(body),
      });
    const valid = {
      id: "contract-check",
      model: "m",
      input: {
        image: `data:image/jpeg;base64,${input.toString("base64")}`,
        mime_type: "image/jpeg",
        model_preset: "a",
        pose_preset: "b",
        scene_preset: "c",
        generation_type: "standard",
        aspect_ratio: "3:4",
        seed: 1,
      },
    };
    for (const body of [
      { ...valid, input: { ...valid.input, image: "https://example.com/p.jpg" } },
      { ...valid, input: { ...valid.input, mime_type: "image/png" } },
      { ...valid, input: { ...valid.input, seed: -1 } },
      { ...valid, callbackUrl: "https://app.example/hook" },
      { ...valid, input: { ...valid.input, modelPreset: "a" } },
    ]) {
      const res = await post(body);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: "invalid_request", message: expect.any(String) } });
    }
    expect((await post(valid, { authorization: `Token ${TOKEN}` })).status).toBe(401);
    expect((await post(valid, { "content-type": "text/plain" })).status).toBe(400);
  });

  it("never puts the token in an error message", async () => {
    const errors: ProviderError[] = [];
    const wrongToken = `${TOKEN}-old`;
    errors.push(await providerError(httpWorkerProvider({ baseUrl: stand.url, token: wrongToken }).submit(request(), signal())));
    stand.script("rate_limited", "server_error", "malformed");
    for (let i = 0; i < 3; i++) errors.push(await providerError(provider.submit(request(), signal())));
    const unreachable = httpWorkerProvider({ baseUrl: "http://127.0.0.1:9", token: TOKEN });
    errors.push(await providerError(unreachable.status!("x", "m", signal())));

    // A careless worker that echoes the request's token into its failure message.
    const echo = await startFixedWorker({ id: "job-1", status: "failed", error: { code: "boom", message: `bad header Bearer ${TOKEN}`, retryable: false } });
    try {
      const report = await httpWorkerProvider({ baseUrl: echo.url, token: TOKEN }).status!("job-1", "m", signal());
      if (report.state === "failed") errors.push(report.error);
    } finally {
      await echo.close();
    }
    expect(errors).toHaveLength(6);
    for (const error of errors) {
      expect(error.message).not.toContain(TOKEN);
      expect(error.message).not.toContain(wrongToken);
    }
  });
});

describe("http worker callbacks", () => {
  const verifier = httpWorkerWebhookVerifier({ secret: SECRET });

  function signed(body: string, timestamp = Math.floor(Date.now() / 1000), signature = stand.signCallback(body, timestamp)): ProviderWebhook {
    return { body, headers: new Headers({ "x-atelier-timestamp": String(timestamp), "x-atelier-signature": signature }) };
  }

  async function rejection(webhook: ProviderWebhook, v = verifier): Promise<string> {
    const error = await v.verify(webhook).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WebhookRejectedError);
    return (error as WebhookRejectedError).reason;
  }

  it("a callback answered 500 is sent again, and both deliveries verify to the same job", async () => {
    const receiver = await startReceiver([500]);
    try {
      const req = request({ webhookUrl: receiver.url });
      await provider.submit(req, signal());
      await waitFor(() => receiver.calls[1]);
      for (const call of receiver.calls) expect(await verifier.verify(call)).toEqual({ providerJobId: req.jobId });
      expect(receiver.calls[0]!.headers.get("x-atelier-signature")).toMatch(/^v1=[0-9a-f]{64}$/);
      expect(JSON.parse(receiver.calls[1]!.body)).toMatchObject({ id: req.jobId, status: "succeeded" });
    } finally {
      await receiver.close();
    }
  });

  it("no_webhook sends nothing; polling still finishes the job", async () => {
    const receiver = await startReceiver();
    try {
      stand.script("no_webhook");
      const req = request({ webhookUrl: receiver.url });
      await provider.submit(req, signal());
      expect((await waitForEnd(req.jobId)).state).toBe("succeeded");
      await stand.settle();
      expect(receiver.calls).toHaveLength(0);
    } finally {
      await receiver.close();
    }
  });

  it("accepts a rotated header carrying several v1 entries", async () => {
    const body = JSON.stringify({ id: "job-7", status: "succeeded" });
    const ts = Math.floor(Date.now() / 1000);
    const header = `v1=${"0".repeat(64)}, ${stand.signCallback(body, ts)}`;
    expect(await verifier.verify(signed(body, ts, header))).toEqual({ providerJobId: "job-7" });
  });

  it("refuses forged, tampered, stale and unsigned callbacks", async () => {
    const body = JSON.stringify({ id: "job-1", status: "succeeded", outputs: [{ url: "https://x/y.jpg", content_type: "image/jpeg" }] });
    const ts = Math.floor(Date.now() / 1000);
    const other = httpWorkerWebhookVerifier({ secret: "some-other-secret" });

    expect(await rejection(signed(body), other)).toBe("bad_signature");
    expect(await rejection({ ...signed(body), body: body.replace("succeeded", "failed") })).toBe("bad_signature");
    expect(await rejection(signed(body, ts, stand.signCallback(body, ts - 1)))).toBe("bad_signature");
    expect(await rejection(signed(body, ts - 6 * 60))).toBe("stale_timestamp");
    expect(await rejection(signed(body, ts + 6 * 60))).toBe("stale_timestamp");
    const later = httpWorkerWebhookVerifier({ secret: SECRET, now: () => Date.now() + 6 * 60_000 });
    expect(await rejection(signed(body), later)).toBe("stale_timestamp");

    expect(await rejection({ body, headers: new Headers() })).toBe("malformed");
    expect(await rejection({ body, headers: new Headers({ "x-atelier-signature": stand.signCallback(body, ts) }) })).toBe("malformed");
    expect(await rejection({ body, headers: new Headers({ "x-atelier-timestamp": String(ts) }) })).toBe("malformed");
    expect(await rejection(signed(body, ts, stand.signCallback(body, ts).replace("v1=", "v0=")))).toBe("malformed");
    expect(await rejection({ ...signed(body), headers: new Headers({ "x-atelier-timestamp": "soon", "x-atelier-signature": "v1=00" }) })).toBe(
      "malformed",
    );
    expect(await rejection(signed(JSON.stringify({ status: "succeeded" })))).toBe("malformed");
    expect(await rejection(signed("not json"))).toBe("malformed");
  });
});
