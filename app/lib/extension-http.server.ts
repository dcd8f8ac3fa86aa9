import type { z } from "zod";
import { appEnv } from "~/env.server";
import { issuesMessage, MAX_BODY_BYTES } from "~/services/extensions/inputs.server";
import type { ExtensionContext } from "./extension-auth.server";

export class BodyError extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The CORS headers shopify-app-remix's `cors` helper adds, for the one answer given
 * before the library has run (a request without a token). Bearer tokens, not cookies,
 * authenticate these calls, so any origin may read the answer.
 */
export function withPreAuthCors(request: Request, response: Response): Response {
  const origin = request.headers.get("Origin");
  if (origin && origin !== new URL(appEnv().SHOPIFY_APP_URL).origin) {
    response.headers.set("Access-Control-Allow-Origin", "*");
    response.headers.set("Access-Control-Allow-Headers", "Authorization, Content-Type");
  }
  response.headers.append("Vary", "Origin");
  return response;
}

/**
 * A JSON body of at most `maxBytes`, read no further than that: a client that sends
 * more (with or without a Content-Length) is refused without buffering it all.
 */
export async function readJsonBody(request: Request, maxBytes = MAX_BODY_BYTES): Promise<unknown> {
  if (!/^application\/json\b/i.test(request.headers.get("Content-Type") ?? "")) throw new BodyError(415, "Send the request as JSON (Content-Type: application/json).");
  const tooLarge = () => new BodyError(413, `The request body is larger than ${maxBytes} bytes.`);
  if (Number(request.headers.get("Content-Length") ?? 0) > maxBytes) throw tooLarge();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body?.getReader();
  for (;;) {
    const next = await reader?.read();
    if (!next || next.done) break;
    size += next.value.byteLength;
    if (size > maxBytes) {
      await reader!.cancel();
      throw tooLarge();
    }
    chunks.push(next.value);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new BodyError(400, "The request body is not valid JSON.");
  }
}

/**
 * A POST's JSON body parsed with `schema`, or the answer refusing it: the wrong method
 * (405), a body too large, not JSON or not valid (413, 415, 400).
 */
export async function postedBody<T extends z.ZodType>(
  request: Request,
  fail: ExtensionContext["fail"],
  schema: T,
): Promise<{ data: z.infer<T> } | { refused: Response }> {
  if (request.method !== "POST") return { refused: fail(405, { error: "Use POST.", code: "method_not_allowed" }, { Allow: "POST" }) };
  let raw: unknown;
  try {
    raw = await readJsonBody(request);
  } catch (error) {
    if (error instanceof BodyError) return { refused: fail(error.status, { error: error.message, code: "invalid_request" }) };
    throw error;
  }
  const body = schema.safeParse(raw);
  if (!body.success) return { refused: fail(400, { error: issuesMessage(body.error), code: "invalid_request" }) };
  return { data: body.data };
}
