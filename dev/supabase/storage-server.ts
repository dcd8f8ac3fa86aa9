// An offline stand-in for the Supabase Storage REST endpoints the app calls through
// @supabase/supabase-js: upload, sign, download (also through a signed URL), remove
// and list. It answers the way Storage does, including its habit of replying HTTP 400
// with the meaningful code in the body's `statusCode`, so the adapter's error mapping
// is exercised against the real shapes. Objects live in memory.
import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface StandInBucket {
  id: string;
  public?: boolean;
  /** Bytes; null or absent for no limit. */
  fileSizeLimit?: number | null;
  /** Exact types or `type/*`; null or absent accepts anything. */
  allowedMimeTypes?: readonly string[] | null;
}

export interface StorageStandInOptions {
  /** The only key accepted, as `apikey` and as `Authorization: Bearer`. */
  serviceKey: string;
  buckets: readonly StandInBucket[];
  port?: number;
  host?: string;
  /** Milliseconds since the epoch; tests move it to expire signed URLs. */
  now?: () => number;
}

export interface StoredStandInObject {
  id: string;
  body: Buffer;
  contentType: string;
  cacheControl: string;
  createdAt: string;
  updatedAt: string;
  eTag: string;
}

export interface StorageStandIn {
  /** The project URL to give createClient(); Storage is under `/storage/v1`. */
  url: string;
  objects: Map<string, Map<string, StoredStandInObject>>;
  close(): Promise<void>;
}

/** The error bodies Storage renders; `status` is the HTTP status it uses for them. */
class StorageHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: { statusCode: string; code?: string; error: string; message: string },
  ) {
    super(body.message);
  }
}

// Storage sends every renderable error except 500 as HTTP 400.
const fail = (statusCode: string, code: string, error: string, message: string) =>
  new StorageHttpError(statusCode === "500" ? 500 : 400, { statusCode, code, error, message });

const ERRORS = {
  noSuchBucket: () => fail("404", "NoSuchBucket", "Bucket not found", "Bucket not found"),
  noSuchKey: () => fail("404", "NoSuchKey", "not_found", "Object not found"),
  duplicate: () => fail("409", "KeyAlreadyExists", "Duplicate", "The resource already exists"),
  tooLarge: () => fail("413", "EntityTooLarge", "Payload too large", "The object exceeded the maximum allowed size"),
  mimeType: (type: string) => fail("415", "InvalidMimeType", "invalid_mime_type", `mime type ${type} is not supported`),
  invalidKey: (key: string) => fail("400", "InvalidKey", "InvalidKey", `Invalid key: ${key}`),
  accessDenied: (message: string) => fail("403", "AccessDenied", "Unauthorized", message),
  invalidSignature: () => fail("400", "InvalidSignature", "InvalidSignature", "The signature is invalid"),
  expired: () => fail("400", "ExpiredToken", "ExpiredToken", "The provided token has expired."),
  badRequest: (message: string) => new StorageHttpError(400, { statusCode: "400", error: "Bad Request", message }),
  notFound: (message: string) => new StorageHttpError(404, { statusCode: "404", error: "Not Found", message }),
};

// Storage's own key rule (storage-api isValidKey).
const VALID_KEY = /^(\w|\/|!|-|\.|\*|'|\(|\)| |&|\$|@|=|;|:|\+|,|\?)*$/;
// Nothing in the app uploads more; a runaway client must not exhaust memory.
const MAX_BODY = 100 * 1024 * 1024;

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString("base64url");
}

function signJwt(secret: Buffer, payload: Record<string, unknown>): string {
  const head = `${base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${base64url(JSON.stringify(payload))}`;
  return `${head}.${createHmac("sha256", secret).update(head).digest("base64url")}`;
}

function verifyJwt(secret: Buffer, token: string): Record<string, unknown> | null {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  const expected = createHmac("sha256", secret).update(`${parts[0]}.${parts[1]}`).digest();
  const given = Buffer.from(parts[2]!, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    return JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8")) as Record<string, unknown>;
  } catch {
    return null;
  }
}

function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/** Reads the body, counting bytes past `limit` without keeping them, so the client can finish sending. */
async function readBody(req: IncomingMessage, limit: number): Promise<{ body: Buffer; size: number }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY) {
      req.destroy();
      break;
    }
    if (size <= limit) chunks.push(buffer);
  }
  return { body: Buffer.concat(chunks), size };
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const { body, size } = await readBody(req, 1024 * 1024);
  if (size > 1024 * 1024) throw ERRORS.badRequest("Request body is too large");
  try {
    const value = JSON.parse(body.toString("utf8") || "{}") as unknown;
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error("not an object");
    return value as Record<string, unknown>;
  } catch {
    throw ERRORS.badRequest("Body is not a valid JSON object");
  }
}

function essence(contentType: string): string {
  return contentType.split(";")[0]!.trim().toLowerCase();
}

function mimeAllowed(bucket: StandInBucket, contentType: string): boolean {
  if (!bucket.allowedMimeTypes || bucket.allowedMimeTypes.length === 0) return true;
  const type = essence(contentType);
  return bucket.allowedMimeTypes.some((a) => (a.endsWith("/*") ? type.startsWith(a.slice(0, -1)) : a === type));
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

export async function startStorageStandIn(options: StorageStandInOptions): Promise<StorageStandIn> {
  const now = options.now ?? Date.now;
  const jwtSecret = randomBytes(32);
  const buckets = new Map(options.buckets.map((b) => [b.id, b]));
  const objects = new Map<string, Map<string, StoredStandInObject>>(options.buckets.map((b) => [b.id, new Map()]));

  function bucketOf(id: string): { bucket: StandInBucket; store: Map<string, StoredStandInObject> } {
    const bucket = buckets.get(id);
    const store = objects.get(id);
    if (!bucket || !store) throw ERRORS.noSuchBucket();
    return { bucket, store };
  }

  function authenticate(req: IncomingMessage): void {
    const apikey = req.headers.apikey;
    if (!sameSecret(typeof apikey === "string" ? apikey : undefined, options.serviceKey)) {
      // The API gateway's answer, before Storage sees the request.
      throw new StorageHttpError(401, { statusCode: "401", error: "Unauthorized", message: "Invalid API key" });
    }
    const authorization = req.headers.authorization;
    if (!authorization) throw ERRORS.accessDenied("headers must have required property 'authorization'");
    const match = /^Bearer (.+)$/i.exec(authorization);
    // Only the service role is known here; any other token would meet the storage
    // policies, which grant nothing to a request without a shop.
    if (!match || !sameSecret(match[1], options.serviceKey)) throw ERRORS.accessDenied("invalid signature");
  }

  /** `{bucket}/{key}` from the rest of the URL path, decoded as Storage's router does. */
  function splitTarget(rest: string): { bucketId: string; key: string } {
    let decoded: string[];
    try {
      decoded = rest.split("/").map(decodeURIComponent);
    } catch {
      throw ERRORS.badRequest("Malformed URL");
    }
    const [bucketId, ...keyParts] = decoded;
    const key = keyParts.join("/");
    if (!bucketId) throw ERRORS.notFound("Route not found");
    if (!key || !VALID_KEY.test(key)) throw ERRORS.invalidKey(key);
    return { bucketId, key };
  }

  function findObject(bucketId: string, key: string): StoredStandInObject {
    const object = bucketOf(bucketId).store.get(key);
    if (!object) throw ERRORS.noSuchKey();
    return object;
  }

  function serveObject(req: IncomingMessage, res: ServerResponse, object: StoredStandInObject): void {
    res.writeHead(200, {
      "Content-Type": object.contentType,
      "Content-Length": object.body.length,
      "Cache-Control": object.cacheControl,
      ETag: object.eTag,
      "Last-Modified": new Date(object.updatedAt).toUTCString(),
    });
    res.end(req.method === "HEAD" ? undefined : object.body);
  }

  async function upload(req: IncomingMessage, res: ServerResponse, rest: string, upsert: boolean): Promise<void> {
    const { bucketId, key } = splitTarget(rest);
    const { bucket, store } = bucketOf(bucketId);
    const contentType = req.headers["content-type"] ?? "text/plain;charset=UTF-8";
    const limit = bucket.fileSizeLimit ?? MAX_BODY;
    const declared = Number(req.headers["content-length"] ?? NaN);
    const { body, size } = await readBody(req, limit);
    if (size > limit || declared > limit) throw ERRORS.tooLarge();
    if (!mimeAllowed(bucket, contentType)) throw ERRORS.mimeType(essence(contentType));
    const existing = store.get(key);
    if (existing && !upsert) throw ERRORS.duplicate();
    const stamp = new Date(now()).toISOString();
    const object: StoredStandInObject = {
      id: existing?.id ?? randomUUID(),
      body,
      contentType,
      cacheControl: String(req.headers["cache-control"] ?? "no-cache"),
      createdAt: existing?.createdAt ?? stamp,
      updatedAt: stamp,
      eTag: `"${createHash("md5").update(body).digest("hex")}"`,
    };
    store.set(key, object);
    sendJson(res, 200, { Id: object.id, Key: `${bucketId}/${key}` });
  }

  async function sign(req: IncomingMessage, res: ServerResponse, rest: string): Promise<void> {
    const { bucketId, key } = splitTarget(rest);
    const { expiresIn } = await readJson(req);
    if (typeof expiresIn !== "number" || !Number.isFinite(expiresIn) || expiresIn < 1) {
      throw ERRORS.badRequest("body/expiresIn must be >= 1");
    }
    findObject(bucketId, key);
    const iat = Math.floor(now() / 1000);
    const token = signJwt(jwtSecret, { url: `${bucketId}/${key}`, iat, exp: iat + Math.floor(expiresIn) });
    sendJson(res, 200, { signedURL: `/object/sign/${bucketId}/${key}?token=${token}` });
  }

  function getSigned(req: IncomingMessage, res: ServerResponse, rest: string, token: string | null): void {
    const { bucketId, key } = splitTarget(rest);
    if (!token) throw ERRORS.badRequest("querystring must have required property 'token'");
    const claims = verifyJwt(jwtSecret, token);
    if (!claims || claims.url !== `${bucketId}/${key}`) throw ERRORS.invalidSignature();
    if (typeof claims.exp !== "number" || now() >= claims.exp * 1000) throw ERRORS.expired();
    serveObject(req, res, findObject(bucketId, key));
  }

  async function remove(req: IncomingMessage, res: ServerResponse, bucketId: string): Promise<void> {
    const { store } = bucketOf(decodeURIComponent(bucketId));
    const { prefixes } = await readJson(req);
    if (!Array.isArray(prefixes) || prefixes.length < 1 || prefixes.length > 1000 || prefixes.some((p) => typeof p !== "string")) {
      throw ERRORS.badRequest("body/prefixes must be an array of 1 to 1000 strings");
    }
    const deleted = [];
    for (const name of new Set(prefixes as string[])) {
      const object = store.get(name);
      if (!object) continue;
      store.delete(name);
      deleted.push({
        bucket_id: bucketId,
        name,
        id: object.id,
        owner: null,
        created_at: object.createdAt,
        updated_at: object.updatedAt,
        last_accessed_at: object.updatedAt,
        metadata: metadataOf(object),
      });
    }
    sendJson(res, 200, deleted);
  }

  function metadataOf(object: StoredStandInObject) {
    return {
      eTag: object.eTag,
      size: object.body.length,
      mimetype: object.contentType,
      cacheControl: object.cacheControl,
      lastModified: object.updatedAt,
      contentLength: object.body.length,
      httpStatusCode: 200,
    };
  }

  // One folder level at a time, folders as entries without an id, like storage.search().
  async function list(req: IncomingMessage, res: ServerResponse, bucketId: string): Promise<void> {
    const { store } = bucketOf(decodeURIComponent(bucketId));
    const body = await readJson(req);
    let prefix = typeof body.prefix === "string" ? body.prefix : "";
    if (prefix.length > 0 && !prefix.endsWith("/")) prefix = `${prefix}/`;
    const limit = typeof body.limit === "number" && body.limit > 0 ? Math.floor(body.limit) : 100;
    const offset = typeof body.offset === "number" && body.offset > 0 ? Math.floor(body.offset) : 0;
    const search = typeof body.search === "string" ? body.search.toLowerCase() : "";
    const sortBy = (body.sortBy ?? {}) as { column?: string; order?: string };
    const descending = String(sortBy.order ?? "asc").toLowerCase() === "desc";

    const entries = new Map<string, unknown>();
    for (const [name, object] of store) {
      if (!name.startsWith(prefix)) continue;
      const rest = name.slice(prefix.length);
      const slash = rest.indexOf("/");
      const entryName = slash === -1 ? rest : rest.slice(0, slash);
      if (!entryName.toLowerCase().startsWith(search)) continue;
      if (slash !== -1) {
        if (!entries.has(`d:${entryName}`)) {
          entries.set(`d:${entryName}`, {
            name: entryName,
            id: null,
            updated_at: null,
            created_at: null,
            last_accessed_at: null,
            metadata: null,
          });
        }
      } else {
        entries.set(`f:${entryName}`, {
          name: entryName,
          id: object.id,
          updated_at: object.updatedAt,
          created_at: object.createdAt,
          last_accessed_at: object.updatedAt,
          metadata: metadataOf(object),
        });
      }
    }
    const sorted = [...entries.values()].sort((a, b) => {
      const x = (a as { name: string }).name;
      const y = (b as { name: string }).name;
      const order = x < y ? -1 : x > y ? 1 : 0;
      return descending ? -order : order;
    });
    sendJson(res, 200, sorted.slice(offset, offset + limit));
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://stand-in");
    const match = /^\/storage\/v1\/object\/(.+)$/.exec(url.pathname);
    if (!match) throw ERRORS.notFound(`Route ${req.method}:${url.pathname} not found`);
    const rest = match[1]!;
    const method = req.method ?? "GET";

    // Signed URLs are fetched by browsers and by Shopify, without any key.
    if ((method === "GET" || method === "HEAD") && rest.startsWith("sign/")) {
      return getSigned(req, res, rest.slice("sign/".length), url.searchParams.get("token"));
    }
    authenticate(req);
    if (method === "POST" && rest.startsWith("sign/")) return sign(req, res, rest.slice("sign/".length));
    if (method === "POST" && rest.startsWith("list/")) return list(req, res, rest.slice("list/".length));
    if (method === "DELETE" && !rest.includes("/")) return remove(req, res, rest);
    if (method === "GET" || method === "HEAD") {
      const target = rest.startsWith("authenticated/") ? rest.slice("authenticated/".length) : rest;
      const { bucketId, key } = splitTarget(target);
      return serveObject(req, res, findObject(bucketId, key));
    }
    if (method === "POST") return upload(req, res, rest, String(req.headers["x-upsert"]).toLowerCase() === "true");
    // PUT is Storage's update: it replaces the object.
    if (method === "PUT") return upload(req, res, rest, true);
    throw ERRORS.notFound(`Route ${method}:${url.pathname} not found`);
  }

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof StorageHttpError) {
        sendJson(res, error.status, error.body);
      } else {
        sendJson(res, 500, { statusCode: "500", error: "Internal", message: String((error as Error)?.message ?? error) });
      }
    });
  });
  // Connections kept alive by fetch must not hold close() up.
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(":") ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    objects,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
