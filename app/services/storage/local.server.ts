import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { constants, promises as fs } from "node:fs";
import path from "node:path";
import type { Readable } from "node:stream";
import {
  assertExpiry,
  assertObjectPath,
  assertWithinLimits,
  DEFAULT_SIGNED_URL_SECONDS,
  isBucket,
  normalizePrefix,
  StorageConflictError,
  StorageError,
  StorageNotFoundError,
  type Bucket,
  type Storage,
  type StoredObject,
} from "./storage.server";

/** The local variant of StorageConfig is accepted as is. */
export interface LocalStorageOptions {
  driver?: "local";
  /** Directory holding one folder per bucket; created on first write. */
  root: string;
  /** Public URL of the app, whose `/storage/...` route serves signed URLs. */
  appUrl: string;
  signingSecret: string;
  /** Milliseconds since the epoch; tests move it to expire URLs. */
  now?: () => number;
}

export interface LocalStorage extends Storage {
  readonly driver: "local";
  readonly root: string;
  /** A stream and its size, for serving with a Content-Length. Throws StorageNotFoundError. */
  open(bucket: Bucket, path: string): Promise<{ stream: Readable; size: number }>;
}

const NOT_AN_OBJECT = new Set(["ENOENT", "ENOTDIR", "EISDIR"]);

function errno(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function signature(secret: string, bucket: string, key: string, expires: number): string {
  return createHmac("sha256", secret).update(`atelier-storage:v1\n${bucket}\n${key}\n${expires}`).digest("base64url");
}

export function createLocalStorage(options: LocalStorageOptions): LocalStorage {
  const root = path.resolve(options.root);
  const appUrl = options.appUrl.replace(/\/+$/, "");
  const now = options.now ?? Date.now;
  if (options.signingSecret.length < 16) throw new StorageError("the storage signing secret is too short");

  // Keys are validated before they get here; the containment check still guards
  // against any path that validation might let through.
  function resolve(bucket: Bucket, key: string): string {
    if (!isBucket(bucket)) throw new StorageError(`unknown bucket ${JSON.stringify(bucket)}`);
    const bucketRoot = path.join(root, bucket);
    const full = path.resolve(bucketRoot, ...key.split("/"));
    if (!full.startsWith(bucketRoot + path.sep)) throw new StorageError(`path escapes the storage root: ${key}`);
    return full;
  }

  // A symlink planted inside the root must not lead reads outside of it.
  async function assertRealInside(full: string): Promise<void> {
    const [realRoot, realFile] = await Promise.all([fs.realpath(root), fs.realpath(full)]);
    if (!realFile.startsWith(realRoot + path.sep)) throw new StorageError("path escapes the storage root");
  }

  async function openFile(bucket: Bucket, key: string) {
    const full = resolve(bucket, assertObjectPath(key));
    try {
      await assertRealInside(full);
      const handle = await fs.open(full, constants.O_RDONLY | constants.O_NOFOLLOW);
      const stat = await handle.stat().catch(async (error: unknown) => {
        await handle.close();
        throw error;
      });
      if (!stat.isFile()) {
        await handle.close();
        throw new StorageNotFoundError(bucket, key);
      }
      return { handle, size: stat.size };
    } catch (error) {
      if (NOT_AN_OBJECT.has(errno(error) ?? "") || errno(error) === "ELOOP") throw new StorageNotFoundError(bucket, key);
      throw error;
    }
  }

  async function writeAtomically(full: string, body: Buffer, upsert: boolean, bucket: Bucket, key: string): Promise<void> {
    const dir = path.dirname(full);
    // Leading dot: never a valid key, so list() skips half-written files.
    const temp = path.join(dir, `.${path.basename(full)}.${randomBytes(6).toString("hex")}.tmp`);
    try {
      // A concurrent delete may prune the freshly created folder; try again then.
      for (let attempt = 0; ; attempt++) {
        try {
          await fs.mkdir(dir, { recursive: true });
          await assertRealInside(dir);
          const handle = await fs.open(temp, "wx");
          try {
            await handle.writeFile(body);
            await handle.sync();
          } finally {
            await handle.close();
          }
          break;
        } catch (error) {
          if (errno(error) === "ENOENT" && attempt < 3) continue;
          // A file where a folder of this key should be: on disk a key cannot be both.
          if (errno(error) === "ENOTDIR" || errno(error) === "EEXIST") throw new StorageConflictError(bucket, key);
          throw error;
        }
      }
      try {
        // link() fails when the target exists, so of two racing creates only one wins.
        await (upsert ? fs.rename(temp, full) : fs.link(temp, full));
      } catch (error) {
        if (["EEXIST", "EISDIR", "ENOTEMPTY", "ENOTDIR"].includes(errno(error) ?? "")) {
          throw new StorageConflictError(bucket, key);
        }
        throw error;
      }
    } finally {
      // Gone already after a rename; left behind by a link or a failed write.
      await fs.rm(temp, { force: true });
    }
  }

  /** Removes empty folders left behind, up to the bucket's folder. */
  async function prune(bucket: Bucket, full: string): Promise<void> {
    const stop = path.join(root, bucket);
    for (let dir = path.dirname(full); dir.startsWith(stop + path.sep); dir = path.dirname(dir)) {
      try {
        await fs.rmdir(dir);
      } catch {
        return;
      }
    }
  }

  async function removeOne(bucket: Bucket, key: string): Promise<boolean> {
    const full = resolve(bucket, assertObjectPath(key));
    try {
      await assertRealInside(path.dirname(full));
      await fs.unlink(full);
    } catch (error) {
      if (NOT_AN_OBJECT.has(errno(error) ?? "") || errno(error) === "EPERM") return false;
      throw error;
    }
    await prune(bucket, full);
    return true;
  }

  async function walk(bucket: Bucket, dir: string, key: string, out: StoredObject[]): Promise<void> {
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (NOT_AN_OBJECT.has(errno(error) ?? "")) return;
      throw error;
    }
    await Promise.all(
      entries.map(async (entry) => {
        if (entry.name.startsWith(".")) return;
        const childKey = `${key}/${entry.name}`;
        const childPath = path.join(dir, entry.name);
        // Symlinks are neither: they never come from put().
        if (entry.isDirectory()) return walk(bucket, childPath, childKey, out);
        if (!entry.isFile()) return;
        try {
          const stat = await fs.stat(childPath);
          out.push({ bucket, path: childKey, size: stat.size });
        } catch (error) {
          // Deleted while listing.
          if (errno(error) !== "ENOENT") throw error;
        }
      }),
    );
  }

  async function open(bucket: Bucket, key: string): Promise<{ stream: Readable; size: number }> {
    const { handle, size } = await openFile(bucket, key);
    return { stream: handle.createReadStream({ autoClose: true }), size };
  }

  async function list(bucket: Bucket, prefix: string): Promise<StoredObject[]> {
    const folder = normalizePrefix(prefix);
    const dir = resolve(bucket, folder);
    try {
      await assertRealInside(dir);
    } catch (error) {
      if (NOT_AN_OBJECT.has(errno(error) ?? "")) return [];
      throw error;
    }
    const out: StoredObject[] = [];
    await walk(bucket, dir, folder, out);
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  return {
    driver: "local",
    root,

    async put(bucket, key, body, opts) {
      const full = resolve(bucket, assertObjectPath(key));
      assertWithinLimits(bucket, body.length, opts.contentType);
      await writeAtomically(full, body, opts.upsert ?? false, bucket, key);
      return { bucket, path: key, size: body.length };
    },

    async get(bucket, key) {
      const { handle } = await openFile(bucket, key);
      try {
        return await handle.readFile();
      } finally {
        await handle.close();
      }
    },

    async stream(bucket, key) {
      return (await open(bucket, key)).stream;
    },

    open,

    async signedUrl(bucket, key, expiresInSeconds = DEFAULT_SIGNED_URL_SECONDS) {
      assertExpiry(expiresInSeconds);
      const { handle } = await openFile(bucket, key);
      await handle.close();
      const expires = Math.floor(now() / 1000) + expiresInSeconds;
      const encoded = key.split("/").map(encodeURIComponent).join("/");
      const sig = signature(options.signingSecret, bucket, key, expires);
      return `${appUrl}/storage/${bucket}/${encoded}?expires=${expires}&sig=${sig}`;
    },

    async delete(bucket, keys) {
      keys.forEach(assertObjectPath);
      await Promise.all(keys.map((key) => removeOne(bucket, key)));
    },

    async deletePrefix(bucket, prefix) {
      const objects = await list(bucket, prefix);
      const removed = await Promise.all(objects.map((o) => removeOne(bucket, o.path)));
      return removed.filter(Boolean).length;
    },

    list,
  };
}

export type SignedRequestCheck =
  | { ok: true; bucket: Bucket; path: string; expiresAt: number }
  | { ok: false; reason: "malformed" | "bad_signature" | "expired" };

/**
 * Checks a URL made by the local adapter's signedUrl(): the route at
 * `/storage/{bucket}/{path}` calls it with the request URL. `expiresAt` is in seconds.
 */
export function verifySignedRequest(url: string | URL, secret: string, now: number = Date.now()): SignedRequestCheck {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, reason: "malformed" };
  }
  const match = /^\/storage\/([^/]+)\/(.+)$/.exec(parsed.pathname);
  const bucket = match?.[1] ?? "";
  const expiresRaw = parsed.searchParams.get("expires") ?? "";
  const sig = parsed.searchParams.get("sig") ?? "";
  if (!match || !isBucket(bucket) || !/^\d{1,12}$/.test(expiresRaw) || !/^[A-Za-z0-9_-]{43}$/.test(sig)) {
    return { ok: false, reason: "malformed" };
  }
  let key: string;
  try {
    key = assertObjectPath(match[2]!.split("/").map(decodeURIComponent).join("/"));
  } catch {
    return { ok: false, reason: "malformed" };
  }
  const expires = Number(expiresRaw);
  const expected = Buffer.from(signature(secret, bucket, key, expires), "base64url");
  const given = Buffer.from(sig, "base64url");
  // The spelling must be canonical too: base64url's last character has spares.
  if (given.length !== expected.length || !timingSafeEqual(given, expected) || given.toString("base64url") !== sig) {
    return { ok: false, reason: "bad_signature" };
  }
  // Checked after the signature so an expiry is only reported for URLs we issued.
  if (now >= expires * 1000) return { ok: false, reason: "expired" };
  return { ok: true, bucket, path: key, expiresAt: expires };
}
