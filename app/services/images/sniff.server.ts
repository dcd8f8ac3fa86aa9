import { fileTypeFromBuffer } from "file-type";

export const IMAGE_FORMATS = ["jpeg", "png", "webp", "gif"] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];

/** Enough for file-type to tell every format it knows; ours need only the first 12 bytes. */
export const SNIFF_BYTES = 4100;

export const SOURCE_MIME_TYPES: Record<ImageFormat, string> = {
  jpeg: "image/jpeg",
  png: "image/png",
  webp: "image/webp",
  gif: "image/gif",
};

// APNG is a PNG whose first frame every PNG decoder shows; accepting it as PNG keeps
// that frame, exactly as a browser without APNG support would.
const BY_MIME: Record<string, ImageFormat> = {
  "image/jpeg": "jpeg",
  "image/png": "png",
  "image/apng": "png",
  "image/webp": "webp",
  "image/gif": "gif",
};

export type SniffResult = { ok: true; format: ImageFormat } | { ok: false; detected: string };

/**
 * Decides the format from the content alone. `detected` names what was found instead
 * so a refusal can say more than "not allowed" (an HTML page, a PDF, an SVG…).
 */
export async function sniffImage(head: Uint8Array): Promise<SniffResult> {
  const found = await fileTypeFromBuffer(head);
  const format = found ? BY_MIME[found.mime] : undefined;
  if (format) return { ok: true, format };
  if (found) return { ok: false, detected: found.mime };
  return { ok: false, detected: looksLikeMarkup(head) ? "text or markup (HTML, SVG or XML)" : "unrecognised data" };
}

// file-type leaves text formats alone; SVG and HTML are the usual disguises, and both
// start with "<" once a byte-order mark and whitespace are skipped.
function looksLikeMarkup(head: Uint8Array): boolean {
  let i = 0;
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) i = 3;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d)) i++;
  return head[i] === 0x3c;
}
