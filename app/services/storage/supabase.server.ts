import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { createClient, type SupabaseClient, type SupabaseClientOptions } from "@supabase/supabase-js";
import ws from "ws";
import {
  assertExpiry,
  assertObjectPath,
  DEFAULT_SIGNED_URL_SECONDS,
  normalizePrefix,
  StorageConflictError,
  StorageError,
  StorageLimitError,
  StorageNotFoundError,
  type Bucket,
  type Storage,
  type StoredObject,
} from "./storage.server";

export interface SupabaseStorageOptions {
  /** The project URL (`https://<ref>.supabase.co`); Storage lives under `/storage/v1`. */
  url: string;
  /** The service role key: the app server acts for every shop and bypasses the storage policies. */
  serviceRoleKey: string;
}

/** Supabase Storage's delete endpoint takes at most this many keys per request. */
const REMOVE_BATCH = 1000;
const LIST_PAGE = 1000;

interface ApiErrorLike {
  message: string;
  status?: number;
  statusCode?: string;
}

function isApiError(error: unknown): error is ApiErrorLike {
  return typeof error === "object" && error !== null && "__isStorageError" in error;
}

// Supabase Storage answers most errors with HTTP 400 and puts the meaningful code in
// the body's statusCode (a legacy choice it keeps), so both are consulted.
function translate(error: unknown, operation: string, bucket: Bucket, path: string): StorageError {
  if (!isApiError(error)) {
    return new StorageError(`Supabase Storage ${operation} failed: ${String((error as Error)?.message ?? error)}`, { cause: error });
  }
  // Network failures are storage-js errors too, but without any status.
  const code = String(error.statusCode ?? error.status ?? "no response");
  if (code === "404" && error.message !== "Bucket not found") return new StorageNotFoundError(bucket, path);
  if (code === "409") return new StorageConflictError(bucket, path);
  if (code === "413") return new StorageLimitError(bucket, "size", error.message);
  if (code === "415") return new StorageLimitError(bucket, "mime_type", error.message);
  return new StorageError(`Supabase Storage ${operation} ${bucket}/${path} failed (${code}): ${error.message}`, { cause: error });
}

// ws's overloaded constructor types do not line up with realtime-js's structural type.
type Transport = NonNullable<NonNullable<SupabaseClientOptions<"public">["realtime"]>["transport"]>;

export function createSupabaseClient(options: SupabaseStorageOptions): SupabaseClient {
  return createClient(options.url, options.serviceRoleKey, {
    // A server-side client: no session to keep or refresh.
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    // Node 20 has no global WebSocket; realtime-js refuses to construct without one.
    realtime: { transport: ws as unknown as Transport },
  });
}

export interface SupabaseStorage extends Storage {
  readonly driver: "supabase";
}

export function createSupabaseStorage(options: SupabaseStorageOptions): SupabaseStorage {
  const client = createSupabaseClient(options);
  const from = (bucket: Bucket) => client.storage.from(bucket);

  async function download(bucket: Bucket, key: string) {
    const { data, error } = await from(bucket).download(assertObjectPath(key)).asStream();
    if (error || !data) throw translate(error, "download", bucket, key);
    return data;
  }

  async function removeKeys(bucket: Bucket, keys: string[]): Promise<number> {
    let removed = 0;
    for (let i = 0; i < keys.length; i += REMOVE_BATCH) {
      const batch = keys.slice(i, i + REMOVE_BATCH);
      const { data, error } = await from(bucket).remove(batch);
      if (error) throw translate(error, "remove", bucket, batch[0]!);
      removed += data.length;
    }
    return removed;
  }

  async function walk(bucket: Bucket, folder: string, out: StoredObject[]): Promise<void> {
    for (let offset = 0; ; offset += LIST_PAGE) {
      const { data, error } = await from(bucket).list(folder, {
        limit: LIST_PAGE,
        offset,
        sortBy: { column: "name", order: "asc" },
      });
      if (error) throw translate(error, "list", bucket, folder);
      for (const entry of data) {
        // Dot names are never our keys (the dashboard's .emptyFolderPlaceholder is one).
        if (entry.name.startsWith(".")) continue;
        const key = `${folder}/${entry.name}`;
        // Folders come back as entries without an id.
        if ((entry.id as string | null) === null) await walk(bucket, key, out);
        else out.push({ bucket, path: key, size: Number((entry.metadata as { size?: number } | null)?.size ?? 0) });
      }
      if (data.length < LIST_PAGE) return;
    }
  }

  async function list(bucket: Bucket, prefix: string): Promise<StoredObject[]> {
    const out: StoredObject[] = [];
    await walk(bucket, normalizePrefix(prefix), out);
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  return {
    driver: "supabase",

    async put(bucket, key, body, opts) {
      const { error } = await from(bucket).upload(assertObjectPath(key), body, {
        contentType: opts.contentType,
        upsert: opts.upsert ?? false,
        cacheControl: "3600",
      });
      if (error) throw translate(error, "upload", bucket, key);
      return { bucket, path: key, size: body.length };
    },

    async get(bucket, key) {
      const stream = await download(bucket, key);
      const chunks: Buffer[] = [];
      for await (const chunk of Readable.fromWeb(stream as unknown as NodeReadableStream<Uint8Array>)) {
        chunks.push(Buffer.from(chunk as Uint8Array));
      }
      return Buffer.concat(chunks);
    },

    async stream(bucket, key) {
      return Readable.fromWeb((await download(bucket, key)) as unknown as NodeReadableStream<Uint8Array>);
    },

    async signedUrl(bucket, key, expiresInSeconds = DEFAULT_SIGNED_URL_SECONDS) {
      const { data, error } = await from(bucket).createSignedUrl(assertObjectPath(key), assertExpiry(expiresInSeconds));
      if (error || !data) throw translate(error, "sign", bucket, key);
      return data.signedUrl;
    },

    async delete(bucket, keys) {
      keys.forEach(assertObjectPath);
      if (keys.length > 0) await removeKeys(bucket, keys);
    },

    async deletePrefix(bucket, prefix) {
      const objects = await list(bucket, prefix);
      return objects.length === 0 ? 0 : removeKeys(bucket, objects.map((o) => o.path));
    },

    list,
  };
}
