import sharp, { type Sharp } from "sharp";
import { describe, expect, it } from "vitest";
import { ImageRejectedError, ingestImage, newAssetKey, type IngestOptions } from "~/services/images/ingest.server";
import { hugePng } from "../support/hostile-images";

function solid(width: number, height: number): Sharp {
  return sharp({ create: { width, height, channels: 3, background: { r: 200, g: 40, b: 60 } } });
}

/** Random pixels so encoders cannot shrink the file to nothing. */
function noisy(width: number, height: number, channels: 3 | 4 = 3): Sharp {
  const raw = Buffer.alloc(width * height * channels);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 2654435761) >>> 24;
  return sharp(raw, { raw: { width, height, channels } });
}

/** An animated GIF of `frames` distinct 8×8 frames. */
async function animatedGif(frames: number): Promise<Buffer> {
  const w = 8;
  const raw = Buffer.alloc(w * w * frames * 3);
  for (let f = 0; f < frames; f++) raw.fill((f * 50) % 256, f * w * w * 3, (f + 1) * w * w * 3);
  return sharp(raw, { raw: { width: w, height: w * frames, channels: 3, pageHeight: w } }).gif().toBuffer();
}

async function rejection(source: Parameters<typeof ingestImage>[0], opts?: IngestOptions): Promise<ImageRejectedError> {
  const error = await ingestImage(source, opts).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ImageRejectedError);
  return error as ImageRejectedError;
}

async function* chunked(bytes: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield new Uint8Array(bytes.subarray(i, i + size));
}

const EXIF_MARKER = Buffer.from("Exif\0\0", "latin1");

describe("ingestImage: accepted formats", () => {
  it("re-encodes a JPEG, keeps its size and strips EXIF", async () => {
    const input = await noisy(120, 80).jpeg().withExif({ IFD0: { Copyright: "Leaky Camera Co", Artist: "someone" } }).toBuffer();
    expect((await sharp(input).metadata()).exif).toBeDefined();
    const out = await ingestImage(input, { declaredType: "image/jpeg" });
    expect(out).toMatchObject({ mimeType: "image/jpeg", ext: "jpg", width: 120, height: 80, sourceMimeType: "image/jpeg" });
    expect(out.sourceBytes).toBe(input.length);
    const meta = await sharp(out.bytes).metadata();
    expect(meta.format).toBe("jpeg");
    expect(meta.exif).toBeUndefined();
    expect(out.bytes.includes(EXIF_MARKER)).toBe(false);
    expect(out.bytes.includes(Buffer.from("Leaky Camera Co"))).toBe(false);
    expect(out.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(out.sourceSha256).not.toBe(out.sha256);
  });

  it("applies the EXIF orientation before dropping it", async () => {
    const input = await solid(60, 40).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const out = await ingestImage(input);
    expect([out.width, out.height]).toEqual([40, 60]);
    expect((await sharp(out.bytes).metadata()).orientation).toBeUndefined();
  });

  it("re-encodes a PNG with transparency and drops its metadata", async () => {
    const input = await noisy(33, 21, 4).png().withExif({ IFD0: { Copyright: "x" } }).toBuffer();
    const out = await ingestImage(input);
    expect(out).toMatchObject({ mimeType: "image/png", ext: "png", width: 33, height: 21 });
    const meta = await sharp(out.bytes).metadata();
    expect(meta.hasAlpha).toBe(true);
    expect(meta.exif).toBeUndefined();
  });

  it("re-encodes a WebP as WebP", async () => {
    const input = await noisy(50, 70).webp().withExif({ IFD0: { Copyright: "x" } }).toBuffer();
    const out = await ingestImage(input);
    expect(out).toMatchObject({ mimeType: "image/webp", ext: "webp", width: 50, height: 70 });
    expect((await sharp(out.bytes).metadata()).exif).toBeUndefined();
  });

  it("stores a GIF as a PNG of its first frame", async () => {
    const still = await ingestImage(await solid(17, 9).gif().toBuffer());
    expect(still).toMatchObject({ mimeType: "image/png", ext: "png", width: 17, height: 9, sourceMimeType: "image/gif" });
    expect((await sharp(still.bytes).metadata()).format).toBe("png");

    const animated = await ingestImage(await animatedGif(5));
    expect(animated).toMatchObject({ mimeType: "image/png", width: 8, height: 8 });
    expect((await sharp(animated.bytes).metadata()).pages).toBeUndefined();
    // The first frame is black; a later frame would not be.
    const { channels } = await sharp(animated.bytes).stats();
    expect(channels[0]!.max).toBe(0);
  });

  it("reads a chunked stream", async () => {
    const input = await noisy(200, 150).jpeg().toBuffer();
    const out = await ingestImage(chunked(input, 1000));
    expect(out).toMatchObject({ ext: "jpg", width: 200, height: 150, sourceBytes: input.length });
    expect(out.sourceSha256).toBe((await ingestImage(input)).sourceSha256);
  });

  it("trusts the content over the declared type when the content is allowed", async () => {
    const png = await solid(10, 10).png().toBuffer();
    const out = await ingestImage(png, { declaredType: "image/jpeg" });
    expect(out).toMatchObject({ mimeType: "image/png", ext: "png" });
    expect(JSON.stringify({ ...out, bytes: undefined })).not.toContain("jpeg");
  });
});

describe("ingestImage: hostile input", () => {
  it("refuses an HTML page named .jpg", async () => {
    const html = Buffer.from("<!doctype html><html><script>alert(document.cookie)</script></html>");
    const error = await rejection(html, { declaredType: "image/jpeg" });
    expect(error.code).toBe("unsupported_type");
    expect(error.message).toMatch(/markup/);
  });

  it("refuses an SVG declared as image/jpeg, with or without an XML prolog", async () => {
    for (const svg of [
      `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>`,
      `<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>`,
    ]) {
      // sharp itself would happily rasterise these; the sniffer must stop them first.
      expect((await sharp(Buffer.from(svg)).metadata()).format).toBe("svg");
      expect((await rejection(Buffer.from(svg), { declaredType: "image/jpeg" })).code).toBe("unsupported_type");
    }
  });

  it("refuses other real formats (TIFF, PDF)", async () => {
    const tiff = await solid(10, 10).tiff().toBuffer();
    expect((await rejection(tiff)).message).toContain("image/tiff");
    expect((await rejection(Buffer.from("%PDF-1.4\n%âãÏÓ\n1 0 obj\n"))).message).toContain("application/pdf");
  });

  it("refuses a 20000×20000 PNG before decoding it", async () => {
    const png = hugePng(20_000, 20_000);
    expect(png.length).toBeLessThan(1024 * 1024);
    const started = performance.now();
    const error = await rejection(png);
    expect(error.code).toBe("too_many_pixels");
    expect(error.message).toContain("20000×20000");
    // Decoding 400 MP would take seconds and over a gigabyte.
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("takes the pixel limit from the options", async () => {
    const png = await solid(100, 100).png().toBuffer();
    expect((await rejection(png, { maxPixels: 9_999 })).code).toBe("too_many_pixels");
    expect((await ingestImage(png, { maxPixels: 10_000 })).width).toBe(100);
  });

  it("refuses a truncated JPEG as corrupt", async () => {
    const jpeg = await noisy(256, 256).jpeg().toBuffer();
    const error = await rejection(jpeg.subarray(0, Math.floor(jpeg.length * 0.6)));
    expect(error.code).toBe("corrupt");
    expect(error.message).toContain("JPEG");
  });

  it("refuses a GIF signature followed by junk as corrupt", async () => {
    expect((await rejection(Buffer.concat([Buffer.from("GIF89a"), Buffer.alloc(100, 0xff)]))).code).toBe("corrupt");
  });

  it("stops reading an endless stream as soon as it passes the byte cap", async () => {
    const jpegHead = (await solid(8, 8).jpeg().toBuffer()).subarray(0, 200);
    let yielded = 0;
    let stopped = false;
    async function* endless(): AsyncGenerator<Uint8Array> {
      try {
        yield jpegHead;
        for (;;) {
          yielded++;
          yield new Uint8Array(64 * 1024);
        }
      } finally {
        stopped = true;
      }
    }
    const error = await rejection(endless(), { maxBytes: 1024 * 1024 });
    expect(error.code).toBe("too_large");
    expect(stopped).toBe(true);
    // 200 bytes of header plus 16 chunks of 64 KiB is just over 1 MiB: the 16th chunk
    // breaks the cap and the generator is not asked for another.
    expect(yielded).toBe(16);
  });

  it("refuses an oversized buffer without looking at it", async () => {
    const png = await solid(10, 10).png().toBuffer();
    expect((await rejection(png, { maxBytes: png.length - 1 })).code).toBe("too_large");
    expect((await ingestImage(png, { maxBytes: png.length })).ext).toBe("png");
  });

  it("stops reading a stream once its first bytes show it is not an image", async () => {
    let yielded = 0;
    async function* endlessHtml(): AsyncGenerator<Uint8Array> {
      for (;;) {
        yielded++;
        yield Buffer.from("<html>".padEnd(1024, " "));
      }
    }
    expect((await rejection(endlessHtml())).code).toBe("unsupported_type");
    expect(yielded).toBe(5); // the first 4100 bytes
  });

  it("refuses empty input", async () => {
    expect((await rejection(Buffer.alloc(0))).code).toBe("empty");
    async function* nothing(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(0);
    }
    expect((await rejection(nothing())).code).toBe("empty");
  });

  it("drops a ZIP appended to a JPEG (polyglot)", async () => {
    const jpeg = await noisy(64, 64).jpeg().toBuffer();
    const payload = Buffer.from("PK\x03\x04\x14\x00\x00\x00\x00\x00evil.php<?php system($_GET['c']); ?>PK\x05\x06", "latin1");
    const out = await ingestImage(Buffer.concat([jpeg, payload]));
    expect(out).toMatchObject({ ext: "jpg", width: 64, height: 64 });
    expect(out.bytes.includes(Buffer.from("PK\x03\x04", "latin1"))).toBe(false);
    expect(out.bytes.includes(Buffer.from("system("))).toBe(false);
    // The output ends at the JPEG's end-of-image marker.
    expect(out.bytes.subarray(-2)).toEqual(Buffer.from([0xff, 0xd9]));
  });

  it("refuses an animation with more frames than allowed", async () => {
    const error = await rejection(await animatedGif(101));
    expect(error.code).toBe("too_many_frames");
    expect(error.message).toContain("101");
    expect((await rejection(await animatedGif(5), { maxFrames: 4 })).code).toBe("too_many_frames");
    const webp = await sharp(await animatedGif(5), { animated: true }).webp().toBuffer();
    expect((await rejection(webp, { maxFrames: 4 })).code).toBe("too_many_frames");
    expect((await ingestImage(webp, { maxFrames: 5 })).height).toBe(8);
  });
});

describe("newAssetKey", () => {
  it("is a fresh uuid with the stored extension", () => {
    const a = newAssetKey("webp");
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.webp$/);
    expect(newAssetKey("webp")).not.toBe(a);
    expect(() => newAssetKey("svg" as "png")).toThrow();
  });
});
