import { ProviderError, type GenerationRequest, type Provider, type Submission } from "./provider";
import { renderStudioShot, STUDIO_PROVIDER_ID, STUDIO_PROVIDER_LABEL, StudioInputError, type StudioAspectRatio } from "./studio/index";

const ASPECTS: StudioAspectRatio[] = ["1:1", "3:4", "4:5", "2:3", "9:16", "16:9"];

/** The offline default: composites the product photo, no AI, no keys. */
export function studioProvider(): Provider {
  return {
    name: STUDIO_PROVIDER_ID,
    label: STUDIO_PROVIDER_LABEL,
    async submit(req: GenerationRequest, signal: AbortSignal): Promise<Submission> {
      signal.throwIfAborted();
      try {
        const result = await renderStudioShot({
          input: req.input,
          modelPreset: req.modelPreset,
          posePreset: req.posePreset,
          scenePreset: req.scenePreset,
          aspectRatio: ASPECTS.includes(req.aspectRatio as StudioAspectRatio) ? (req.aspectRatio as StudioAspectRatio) : "3:4",
          seed: req.seed,
          quality: req.generationType === "hd" ? "hd" : "standard",
        });
        return { state: "succeeded", output: { kind: "image", image: result.image, mimeType: result.mimeType } };
      } catch (error) {
        if (error instanceof StudioInputError) {
          const message =
            error.code === "no_subject"
              ? "No garment could be found in the product photo; use a photo of the garment on a plain background."
              : "The product photo could not be read.";
          throw new ProviderError("permanent", `input_${error.code}`, message, { cause: error });
        }
        throw error;
      }
    },
  };
}
