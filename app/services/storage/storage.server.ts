// The storage layer: one interface over Supabase Storage (production) and local disk
// (the embedded default). Keys are `{shop_id}/{file}` in `uploads` and
// `{shop_id}/{job_id}/{file}` in `outputs`; the first segment is what the storage
// policies compare with the shop of the request, so every key must start with one.

export const BUCKETS = ["uploads", "outputs"] as const;
export type Bucket = (typeof BUCKETS)[number];

export interface BucketLimits {
  fileSizeLimit: number;
  /** Exact types or `type/*` wildcards, as Supabase Storage matches them. */
  allowedMimeTypes: readonly string[];
}

const MiB = 1024 * 1024;

/** Mirrors supabase/config.toml and the bucket migration; the local adapter enforces the same. */
export const BUCKET_LIMITS: Record<Bucket, BucketLimits> = {
  uploads: { fileSizeLimit: 10 * MiB, allowedMimeTypes: ["image/jpeg", "image/png", "image/webp", "image/gif"] },
  outputs: { fileSizeLimit: 50 * MiB, allowedMimeTypes: ["image/*", "video/mp4", "video/webm"] },
};

export const DEFAULT_SIGNED_URL_SECONDS = 3600;
/** Supabase refuses nothing below a second; a week is the longest we ever need. */
export const MAX_SIGNED_URL_SECONDS = 7 * 24 * 3600;

export interface PutOptions {
  contentType: string;
  /** Replace an existing object; without it an existing key is a StorageConflictError. */
  upsert?: boolean;
}

export interface StoredObject {
  bucket: Bucket;
  path: string;
  size: number;
}

export interface Storage {
  put(bucket: Bucket, path: string, body: Buffer, opts: PutOptions): Promise<StoredObject>;
  /** Throws StorageNotFoundError. */
  get(bucket: Bucket, path: string): Promise<Buffer>;
  /** Throws StorageNotFoundError before returning, never from the stream. */
  stream(bucket: Bucket, path: string): Promise<NodeJS.ReadableStream>;
  /** An absolute URL anyone can fetch until it expires; throws StorageNotFoundError. */
  signedUrl(bucket: Bucket, path: string, expiresInSeconds?: number): Promise<string>;
  /** Missing paths are ignored, so retries are safe. */
  delete(bucket: Bucket, paths: string[]): Promise<void>;
  /** Deletes every object under the folder `prefix`, recursively; returns how many. */
  deletePrefix(bucket: Bucket, prefix: string): Promise<number>;
  /** Every object under the folder `prefix`, recursively, sorted by path. */
  list(bucket: Bucket, prefix: string): Promise<StoredObject[]>;
}

export class StorageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StorageError";
  }
}

export class StorageNotFoundError extends StorageError {
  constructor(
    readonly bucket: Bucket,
    readonly path: string,
  ) {
    super(`${bucket}/${path} not found`);
    this.name = "StorageNotFoundError";
  }
}

export class StorageConflictError extends StorageError {
  constructor(
    readonly bucket: Bucket,
    readonly path: string,
  ) {
    super(`${bucket}/${path} already exists`);
    this.name = "StorageConflictError";
  }
}

/** The object breaks its bucket's limits (size or content type). */
export class StorageLimitError extends StorageError {
  constructor(
    readonly bucket: Bucket,
    readonly reason: "size" | "mime_type",
    message: string,
  ) {
    super(message);
    this.name = "StorageLimitError";
  }
}

export class StoragePathError extends StorageError {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`invalid storage path ${JSON.stringify(path)}: ${reason}`);
    this.name = "StoragePathError";
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// A subset of what Supabase Storage accepts in keys, without the characters that
// mean something in a URL: storage-js puts keys into URLs without encoding them.
// A leading dot is refused too, which rules out `.`/`..` and keeps names starting
// with a dot free for the local adapter's temporary files.
const SEGMENT = /^[A-Za-z0-9_=+@,()!-][A-Za-z0-9._=+@,()!-]*$/;
const MAX_KEY_LENGTH = 1024;

function explain(path: string, minSegments: number): string | null {
  if (typeof path !== "string" || path.length === 0) return "empty";
  if (path.length > MAX_KEY_LENGTH) return `longer than ${MAX_KEY_LENGTH} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) return "control character";
  if (path.includes("\\")) return "backslash";
  if (path.startsWith("/")) return "absolute path";
  const segments = path.split("/");
  if (segments.some((s) => s === "")) return "empty segment";
  if (segments.some((s) => s === "." || s === "..")) return "dot segment";
  const bad = segments.find((s) => !SEGMENT.test(s));
  if (bad !== undefined) return `unsupported characters in ${JSON.stringify(bad)}`;
  // Policies compare the first segment with current_shop_id()::text, which is lowercase.
  if (!UUID.test(segments[0]!)) return "must start with the shop id (a lowercase uuid)";
  if (segments.length < minSegments) return "needs a file name under the shop id";
  return null;
}

/** Validates an object key and returns it; throws StoragePathError. */
export function assertObjectPath(path: string): string {
  const reason = explain(path, 2);
  if (reason) throw new StoragePathError(path, reason);
  return path;
}

/**
 * Validates a folder prefix (at least the shop id; one trailing slash allowed) and
 * returns it without the slash. Prefixes always name folders, never partial names,
 * as in Supabase Storage: `shop/job1` does not cover `shop/job10/…`.
 */
export function normalizePrefix(prefix: string): string {
  const trimmed = typeof prefix === "string" && prefix.endsWith("/") ? prefix.slice(0, -1) : prefix;
  const reason = explain(trimmed, 1);
  if (reason) throw new StoragePathError(prefix, reason);
  return trimmed;
}

export function isBucket(value: string): value is Bucket {
  return (BUCKETS as readonly string[]).includes(value);
}

function assertSegment(kind: string, value: string): void {
  if (value.includes("/") || explain(`00000000-0000-0000-0000-000000000000/${value}`, 2)) {
    throw new StoragePathError(value, `invalid ${kind}`);
  }
}

function assertUuid(kind: string, value: string): void {
  if (!UUID.test(value)) throw new StoragePathError(value, `${kind} must be a lowercase uuid`);
}

/** `{shop_id}/{file}` in the `uploads` bucket. */
export function uploadPath(shopId: string, file: string): string {
  assertUuid("shop id", shopId);
  assertSegment("file name", file);
  return `${shopId}/${file}`;
}

/** `{shop_id}/{job_id}/{file}` in the `outputs` bucket. */
export function outputPath(shopId: string, jobId: string, file: string): string {
  assertUuid("shop id", shopId);
  assertUuid("job id", jobId);
  assertSegment("file name", file);
  return `${shopId}/${jobId}/${file}`;
}

export function assertExpiry(expiresInSeconds: number): number {
  if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > MAX_SIGNED_URL_SECONDS) {
    throw new StorageError(`signed URL lifetime must be 1..${MAX_SIGNED_URL_SECONDS} whole seconds`);
  }
  return expiresInSeconds;
}

/** The media type without parameters, lowercased (`image/PNG; x=y` → `image/png`). */
export function essence(contentType: string): string {
  return contentType.split(";")[0]!.trim().toLowerCase();
}

export function mimeAllowed(limits: BucketLimits, contentType: string): boolean {
  const type = essence(contentType);
  return limits.allowedMimeTypes.some((allowed) =>
    allowed.endsWith("/*") ? type.startsWith(allowed.slice(0, -1)) : allowed === type,
  );
}

/** Throws StorageLimitError when the object breaks its bucket's limits. */
export function assertWithinLimits(bucket: Bucket, size: number, contentType: string): void {
  const limits = BUCKET_LIMITS[bucket];
  if (size > limits.fileSizeLimit) {
    throw new StorageLimitError(bucket, "size", `${size} bytes exceed ${bucket}'s limit of ${limits.fileSizeLimit}`);
  }
  if (!mimeAllowed(limits, contentType)) {
    throw new StorageLimitError(bucket, "mime_type", `${bucket} does not accept ${essence(contentType) || "an empty type"}`);
  }
}

const EXTENSION_TYPES: Record<string, string> = {
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  webp: "image/webp",
  gif: "image/gif",
  avif: "image/avif",
  mp4: "video/mp4",
  webm: "video/webm",
};

/** The content type a key's extension implies; octet-stream when unknown. */
export function contentTypeFor(path: string): string {
  const dot = path.lastIndexOf(".");
  const ext = dot > path.lastIndexOf("/") ? path.slice(dot + 1).toLowerCase() : "";
  return EXTENSION_TYPES[ext] ?? "application/octet-stream";
}
