import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkAddress } from "~/services/net/address-policy.server";
import {
  BlockedUrlError,
  FetchLimitError,
  guardedFetch,
  type GuardedFetchOptions,
  type Resolver,
} from "~/services/net/guarded-fetch.server";

interface TestServer {
  origin: string;
  port: number;
  /** Paths requested, in order. */
  hits: string[];
  /** Requests whose connection closed before the handler finished writing. */
  aborted: string[];
  lastHeaders: IncomingMessage["headers"] | null;
  server: Server;
}

async function startServer(handler: (req: IncomingMessage, res: ServerResponse, s: TestServer) => void): Promise<TestServer> {
  const state = { hits: [], aborted: [], lastHeaders: null } as unknown as TestServer;
  const server = createServer((req, res) => {
    state.hits.push(req.url ?? "");
    state.lastHeaders = req.headers;
    res.on("close", () => {
      if (!res.writableFinished) state.aborted.push(req.url ?? "");
    });
    handler(req, res, state);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, { server, port, origin: `http://127.0.0.1:${port}` });
}

/** Writes `chunk` every `everyMs` until the client goes away or `max` writes. */
function trickle(res: ServerResponse, chunk: Buffer, everyMs: number, max = 10_000): void {
  let n = 0;
  const timer = setInterval(() => {
    if (res.destroyed || n++ >= max) {
      clearInterval(timer);
      if (!res.destroyed) res.end();
      return;
    }
    res.write(chunk);
  }, everyMs);
  res.on("close", () => clearInterval(timer));
}

let a: TestServer;
let b: TestServer;

beforeAll(async () => {
  b = await startServer((req, res) => {
    res.setHeader("content-type", "text/plain");
    res.end("from b");
  });
  a = await startServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    switch (url.pathname) {
      case "/ok":
        res.setHeader("content-type", "image/png");
        res.end("hello");
        return;
      case "/headers":
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify(req.headers));
        return;
      case "/redirect":
        res.statusCode = Number(url.searchParams.get("status") ?? 302);
        res.setHeader("location", url.searchParams.get("to") ?? "/ok");
        res.end();
        return;
      case "/loop":
        res.statusCode = 302;
        res.setHeader("location", "/loop");
        res.end();
        return;
      case "/big-length":
        res.setHeader("content-length", "5000");
        res.end(Buffer.alloc(5000));
        return;
      case "/big-chunked":
        // No Content-Length: the cap has to be found while streaming.
        res.flushHeaders();
        trickle(res, Buffer.alloc(1000), 1, 100_000);
        return;
      case "/slow":
        res.setHeader("content-type", "image/jpeg");
        res.flushHeaders();
        trickle(res, Buffer.from("x"), 50, 200);
        return;
      case "/hang":
        return;
      case "/missing":
        res.statusCode = 404;
        res.end("not here");
        return;
      default:
        res.statusCode = 500;
        res.end();
    }
  });
});

afterAll(async () => {
  for (const s of [a, b]) {
    s.server.closeAllConnections();
    await new Promise((r) => s.server.close(r));
  }
});

const base: GuardedFetchOptions = { maxBytes: 1024, timeoutMs: 2000, allowHttp: true };

function allowA(extra: Partial<GuardedFetchOptions> = {}): GuardedFetchOptions {
  return { ...base, allowedOrigins: [a.origin], ...extra };
}

async function text(body: AsyncIterable<Uint8Array>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString();
}

async function failure(p: Promise<unknown>): Promise<BlockedUrlError | FetchLimitError> {
  const error = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof BlockedUrlError || error instanceof FetchLimitError)) {
    throw new Error(`expected a guarded-fetch refusal, got ${String(error)}`);
  }
  return error;
}

/** Fetches and reads the whole body, so errors raised while streaming surface too. */
async function fetchAll(url: string, opts: GuardedFetchOptions): Promise<string> {
  return text((await guardedFetch(url, opts)).body);
}

function fakeResolver(table: Record<string, Array<[string, 4 | 6]>>, calls: string[] = []): Resolver {
  return async (hostname) => {
    calls.push(hostname);
    const entries = table[hostname];
    if (!entries) throw Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
    return entries.map(([address, family]) => ({ address, family }));
  };
}

describe("guardedFetch: addresses", () => {
  it("refuses a loopback server by default and reaches it only as an allowed origin", async () => {
    const before = a.hits.length;
    const refused = await failure(guardedFetch(`${a.origin}/ok`, base));
    expect(refused).toMatchObject({ code: "blocked_address" });
    expect(refused.message).toContain("loopback");
    expect(a.hits.length).toBe(before);

    const response = await guardedFetch(`${a.origin}/ok`, allowA());
    expect(response).toMatchObject({ status: 200, contentType: "image/png", finalUrl: `${a.origin}/ok` });
    expect(await text(response.body)).toBe("hello");
  });

  it("refuses numeric spellings of loopback, and localhost", async () => {
    const port = a.port;
    const before = a.hits.length;
    for (const url of [
      `http://[::1]:${port}/ok`,
      `http://0x7f000001:${port}/ok`,
      `http://2130706433:${port}/ok`,
      `http://127.1:${port}/ok`,
      `http://0177.0.0.1:${port}/ok`,
      `http://127.0.0.1.:${port}/ok`,
      `http://[::ffff:127.0.0.1]:${port}/ok`,
      `http://[0:0:0:0:0:ffff:7f00:1]:${port}/ok`,
      `http://[::127.0.0.1]:${port}/ok`,
      `http://0.0.0.0:${port}/ok`,
      `http://localhost:${port}/ok`,
    ]) {
      expect(await failure(guardedFetch(url, base)), url).toMatchObject({ code: "blocked_address" });
    }
    expect(a.hits.length).toBe(before);
  });

  it("refuses metadata endpoints and private ranges given as literals", async () => {
    for (const url of [
      "http://169.254.169.254/latest/meta-data/",
      "http://[fd00:ec2::254]/latest/meta-data/",
      "http://[::ffff:169.254.169.254]/",
      "https://10.1.2.3/",
      "https://192.168.0.1/",
      "https://172.31.255.255/",
      "https://100.64.0.1/",
      "https://[fe80::1]/",
      "https://[64:ff9b::a00:1]/",
    ]) {
      expect(await failure(guardedFetch(url, base)), url).toMatchObject({ code: "blocked_address" });
    }
    expect((await failure(guardedFetch("http://169.254.169.254/", base))).message).toContain("metadata");
  });

  it("checks every resolved address of a host name, at connect time", async () => {
    const calls: string[] = [];
    const lookup = fakeResolver(
      {
        "internal.example.test": [["10.0.0.5", 4]],
        "mixed.example.test": [
          ["93.184.215.14", 4],
          ["10.0.0.5", 4],
        ],
        "mapped.example.test": [["::ffff:10.0.0.5", 6]],
        "v6-private.example.test": [
          ["2606:4700::6810:84e5", 6],
          ["fd12:3456::1", 6],
        ],
      },
      calls,
    );
    for (const host of ["internal", "mixed", "mapped", "v6-private"]) {
      const url = `https://${host}.example.test/image.jpg`;
      expect(await failure(guardedFetch(url, { ...base, lookup })), url).toMatchObject({ code: "blocked_address" });
    }
    expect(calls).toEqual(["internal.example.test", "mixed.example.test", "mapped.example.test", "v6-private.example.test"]);
  });

  it("connects to the address the injected resolver returned", async () => {
    // Proves the resolver is what the socket uses: this name exists nowhere else.
    const lookup = fakeResolver({ "cdn.example.test": [["127.0.0.1", 4]] });
    const url = `http://cdn.example.test:${a.port}/ok`;
    expect(await failure(guardedFetch(url, { ...base, lookup }))).toMatchObject({ code: "blocked_address" });
    const allowed = { ...base, lookup, allowedOrigins: [`http://cdn.example.test:${a.port}`] };
    expect(await fetchAll(url, allowed)).toBe("hello");
  });

  it("re-checks the address of every redirect", async () => {
    const before = b.hits.length;
    const to = encodeURIComponent(`http://127.0.0.1:${b.port}/`);
    expect(await failure(guardedFetch(`${a.origin}/redirect?to=${to}`, allowA()))).toMatchObject({ code: "blocked_address" });
    expect(b.hits.length).toBe(before);

    const meta = encodeURIComponent("http://169.254.169.254/latest/meta-data/");
    expect(await failure(guardedFetch(`${a.origin}/redirect?status=307&to=${meta}`, allowA()))).toMatchObject({
      code: "blocked_address",
    });

    const lookup = fakeResolver({ "evil.example.test": [["192.168.1.1", 4]] });
    const evil = encodeURIComponent("https://evil.example.test/x");
    expect(await failure(guardedFetch(`${a.origin}/redirect?to=${evil}`, allowA({ lookup })))).toMatchObject({
      code: "blocked_address",
    });
  });

  it("follows redirects within what is allowed, and drops credentials headers across origins", async () => {
    const same = await guardedFetch(`${a.origin}/redirect?to=/headers`, allowA({ headers: { authorization: "Bearer t" } }));
    expect(same.finalUrl).toBe(`${a.origin}/headers`);
    expect(JSON.parse(await text(same.body))).toMatchObject({ authorization: "Bearer t" });

    const to = encodeURIComponent(`${b.origin}/from-a`);
    const cross = await guardedFetch(
      `${a.origin}/redirect?status=308&to=${to}`,
      allowA({ allowedOrigins: [a.origin, b.origin], headers: { authorization: "Bearer t", "x-trace": "1" } }),
    );
    expect(cross.finalUrl).toBe(`${b.origin}/from-a`);
    expect(await text(cross.body)).toBe("from b");
    expect(b.lastHeaders?.authorization).toBeUndefined();
    expect(b.lastHeaders?.["x-trace"]).toBe("1");
  });

  it("stops after maxRedirects", async () => {
    const error = await failure(guardedFetch(`${a.origin}/loop`, allowA({ maxRedirects: 3 })));
    expect(error).toMatchObject({ code: "too_many_redirects" });
  });
});

describe("guardedFetch: URLs and schemes", () => {
  it("refuses file:, data: and ftp:, directly or by redirect", async () => {
    for (const url of ["file:///etc/passwd", "data:image/png;base64,iVBORw0KGgo=", "ftp://example.com/a.jpg", "gopher://x/"]) {
      expect(await failure(guardedFetch(url, base)), url).toMatchObject({ code: "bad_scheme" });
    }
    const to = encodeURIComponent("file:///etc/passwd");
    expect(await failure(guardedFetch(`${a.origin}/redirect?to=${to}`, allowA()))).toMatchObject({ code: "bad_scheme" });
  });

  it("refuses http: unless allowHttp, even for an allowed origin", async () => {
    const error = await failure(guardedFetch(`${a.origin}/ok`, { ...allowA(), allowHttp: false }));
    expect(error).toMatchObject({ code: "bad_scheme" });
    const calls: string[] = [];
    const lookup = fakeResolver({}, calls);
    expect(await failure(guardedFetch("http://example.com/", { maxBytes: 10, timeoutMs: 1000, lookup }))).toMatchObject({
      code: "bad_scheme",
    });
    expect(calls).toEqual([]);
  });

  it("refuses credentials in the URL", async () => {
    for (const url of ["http://user:pass@example.com/", "https://cdn.shopify.com@10.0.0.1/", "https://user@example.com/"]) {
      expect(await failure(guardedFetch(url, base)), url).toMatchObject({ code: "bad_url" });
    }
    expect(await failure(guardedFetch("not a url", base))).toMatchObject({ code: "bad_url" });
  });
});

describe("guardedFetch: limits", () => {
  it("refuses a body over maxBytes from its Content-Length, before reading it", async () => {
    const error = await failure(guardedFetch(`${a.origin}/big-length`, allowA({ maxBytes: 4999 })));
    expect(error).toMatchObject({ code: "too_large" });
    expect(await fetchAll(`${a.origin}/big-length`, allowA({ maxBytes: 5000 }))).toHaveLength(5000);
  });

  it("stops a body without Content-Length as soon as it passes maxBytes", async () => {
    const response = await guardedFetch(`${a.origin}/big-chunked`, allowA({ maxBytes: 10_000 }));
    let received = 0;
    const error = await failure(
      (async () => {
        for await (const chunk of response.body) received += chunk.byteLength;
      })(),
    );
    expect(error).toMatchObject({ code: "too_large" });
    expect(received).toBeLessThanOrEqual(10_000);
    // The server notices the connection go away instead of sending its 100 MB.
    await expect.poll(() => a.aborted.includes("/big-chunked"), { timeout: 2000 }).toBe(true);
  });

  it("caps the whole transfer in time, including a body that trickles", async () => {
    const started = performance.now();
    const response = await guardedFetch(`${a.origin}/slow`, allowA({ timeoutMs: 300 }));
    const error = await failure(text(response.body));
    const elapsed = performance.now() - started;
    expect(error).toMatchObject({ code: "timeout" });
    // undici's own per-chunk timers would never fire: a byte arrives every 50 ms.
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(1500);
  });

  it("closes the connection of a body nobody reads once the time cap passes", async () => {
    const before = a.aborted.filter((p) => p === "/slow").length;
    const response = await guardedFetch(`${a.origin}/slow`, allowA({ timeoutMs: 150 }));
    await expect.poll(() => a.aborted.filter((p) => p === "/slow").length, { timeout: 1000 }).toBe(before + 1);
    expect(await failure(text(response.body))).toMatchObject({ code: "timeout" });
  });

  it("times out a server that never answers", async () => {
    const started = performance.now();
    expect(await failure(guardedFetch(`${a.origin}/hang`, allowA({ timeoutMs: 200 })))).toMatchObject({ code: "timeout" });
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it("reports error statuses", async () => {
    const error = await failure(guardedFetch(`${a.origin}/missing`, allowA()));
    expect(error).toMatchObject({ code: "http_error", status: 404 });
  });
});

describe("checkAddress", () => {
  it.each([
    "127.0.0.1",
    "10.0.0.5",
    "172.16.0.1",
    "192.168.255.255",
    "169.254.169.254",
    "169.254.1.1",
    "100.64.0.1",
    "100.100.100.200",
    "0.0.0.0",
    "0.1.2.3",
    "255.255.255.255",
    "224.0.0.1",
    "240.0.0.1",
    "192.0.2.1",
    "198.18.0.1",
    "168.63.129.16",
    "::",
    "::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "::127.0.0.1",
    "fe80::1",
    "fc00::1",
    "fd00:ec2::254",
    "ff02::1",
    "64:ff9b::10.0.0.1",
    "64:ff9b::7f00:1",
    "64:ff9b:1::1.2.3.4",
    "2001:db8::1",
    "2002:7f00:1::1",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",
    "0x7f000001",
    "2130706433",
    "127.1",
    "example.com",
    "",
  ])("refuses %s", (address) => {
    expect(checkAddress(address).allowed).toBe(false);
  });

  it.each(["93.184.215.14", "23.227.38.65", "8.8.8.8", "::ffff:8.8.8.8", "2606:4700::6810:84e5", "2a00:1450:4001:80b::200e", "64:ff9b::808:808"])(
    "allows %s",
    (address) => {
      expect(checkAddress(address)).toEqual({ allowed: true });
    },
  );
});
