import type { z } from "zod";
import { ProviderError } from "./provider";

// One way for every adapter to call its provider's API: a timeout per call, status
// codes mapped to the three error kinds, Retry-After honoured, answers parsed with
// zod (a malformed answer is transient: providers have bad minutes), and no URL
// query, header or body echoed into an error (they can hold keys or signed URLs).

export interface ProviderHttpOptions {
  /** For messages: "FASHN", "fal"… */
  provider: string;
  method?: "GET" | "POST" | "PUT" | "DELETE";
  headers?: Record<string, string>;
  json?: unknown;
  signal: AbortSignal;
  timeoutMs?: number;
  /** Per-provider refinement of an error status (e.g. FASHN's OutOfCredits name in a 429). */
  classify?: (status: number, body: unknown) => ProviderError | undefined;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const MAX_RETRY_AFTER_MS = 10 * 60_000;

/** Retry-After in delta-seconds or an HTTP date, as milliseconds from now. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.min(MAX_RETRY_AFTER_MS, Math.round(Number(trimmed) * 1000));
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, at - now));
}

function origin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "(invalid URL)";
  }
}

/** The default mapping of an HTTP error status; adapters refine it with `classify`. */
export function errorForStatus(provider: string, status: number, retryAfterMs: number | undefined): ProviderError {
  if (status === 429) return new ProviderError("transient", "rate_limited", `${provider} is rate limiting requests.`, { retryAfterMs });
  if (status === 401 || status === 403) return new ProviderError("account", "unauthorized", `${provider} refused the API key.`);
  if (status === 402) return new ProviderError("account", "out_of_credits", `The ${provider} account is out of credits.`);
  if (status === 408 || status >= 500) return new ProviderError("transient", `http_${status}`, `${provider} answered ${status}.`, { retryAfterMs });
  if (status === 404) return new ProviderError("permanent", "not_found", `${provider} does not know this request.`);
  return new ProviderError("permanent", `http_${status}`, `${provider} refused the request (${status}).`);
}

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text.slice(0, 500);
  }
}

/** Calls the provider and returns its JSON answer parsed by `schema`, or throws a ProviderError. */
export async function providerRequest<S extends z.ZodType>(url: string, schema: S, o: ProviderHttpOptions): Promise<z.infer<S>> {
  const timeout = AbortSignal.timeout(o.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  let res: Response;
  try {
    res = await fetch(url, {
      method: o.method ?? (o.json === undefined ? "GET" : "POST"),
      headers: { accept: "application/json", ...(o.json === undefined ? {} : { "content-type": "application/json" }), ...o.headers },
      body: o.json === undefined ? undefined : JSON.stringify(o.json),
      signal: AbortSignal.any([o.signal, timeout]),
      redirect: "error",
    });
  } catch (error) {
    if (o.signal.aborted) throw error;
    const timedOut = timeout.aborted;
    throw new ProviderError(
      "transient",
      timedOut ? "timeout" : "network",
      timedOut ? `${o.provider} did not answer in time.` : `Could not reach ${o.provider} at ${origin(url)}.`,
    );
  }
  const body = await readBody(res).catch(() => undefined);
  if (!res.ok) {
    const retryAfterMs = parseRetryAfter(res.headers.get("retry-after"));
    throw o.classify?.(res.status, body) ?? errorForStatus(o.provider, res.status, retryAfterMs);
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new ProviderError("transient", "malformed_response", `${o.provider} sent an answer this adapter cannot read.`);
  }
  return parsed.data;
}

/** A data: URI of the input photo: providers accept it, and our buckets stay private. */
export function dataUri(bytes: Buffer, mimeType: string): string {
  return `data:${mimeType};base64,${bytes.toString("base64")}`;
}
