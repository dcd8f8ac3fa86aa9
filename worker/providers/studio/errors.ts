export type StudioInputErrorCode = "no_subject" | "unreadable";

/**
 * The photo cannot be made into a studio shot. Retrying the same photo cannot help, so
 * the job should fail for good (and be refunded) rather than be retried.
 */
export class StudioInputError extends Error {
  override readonly name = "StudioInputError";
  constructor(
    readonly code: StudioInputErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
