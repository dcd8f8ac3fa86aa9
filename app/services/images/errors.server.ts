export type ImageRejectionCode = "too_large" | "unsupported_type" | "too_many_pixels" | "too_many_frames" | "corrupt" | "empty";

/**
 * Why an image was refused; the code is stable for APIs and banners, the message is
 * written for the merchant. Never carries the declared type or file name: those are
 * not trusted, so nothing downstream should learn to rely on them.
 */
export class ImageRejectedError extends Error {
  constructor(
    readonly code: ImageRejectionCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}
