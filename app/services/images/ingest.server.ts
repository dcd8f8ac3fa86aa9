import { createHash, randomUUID } from "node:crypto";
import sharp, { type Metadata, type OutputInfo, type Sharp } from "sharp";
import { ImageRejectedError } from "./errors.server";
import { SNIFF_BYTES, SOURCE_MIME_TYPES, sniffImage, type ImageFormat } from "./sniff.server";

export { ImageRejectedError, type ImageRejectionCode } from "./errors.server";

export type StoredImageType = "image/jpeg" | "image/png" | "image/webp";
export type StoredImageExt = "jpg" | "png" | "webp";

const MiB = 1024 * 1024;

export const INGEST_DEFAULTS = {
  /** Shopify's own ceiling for product images. */
  maxBytes: 20 * MiB,
  /** Far below sharp's 268 MP default: 50 MP is a 8660×5773 photo, decoded in ~150 MB. */
  maxPixels: 50_000_000,
  /** Only the first frame is used; the cap bounds the work of merely reading a file. */
  maxFrames: 100,
} as const;

export interface IngestOptions {
  maxBytes?: number;
  maxPixels?: number;
  maxFrames?: number;
  /**
   * What the uploader or the server claimed. Deliberately unused: the format is sniffed
   * from the bytes, and a disagreement is not an error as long as the sniffed format is
   * allowed. Accepted so call sites can pass it along without a lint exception.
   */
  declaredType?: string;
}

export interface IngestedImage {
  /** The re-encoded image: no metadata, no bytes beyond the image data. */
  bytes: Buffer;
  mimeType: StoredImageType;
  ext: StoredImageExt;
  width: number;
  height: number;
  /** The sniffed format of the input (GIF is stored as PNG). */
  sourceMimeType: string;
  /** Hash of the bytes as received: what "same bytes" means for re-imports. */
  sourceSha256: string;
  sha256: string;
  sourceBytes: number;
}

// GIF is stored as PNG: only the first frame is kept, so WebP's animation support
// buys nothing, while PNG keeps the GIF's pixels and transparency losslessly and is
// accepted by every AI provider and by Shopify's product media.
const OUTPUT: Record<ImageFormat, { mimeType: StoredImageType; ext: StoredImageExt; encode: (s: Sharp) => Sharp }> = {
  jpeg: { mimeType: "image/jpeg", ext: "jpg", encode: (s) => s.jpeg({ quality: 90 }) },
  png: { mimeType: "image/png", ext: "png", encode: (s) => s.png() },
  webp: { mimeType: "image/webp", ext: "webp", encode: (s) => s.webp({ quality: 90 }) },
  gif: { mimeType: "image/png", ext: "png", encode: (s) => s.png() },
};

// "error" refuses truncated and undecodable data; "warning" (sharp's default) would
// also refuse the benign libjpeg warnings many camera and editor files trigger.
const FAIL_ON = "error";

/**
 * Turns untrusted bytes into an image that is safe to store and hand on: the format is
 * sniffed from the content (never the declared type or name), size, pixels and frames
 * are capped before any decoding, and the pixels are re-encoded so metadata and
 * anything smuggled around the image data (polyglot payloads) are left behind.
 * Nothing is written anywhere: the caller stores `bytes` under `newAssetKey(ext)`, so
 * a refusal leaves nothing behind.
 */
export async function ingestImage(source: AsyncIterable<Uint8Array> | Uint8Array, opts: IngestOptions = {}): Promise<IngestedImage> {
  const maxBytes = opts.maxBytes ?? INGEST_DEFAULTS.maxBytes;
  const maxPixels = opts.maxPixels ?? INGEST_DEFAULTS.maxPixels;
  const maxFrames = opts.maxFrames ?? INGEST_DEFAULTS.maxFrames;

  const { bytes, format } = await readSource(source, maxBytes);

  let meta: Metadata;
  try {
    // Header only: the pixel limit is checked below, with a clearer error than sharp's.
    meta = await sharp(bytes, { limitInputPixels: false, failOn: FAIL_ON }).metadata();
  } catch (error) {
    throw corrupt(format, error);
  }
  // Both sniffers look at the signature; disagreeing means the file was built to confuse one.
  if (meta.format !== format) {
    throw new ImageRejectedError("corrupt", `The file starts like a ${label(format)} but does not decode as one.`);
  }
  // Without `pages`, sharp reports a single frame's height.
  const pixels = meta.width * meta.height;
  if (!(pixels > 0)) throw corrupt(format);
  if (pixels > maxPixels) {
    throw new ImageRejectedError(
      "too_many_pixels",
      `The image is ${meta.width}×${meta.height} (${megapixels(pixels)} MP); the limit is ${megapixels(maxPixels)} MP.`,
    );
  }
  const frames = meta.pages ?? 1;
  if (frames > maxFrames) {
    throw new ImageRejectedError("too_many_frames", `The animation has ${frames} frames; the limit is ${maxFrames}.`);
  }

  const out = OUTPUT[format];
  let encoded: { data: Buffer; info: OutputInfo };
  try {
    // limitInputPixels again because the header read above and this decode are two
    // parses of the same bytes; the decoder must not trust the first one's verdict.
    const pipeline = sharp(bytes, { limitInputPixels: maxPixels, failOn: FAIL_ON, pages: 1, page: 0 }).rotate();
    encoded = await out.encode(pipeline).toBuffer({ resolveWithObject: true });
  } catch (error) {
    if (error instanceof Error && /pixel limit/i.test(error.message)) {
      throw new ImageRejectedError("too_many_pixels", `The image has more than ${megapixels(maxPixels)} MP.`, { cause: error });
    }
    throw corrupt(format, error);
  }

  return {
    bytes: encoded.data,
    mimeType: out.mimeType,
    ext: out.ext,
    width: encoded.info.width,
    height: encoded.info.height,
    sourceMimeType: SOURCE_MIME_TYPES[format],
    sourceSha256: sha256(bytes),
    sha256: sha256(encoded.data),
    sourceBytes: bytes.length,
  };
}

/** A server-chosen file name: nothing of the uploader's name survives into storage. */
export function newAssetKey(ext: StoredImageExt): string {
  if (!["jpg", "png", "webp"].includes(ext)) throw new Error(`not an extension images are stored under: ${String(ext)}`);
  return `${randomUUID()}.${ext}`;
}

async function readSource(
  source: AsyncIterable<Uint8Array> | Uint8Array,
  maxBytes: number,
): Promise<{ bytes: Buffer; format: ImageFormat }> {
  if (source instanceof Uint8Array) {
    if (source.byteLength === 0) throw empty();
    if (source.byteLength > maxBytes) throw tooLarge(maxBytes);
    const bytes = Buffer.isBuffer(source) ? source : Buffer.from(source.buffer, source.byteOffset, source.byteLength);
    return { bytes, format: await sniffOrReject(bytes) };
  }

  const chunks: Buffer[] = [];
  let total = 0;
  let format: ImageFormat | undefined;
  // Throwing inside for-await calls the iterator's return(): the producer (a socket, a
  // generator) stops at the chunk that broke the cap, and an HTML page or a PDF is
  // refused after its first few kilobytes rather than after the whole body.
  for await (const chunk of source) {
    total += chunk.byteLength;
    if (total > maxBytes) throw tooLarge(maxBytes);
    // Copied: an iterable may reuse its buffer for the next chunk.
    chunks.push(Buffer.from(chunk));
    if (format === undefined && total >= SNIFF_BYTES) format = await sniffOrReject(Buffer.concat(chunks, SNIFF_BYTES));
  }
  if (total === 0) throw empty();
  const bytes = Buffer.concat(chunks, total);
  return { bytes, format: format ?? (await sniffOrReject(bytes)) };
}

async function sniffOrReject(head: Buffer): Promise<ImageFormat> {
  const sniffed = await sniffImage(head);
  if (sniffed.ok) return sniffed.format;
  throw new ImageRejectedError(
    "unsupported_type",
    `The file is ${sniffed.detected}, not a JPEG, PNG, WebP or GIF image.`,
  );
}

function tooLarge(maxBytes: number): ImageRejectedError {
  return new ImageRejectedError("too_large", `The file is larger than ${(maxBytes / MiB).toFixed(maxBytes % MiB ? 1 : 0)} MB.`);
}

function empty(): ImageRejectedError {
  return new ImageRejectedError("empty", "The file is empty.");
}

function corrupt(format: ImageFormat, cause?: unknown): ImageRejectedError {
  return new ImageRejectedError("corrupt", `The ${label(format)} is damaged or incomplete and cannot be decoded.`, { cause });
}

function label(format: ImageFormat): string {
  return { jpeg: "JPEG", png: "PNG", webp: "WebP", gif: "GIF" }[format];
}

function megapixels(pixels: number): string {
  return String(Math.round(pixels / 1e5) / 10);
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}
