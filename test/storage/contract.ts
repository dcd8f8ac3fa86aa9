import { randomBytes, randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  StorageConflictError,
  StorageLimitError,
  StorageNotFoundError,
  StoragePathError,
  outputPath,
  uploadPath,
  type Storage,
} from "~/services/storage/storage.server";

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** The same URL with one character in the middle of its last query value changed. */
function tamper(url: string): string {
  const u = new URL(url);
  const entries = [...u.searchParams.entries()];
  const [name, value] = entries[entries.length - 1]!;
  const i = Math.floor(value.length / 2);
  u.searchParams.set(name, value.slice(0, i) + (value[i] === "A" ? "B" : "A") + value.slice(i + 1));
  return u.toString();
}

const png = (n = 64) => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47]), randomBytes(n)]);

/**
 * The behaviour every Storage adapter shares. Each test works under shops of its own
 * (fresh uuids), so one storage instance serves the whole suite.
 */
export function storageContract(name: string, makeStorage: () => Storage | Promise<Storage>): void {
  describe(`storage contract: ${name}`, () => {
    let storage: Storage | undefined;
    const s = async (): Promise<Storage> => (storage ??= await makeStorage());

    it("stores and returns the exact bytes", async () => {
      const st = await s();
      const shop = randomUUID();
      const body = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      const key = uploadPath(shop, "all-bytes.png");
      expect(await st.put("uploads", key, body, { contentType: "image/png" })).toEqual({ bucket: "uploads", path: key, size: 256 });
      expect((await st.get("uploads", key)).equals(body)).toBe(true);
      // Buckets are separate namespaces.
      await expect(st.get("outputs", key)).rejects.toBeInstanceOf(StorageNotFoundError);
    });

    it("streams an object", async () => {
      const st = await s();
      const key = outputPath(randomUUID(), randomUUID(), "large.webp");
      const body = randomBytes(3 * 1024 * 1024 + 17);
      await st.put("outputs", key, body, { contentType: "image/webp" });
      expect((await readAll(await st.stream("outputs", key))).equals(body)).toBe(true);
    });

    it("refuses to overwrite unless asked to upsert", async () => {
      const st = await s();
      const key = uploadPath(randomUUID(), "photo.jpg");
      const first = Buffer.from("first version");
      const second = Buffer.from("the second version");
      await st.put("uploads", key, first, { contentType: "image/jpeg" });
      await expect(st.put("uploads", key, second, { contentType: "image/jpeg" })).rejects.toBeInstanceOf(StorageConflictError);
      expect((await st.get("uploads", key)).toString()).toBe("first version");
      expect(await st.put("uploads", key, second, { contentType: "image/jpeg", upsert: true })).toMatchObject({ size: second.length });
      expect((await st.get("uploads", key)).toString()).toBe("the second version");
      expect(await st.list("uploads", key.split("/")[0]!)).toEqual([{ bucket: "uploads", path: key, size: second.length }]);
    });

    it("lets exactly one of two racing creates win", async () => {
      const st = await s();
      const key = uploadPath(randomUUID(), "race.png");
      const outcomes = await Promise.allSettled(
        ["a", "b", "c"].map((v) => st.put("uploads", key, Buffer.from(v), { contentType: "image/png" })),
      );
      expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
      for (const o of outcomes) if (o.status === "rejected") expect(o.reason).toBeInstanceOf(StorageConflictError);
    });

    it("lists recursively under a folder prefix, with sizes, sorted", async () => {
      const st = await s();
      const shop = randomUUID();
      const other = randomUUID();
      const job = randomUUID();
      // A job id that starts like the first one must not be listed under it.
      const sibling = `${job.slice(0, -1)}${job.endsWith("0") ? "1" : "0"}`;
      const put = (key: string, size: number) => st.put("outputs", key, randomBytes(size), { contentType: "image/png" });
      await put(outputPath(shop, job, "2.png"), 20);
      await put(outputPath(shop, job, "1.png"), 10);
      await put(`${shop}/${job}/variants/small.png`, 5);
      await put(outputPath(shop, sibling, "x.png"), 7);
      await put(uploadPath(shop, "top.png"), 3);
      await put(outputPath(other, job, "1.png"), 1);

      expect(await st.list("outputs", `${shop}/${job}`)).toEqual([
        { bucket: "outputs", path: `${shop}/${job}/1.png`, size: 10 },
        { bucket: "outputs", path: `${shop}/${job}/2.png`, size: 20 },
        { bucket: "outputs", path: `${shop}/${job}/variants/small.png`, size: 5 },
      ]);
      expect(await st.list("outputs", `${shop}/${job}/`)).toHaveLength(3);
      const all = await st.list("outputs", shop);
      expect(all.map((o) => o.path)).toEqual(
        [`${shop}/${job}/1.png`, `${shop}/${job}/2.png`, `${shop}/${job}/variants/small.png`, `${shop}/${sibling}/x.png`, `${shop}/top.png`].sort(),
      );
      expect(all.reduce((n, o) => n + o.size, 0)).toBe(10 + 20 + 5 + 7 + 3);
      expect(await st.list("outputs", randomUUID())).toEqual([]);
      expect(await st.list("uploads", shop)).toEqual([]);
      // A prefix names a folder; an object's own key lists nothing.
      expect(await st.list("outputs", uploadPath(shop, "top.png"))).toEqual([]);
    });

    it("signs URLs that serve the bytes over HTTP", async () => {
      const st = await s();
      // Every punctuation character keys may hold, to prove the URL encoding round-trips.
      const key = uploadPath(randomUUID(), "photo(1)+v=2@x,y!_-.png");
      const body = png();
      await st.put("uploads", key, body, { contentType: "image/png" });
      const url = await st.signedUrl("uploads", key);
      expect(new URL(url).protocol).toMatch(/^https?:$/);
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^image\/png/);
      expect(Buffer.from(await response.arrayBuffer()).equals(body)).toBe(true);
    });

    it("refuses tampered signed URLs and URLs signed for another object", async () => {
      const st = await s();
      const shop = randomUUID();
      await st.put("uploads", uploadPath(shop, "a.png"), png(), { contentType: "image/png" });
      await st.put("uploads", uploadPath(shop, "b.png"), png(), { contentType: "image/png" });
      const url = await st.signedUrl("uploads", uploadPath(shop, "a.png"));
      const tampered = await fetch(tamper(url));
      expect(tampered.status).toBeGreaterThanOrEqual(400);
      expect(tampered.status).toBeLessThan(500);
      const swapped = await fetch(url.replace("/a.png?", "/b.png?"));
      expect(swapped.status).toBeGreaterThanOrEqual(400);
      expect(swapped.status).toBeLessThan(500);
      await tampered.arrayBuffer();
      await swapped.arrayBuffer();
    });

    it("refuses signed URLs once they expire", async () => {
      const st = await s();
      const key = uploadPath(randomUUID(), "short.png");
      await st.put("uploads", key, png(), { contentType: "image/png" });
      const url = await st.signedUrl("uploads", key, 1);
      // Valid for at most one second, counted in whole seconds.
      await new Promise((r) => setTimeout(r, 1_500));
      const response = await fetch(url);
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(Buffer.from(await response.arrayBuffer()).subarray(0, 4).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47]))).toBe(false);
    });

    it("deletes objects and ignores missing ones", async () => {
      const st = await s();
      const shop = randomUUID();
      const keep = uploadPath(shop, "keep.png");
      const drop = uploadPath(shop, "drop.png");
      await st.put("uploads", keep, png(), { contentType: "image/png" });
      await st.put("uploads", drop, png(), { contentType: "image/png" });
      await st.delete("uploads", [drop, uploadPath(shop, "never-there.png")]);
      await st.delete("uploads", [drop]);
      await st.delete("uploads", []);
      await expect(st.get("uploads", drop)).rejects.toBeInstanceOf(StorageNotFoundError);
      expect((await st.list("uploads", shop)).map((o) => o.path)).toEqual([keep]);
      // The key can be created again after a delete.
      await st.put("uploads", drop, png(), { contentType: "image/png" });
    });

    it("deletes a folder recursively and counts what it deleted", async () => {
      const st = await s();
      const shop = randomUUID();
      const job = randomUUID();
      const other = randomUUID();
      for (const key of [outputPath(shop, job, "1.png"), outputPath(shop, job, "2.png"), `${shop}/${job}/deep/3.png`, outputPath(shop, other, "1.png")]) {
        await st.put("outputs", key, png(8), { contentType: "image/png" });
      }
      await st.put("uploads", uploadPath(shop, "source.png"), png(8), { contentType: "image/png" });
      expect(await st.deletePrefix("outputs", `${shop}/${job}`)).toBe(3);
      expect(await st.deletePrefix("outputs", `${shop}/${job}`)).toBe(0);
      expect((await st.list("outputs", shop)).map((o) => o.path)).toEqual([outputPath(shop, other, "1.png")]);
      expect(await st.deletePrefix("outputs", `${shop}/`)).toBe(1);
      expect(await st.list("outputs", shop)).toEqual([]);
      expect(await st.list("uploads", shop)).toHaveLength(1);
    });

    it("reports missing objects as StorageNotFoundError", async () => {
      const st = await s();
      const key = uploadPath(randomUUID(), "missing.png");
      for (const attempt of [() => st.get("uploads", key), () => st.stream("uploads", key), () => st.signedUrl("uploads", key)]) {
        const error = await attempt().then(() => null, (e: unknown) => e);
        expect(error).toBeInstanceOf(StorageNotFoundError);
        expect(error).toMatchObject({ bucket: "uploads", path: key });
      }
    });

    it("enforces the bucket limits", async () => {
      const st = await s();
      const shop = randomUUID();
      const tooBig = st.put("uploads", uploadPath(shop, "huge.png"), Buffer.alloc(10 * 1024 * 1024 + 1), { contentType: "image/png" });
      await expect(tooBig).rejects.toMatchObject({ name: "StorageLimitError", reason: "size" });
      await expect(st.put("uploads", uploadPath(shop, "page.html"), Buffer.from("<p>"), { contentType: "text/html" })).rejects.toBeInstanceOf(
        StorageLimitError,
      );
      await expect(
        st.put("uploads", uploadPath(shop, "clip.mp4"), Buffer.from("mp4"), { contentType: "video/mp4" }),
      ).rejects.toMatchObject({ reason: "mime_type" });
      const job = randomUUID();
      await st.put("outputs", outputPath(shop, job, "clip.mp4"), Buffer.from("mp4"), { contentType: "video/mp4" });
      await st.put("outputs", outputPath(shop, job, "still.avif"), Buffer.from("avif"), { contentType: "image/avif" });
      await expect(
        st.put("outputs", outputPath(shop, job, "doc.pdf"), Buffer.from("%PDF"), { contentType: "application/pdf" }),
      ).rejects.toMatchObject({ reason: "mime_type" });
      expect(await st.list("uploads", shop)).toEqual([]);
    });

    it("rejects hostile and malformed paths before touching anything", async () => {
      const st = await s();
      const shop = randomUUID();
      const hostile = [
        "",
        "../etc/passwd",
        `${shop}/../../etc/passwd`,
        `${shop}/./a.png`,
        `/${shop}/a.png`,
        `${shop}\\a.png`,
        `${shop}//a.png`,
        `${shop}/a.png/`,
        `${shop}/a\u0000.png`,
        `${shop}/a\n.png`,
        `${shop}/.hidden`,
        `${shop}/a.png?x=1`,
        `${shop}/%2e%2e/a.png`,
        "not-a-shop/a.png",
        `${shop.toUpperCase()}/a.png`,
        shop,
        `${shop}/${"x".repeat(1100)}`,
      ];
      for (const key of hostile) {
        const body = Buffer.from("x");
        for (const attempt of [
          () => st.put("uploads", key, body, { contentType: "image/png" }),
          () => st.get("uploads", key),
          () => st.stream("uploads", key),
          () => st.signedUrl("uploads", key),
          () => st.delete("uploads", [key]),
        ]) {
          await expect(attempt(), JSON.stringify(key)).rejects.toBeInstanceOf(StoragePathError);
        }
      }
      for (const prefix of ["", "/", "..", "../", "not-a-shop", `${shop}/..`, `/${shop}`, `${shop}//x`]) {
        await expect(st.list("uploads", prefix), prefix).rejects.toBeInstanceOf(StoragePathError);
        await expect(st.deletePrefix("uploads", prefix), prefix).rejects.toBeInstanceOf(StoragePathError);
      }
      // A valid key in a call with a bad one does not get deleted either.
      const good = uploadPath(shop, "good.png");
      await st.put("uploads", good, png(), { contentType: "image/png" });
      await expect(st.delete("uploads", [good, "../x"])).rejects.toBeInstanceOf(StoragePathError);
      expect(await st.list("uploads", shop)).toHaveLength(1);
    });
  });
}
