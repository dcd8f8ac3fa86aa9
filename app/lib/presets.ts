import { z } from "zod";

// The one catalog of shoot options, shared by the shoot page, the API, the worker and
// every provider adapter: an id here is the id everywhere.

export const MODEL_PRESETS = [
  { id: "fashion_model_v1", label: "Ava", gender: "feminine", age: "25–34", skinTone: "medium", bodyType: "regular" },
  { id: "fashion_model_v1_petite", label: "Mia", gender: "feminine", age: "18–24", skinTone: "light", bodyType: "petite" },
  { id: "fashion_model_v1_curve", label: "Zoe", gender: "feminine", age: "35–44", skinTone: "deep", bodyType: "curve" },
  { id: "fashion_model_v1_masc", label: "Leo", gender: "masculine", age: "25–34", skinTone: "tan", bodyType: "athletic" },
  { id: "fashion_model_v1_masc_tall", label: "Sam", gender: "masculine", age: "45–54", skinTone: "dark", bodyType: "tall" },
  { id: "fashion_model_v1_neutral", label: "Kai", gender: "androgynous", age: "18–24", skinTone: "medium", bodyType: "slim" },
  { id: "dress_form", label: "Dress form", gender: "none", age: "—", skinTone: "—", bodyType: "regular" },
] as const;

export const POSE_PRESETS = [
  { id: "standing", label: "Standing" },
  { id: "walking", label: "Walking" },
  { id: "seated", label: "Seated" },
  { id: "three_quarter", label: "Three-quarter" },
  { id: "back_view", label: "Back view" },
] as const;

export const SCENE_PRESETS = [
  { id: "studio", label: "Studio" },
  { id: "street", label: "Street" },
  { id: "beach", label: "Beach" },
  { id: "loft", label: "Loft" },
  { id: "nature", label: "Nature" },
] as const;

/** Credits per generated image. */
export const GENERATION_TYPES = [
  { id: "standard", label: "Standard", credits: 1 },
  { id: "hd", label: "HD", credits: 2 },
] as const;

export const ASPECT_RATIOS = ["1:1", "3:4", "4:5", "2:3", "9:16", "16:9"] as const;
export const MAX_VARIATIONS = 4;
export const MAX_PROMPT_LENGTH = 500;

type Ids<T extends readonly { id: string }[]> = T[number]["id"];
const ids = <T extends readonly { id: string }[]>(list: T) => list.map((p) => p.id) as [Ids<T>, ...Ids<T>[]];

export const shootOptions = z.object({
  modelPreset: z.enum(ids(MODEL_PRESETS)),
  posePreset: z.enum(ids(POSE_PRESETS)),
  scenePreset: z.enum(ids(SCENE_PRESETS)),
  generationType: z.enum(ids(GENERATION_TYPES)),
  aspectRatio: z.enum(ASPECT_RATIOS).default("3:4"),
  variations: z.coerce.number().int().min(1).max(MAX_VARIATIONS).default(1),
  prompt: z
    .string()
    .trim()
    .max(MAX_PROMPT_LENGTH, `Keep the prompt under ${MAX_PROMPT_LENGTH} characters`)
    .optional()
    .transform((p) => (p ? p : undefined)),
});
export type ShootOptions = z.infer<typeof shootOptions>;

export function creditsPerImage(generationType: ShootOptions["generationType"]): number {
  return GENERATION_TYPES.find((g) => g.id === generationType)!.credits;
}

/** The price shown before anything runs, and the amount reserved: products × variations × cost. */
export function shootPrice(p: { products: number; variations: number; generationType: ShootOptions["generationType"] }) {
  const perImage = creditsPerImage(p.generationType);
  const images = p.products * p.variations;
  return { images, perImage, total: images * perImage };
}
