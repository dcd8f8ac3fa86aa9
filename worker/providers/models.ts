import type { ProviderName } from "./provider";

// Every model a shoot can be routed to, with the licence its weights or service terms
// carry. Merchants sell with these photos, so a model whose licence forbids commercial
// use is refused unless an operator explicitly allows it (ALLOW_NONCOMMERCIAL_MODELS).

export interface ModelEntry {
  /** How routes name it: `provider:model`. */
  id: string;
  provider: ProviderName;
  /** The provider's own model id. */
  model: string;
  licence: string;
  commercialUse: boolean;
}

const entry = (provider: ProviderName, model: string, licence: string, commercialUse: boolean): ModelEntry => ({
  id: `${provider}:${model}`,
  provider,
  model,
  licence,
  commercialUse,
});

export const MODEL_CATALOG: readonly ModelEntry[] = [
  entry("studio", "studio-compositor", "Atelier (own code)", true),
  entry("fashn", "product-to-model", "FASHN API terms (commercial use allowed)", true),
  entry("fashn", "tryon-v1.6", "FASHN API terms (commercial use allowed)", true),
  entry("fashn", "tryon-max", "FASHN API terms (commercial use allowed)", true),
  entry("fal", "fal-ai/flux-pro/kontext", "FLUX.1 Kontext [pro] via fal: commercial use per fal's terms", true),
  entry("fal", "fal-ai/flux-pro/kontext/max", "FLUX.1 Kontext [max] via fal: commercial use per fal's terms", true),
  entry("fal", "fal-ai/nano-banana/edit", "Gemini image editing via fal: commercial use per fal's terms", true),
  entry("fal", "fal-ai/idm-vton", "IDM-VTON weights: CC BY-NC-SA 4.0", false),
  entry("fal", "fal-ai/cat-vton", "CatVTON weights: CC BY-NC-SA 4.0", false),
  entry("replicate", "cuuupid/idm-vton", "IDM-VTON weights: CC BY-NC-SA 4.0", false),
  entry("replicate", "viktorfa/oot_diffusion", "OOTDiffusion weights: CC BY-NC-SA 4.0", false),
  entry("replicate", "black-forest-labs/flux-kontext-pro", "Replicate official model, commercial use per its terms", true),
  entry("http", "self-hosted", "Operator's own model: the operator answers for its licence", true),
];

export function findModel(id: string): ModelEntry | undefined {
  const [provider, ...rest] = id.split(":");
  const model = rest.join(":");
  // A Replicate version pin (`owner/name:version`) is the same model and licence.
  const known = MODEL_CATALOG.find((m) => m.provider === provider && (m.model === model || model.startsWith(`${m.model}:`)));
  return known && { ...known, id, model };
}
