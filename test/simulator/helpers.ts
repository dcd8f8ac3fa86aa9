import { createHmac } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll } from "vitest";

// Shared by the simulator tests: a recording stand-in for the app (webhooks land
// here), polling without long timeouts, and Shopify's webhook HMAC computed
// independently of the simulator's own code.

export const API_SECRET = "sim-test-api-secret";

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `probe` every few milliseconds until it returns a value that is not undefined. */
export async function until<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 3000, everyMs = 4): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  raw: Buffer;
  json(): Record<string, unknown>;
}

export interface FakeApp {
  url: string;
  requests: RecordedRequest[];
  /** Waits for a request matching `match` and returns it. */
  next(match: (r: RecordedRequest) => boolean, what: string): Promise<RecordedRequest>;
}

/** A tiny HTTP server on 127.0.0.1 playing the app; records every request and answers 200. */
export async function startFakeApp(): Promise<FakeApp> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      requests.push({
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        raw,
        json: () => JSON.parse(raw.toString("utf8")) as Record<string, unknown>,
      });
      res.writeHead(200, { "Content-Type": "text/plain" });
      res.end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  afterAll(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    next: (match, what) => until(() => requests.find(match), what),
  };
}

export function expectedHmac(raw: Buffer, secret = API_SECRET): string {
  return createHmac("sha256", secret).update(raw).digest("base64");
}

export function header(r: RecordedRequest, name: string): string | undefined {
  const value = r.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(",") : value;
}

/** Fails the test with the GraphQL errors when a response has any. */
export function dataOf<T>(response: { status: number; body: { data?: T; errors?: unknown } }): T {
  if (response.status !== 200 || response.body.errors || !response.body.data) {
    throw new Error(`GraphQL request failed (${response.status}): ${JSON.stringify(response.body.errors ?? response.body)}`);
  }
  return response.body.data;
}
