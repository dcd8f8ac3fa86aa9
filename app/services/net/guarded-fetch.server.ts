import { lookup as dnsLookup } from "node:dns/promises";
import type { LookupAddress, LookupOptions } from "node:dns";
import { isIP } from "node:net";
import { Agent, errors as undiciErrors, request, type Dispatcher } from "undici";
import { checkAddress } from "./address-policy.server";

export type BlockedUrlCode = "bad_scheme" | "blocked_address" | "too_many_redirects" | "bad_url";
export type FetchLimitCode = "too_large" | "timeout" | "http_error";

/**
 * The URL (or a redirect it led to) is not one we fetch. Messages name the origin
 * only: query strings of signed CDN URLs are credentials and must not reach logs.
 */
export class BlockedUrlError extends Error {
  constructor(
    readonly code: BlockedUrlCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The fetch started but broke a cap, or the server answered with an error status. */
export class FetchLimitError extends Error {
  constructor(
    readonly code: FetchLimitCode,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export interface GuardedFetchOptions {
  /** The most body bytes accepted; checked against Content-Length first, then while streaming. */
  maxBytes: number;
  /** The whole transfer: DNS, connect, every redirect, headers and the last body byte. */
  timeoutMs: number;
  /** Default 5. */
  maxRedirects?: number;
  /** Development only: plain http is refused in production whatever this says. */
  allowHttp?: boolean;
  /**
   * Exact origins (`http://127.0.0.1:4000`) exempt from the address check, for a local
   * simulator in development and tests. The scheme check still applies to them.
   */
  allowedOrigins?: string[];
  headers?: Record<string, string>;
  /** Resolves host names; defaults to the system resolver. Injectable for tests. */
  lookup?: Resolver;
  /** Cancels the fetch (and a body still being read), e.g. on worker shutdown. */
  signal?: AbortSignal;
}

export interface GuardedResponse {
  /** Single use. Breaking out of it early releases the connection. */
  body: AsyncIterable<Uint8Array>;
  contentType: string | null;
  finalUrl: string;
  status: number;
}

const DEFAULT_MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
// Dropped when a redirect leaves the origin, as browsers do.
const ORIGIN_BOUND_HEADERS = ["authorization", "cookie", "proxy-authorization"];

const systemLookup: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/**
 * The one way to download something a URL from outside points at (Shopify's CDN, a
 * merchant's link, a provider's result). Every hop is checked: scheme, credentials,
 * and each address the host resolves to, at connect time through the socket's own
 * lookup so DNS cannot answer differently between the check and the connect.
 */
export async function guardedFetch(url: string, opts: GuardedFetchOptions): Promise<GuardedResponse> {
  if (!(opts.maxBytes > 0) || !(opts.timeoutMs > 0)) throw new RangeError("guardedFetch needs positive maxBytes and timeoutMs");
  const allowHttp = opts.allowHttp === true && process.env.NODE_ENV !== "production";
  const exemptOrigins = new Set((opts.allowedOrigins ?? []).map((o) => new URL(o).origin));
  const maxRedirects = opts.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const resolve = opts.lookup ?? systemLookup;

  const controller = new AbortController();
  let timedOut = false;
  let agent: Agent | undefined;
  let blocked: BlockedUrlError | undefined;
  const release = () => {
    clearTimeout(timer);
    opts.signal?.removeEventListener("abort", onCallerAbort);
    void agent?.destroy().catch(() => undefined);
  };
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
    // Also reached when nobody ever reads the body: the socket must not outlive the cap.
    release();
  }, opts.timeoutMs);
  timer.unref();
  const onCallerAbort = () => controller.abort(opts.signal?.reason);
  if (opts.signal?.aborted) onCallerAbort();
  else opts.signal?.addEventListener("abort", onCallerAbort, { once: true });

  const translate = (error: unknown): unknown => {
    if (blocked) return blocked;
    if (error instanceof BlockedUrlError || error instanceof FetchLimitError) return error;
    if (timedOut || error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError) {
      return new FetchLimitError("timeout", `The download took longer than ${opts.timeoutMs} ms.`);
    }
    return error;
  };

  let headers: Record<string, string> = { ...opts.headers };
  try {
    let target = parseTarget(url, allowHttp);
    for (let hop = 0; ; hop++) {
      const exempt = exemptOrigins.has(target.origin);
      if (!exempt) assertLiteralHostAllowed(target);
      agent = new Agent({
        connect: { lookup: guardedLookup(resolve, exempt, target.origin, (e) => (blocked = e)) },
        connections: 1,
      });
      const response: Dispatcher.ResponseData = await request(target, {
        method: "GET",
        headers,
        dispatcher: agent,
        signal: controller.signal,
        maxRedirections: 0,
        headersTimeout: opts.timeoutMs,
        bodyTimeout: opts.timeoutMs,
      });
      const status = response.statusCode;
      const location = header(response.headers, "location");

      if (REDIRECTS.has(status) && location !== null) {
        discard(response.body);
        void agent.destroy().catch(() => undefined);
        if (hop >= maxRedirects) {
          throw new BlockedUrlError("too_many_redirects", `More than ${maxRedirects} redirects, the last from ${target.origin}.`);
        }
        let next: URL;
        try {
          next = new URL(location, target);
        } catch {
          throw new BlockedUrlError("bad_url", `${target.origin} redirected to an invalid URL.`);
        }
        const checked = parseTarget(next.href, allowHttp);
        if (checked.origin !== target.origin) {
          headers = Object.fromEntries(Object.entries(headers).filter(([k]) => !ORIGIN_BOUND_HEADERS.includes(k.toLowerCase())));
        }
        target = checked;
        continue;
      }

      if (status < 200 || status > 299) {
        discard(response.body);
        throw new FetchLimitError("http_error", `${target.origin} answered ${status}.`, status);
      }
      const declared = header(response.headers, "content-length");
      if (declared !== null && Number(declared) > opts.maxBytes) {
        discard(response.body);
        throw tooLarge(opts.maxBytes);
      }
      // The timer may destroy the body before anyone iterates it; an 'error' with no
      // listener would crash the process. Iteration still sees the error.
      response.body.on("error", () => undefined);
      return {
        body: limitBody(response.body, opts.maxBytes, translate, release),
        contentType: header(response.headers, "content-type"),
        finalUrl: target.href,
        status,
      };
    }
  } catch (error) {
    release();
    throw translate(error);
  }
}

async function* limitBody(
  body: Dispatcher.ResponseData["body"],
  maxBytes: number,
  translate: (error: unknown) => unknown,
  release: () => void,
): AsyncGenerator<Uint8Array> {
  let total = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      total += chunk.byteLength;
      if (total > maxBytes) throw tooLarge(maxBytes);
      yield chunk;
    }
  } catch (error) {
    throw translate(error);
  } finally {
    discard(body);
    release();
  }
}

// undici's body emits an AbortError when destroyed unread; nobody is left to hear it.
function discard(body: Dispatcher.ResponseData["body"]): void {
  body.on("error", () => undefined);
  body.destroy();
}

function tooLarge(maxBytes: number): FetchLimitError {
  return new FetchLimitError("too_large", `The download is larger than ${maxBytes} bytes.`);
}

function header(headers: Dispatcher.ResponseData["headers"], name: string): string | null {
  const value = headers[name];
  if (value === undefined) return null;
  return Array.isArray(value) ? (value[0] ?? null) : value;
}

function parseTarget(raw: string, allowHttp: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new BlockedUrlError("bad_url", "Not a valid absolute URL.");
  }
  if (url.protocol !== "https:" && !(allowHttp && url.protocol === "http:")) {
    throw new BlockedUrlError("bad_scheme", `${url.protocol} URLs are not fetched${url.protocol === "http:" ? " outside development" : ""}.`);
  }
  // user:pass@ is how "https://cdn.shopify.com@10.0.0.1/" fools a human reviewer.
  if (url.username || url.password) throw new BlockedUrlError("bad_url", "URLs with credentials are not fetched.");
  if (!url.hostname) throw new BlockedUrlError("bad_url", "The URL has no host.");
  return url;
}

// A host that is already an address skips DNS (and so the lookup hook), so it is
// judged here. WHATWG parsing has already turned 2130706433, 0x7f000001, 0177.0.0.1
// and 127.1 into 127.0.0.1.
function assertLiteralHostAllowed(url: URL): void {
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  if (isIP(host) === 0) return;
  const verdict = checkAddress(host);
  if (!verdict.allowed) throw blockedAddress(url.origin, verdict.reason);
}

function blockedAddress(origin: string, reason: string): BlockedUrlError {
  return new BlockedUrlError("blocked_address", `${origin} is not fetched: it reaches a ${reason}.`);
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `net.connect` lookup that resolves, refuses the host if any of its addresses is
 * not public (a name answering with one public and one private address is a
 * rebinding setup, not a mirror), and hands the checked addresses to the socket.
 */
function guardedLookup(resolve: Resolver, exempt: boolean, origin: string, onBlocked: (e: BlockedUrlError) => void) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    resolve(hostname).then(
      (found) => {
        const family = options.family === "IPv4" ? 4 : options.family === "IPv6" ? 6 : options.family;
        const addresses = family === 4 || family === 6 ? found.filter((a) => a.family === family) : found;
        if (addresses.length === 0) {
          const error: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
          error.code = "ENOTFOUND";
          callback(error, "");
          return;
        }
        if (!exempt) {
          for (const { address } of found) {
            const verdict = checkAddress(address);
            if (!verdict.allowed) {
              const error = blockedAddress(origin, verdict.reason);
              onBlocked(error);
              callback(error, "");
              return;
            }
          }
        }
        if (options.all) callback(null, addresses);
        else callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, ""),
    );
  };
}
