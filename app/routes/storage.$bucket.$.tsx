import { createReadableStreamFromReadable, type LoaderFunctionArgs } from "@remix-run/node";
import { parseStorageConfig } from "~/services/storage/config.server";
import { createLocalStorage, verifySignedRequest } from "~/services/storage/local.server";
import { contentTypeFor, StorageNotFoundError } from "~/services/storage/storage.server";

function error(status: number, message: string): Response {
  return new Response(JSON.stringify({ error: message }), {
    status,
    headers: { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" },
  });
}

const REFUSALS = {
  malformed: "malformed signed URL",
  bad_signature: "invalid signature",
  expired: "signed URL expired",
} as const;

// Serves the local adapter's signed URLs. The signature is the only credential: these
// URLs are handed to browsers and to Shopify, neither of which has a session here.
export async function loader({ request }: LoaderFunctionArgs) {
  const config = parseStorageConfig(process.env);
  // With Supabase Storage, signed URLs point at Supabase; this route does not exist.
  if (config.driver !== "local") return error(404, "not found");
  const check = verifySignedRequest(request.url, config.signingSecret);
  if (!check.ok) return error(403, REFUSALS[check.reason]);
  const storage = createLocalStorage(config);
  let file;
  try {
    file = await storage.open(check.bucket, check.path);
  } catch (e) {
    if (e instanceof StorageNotFoundError) return error(404, "not found");
    throw e;
  }
  const maxAge = Math.max(0, check.expiresAt - Math.floor(Date.now() / 1000));
  return new Response(createReadableStreamFromReadable(file.stream), {
    status: 200,
    headers: {
      "Content-Type": contentTypeFor(check.path),
      "Content-Length": String(file.size),
      // The URL stops working at expiry; no cache may keep serving it longer.
      "Cache-Control": `private, max-age=${maxAge}`,
      "X-Content-Type-Options": "nosniff",
      "Content-Security-Policy": "default-src 'none'; sandbox",
    },
  });
}
