// The studio's own reading of the shoot presets. Any string is accepted, because a
// preset added to the app's catalog must never make a queued job fail here: an id
// the studio does not know is drawn as the nearest figure, pose or scene it does.

export type FigureKind = "mannequin" | "dress_form";

/** Body measurements in figure units: a standing figure is 1000 units tall. */
export interface FigureSpec {
  id: string;
  kind: FigureKind;
  /** Share of the frame's usable height the figure fills; petite figures stand shorter. */
  height: number;
  shoulderHalf: number;
  chestHalf: number;
  waistHalf: number;
  hipHalf: number;
  /** Limb thickness factor. */
  limb: number;
  /** Matte finish, deliberately no skin tone: these are mannequins, not people. */
  tone: string;
}

const FIGURES = [
  { id: "fashion_model_v1", kind: "mannequin", height: 0.97, shoulderHalf: 112, chestHalf: 98, waistHalf: 70, hipHalf: 98, limb: 1, tone: "#e6e0d7" },
  { id: "fashion_model_v1_petite", kind: "mannequin", height: 0.9, shoulderHalf: 106, chestHalf: 94, waistHalf: 66, hipHalf: 94, limb: 0.95, tone: "#ece8e2" },
  { id: "fashion_model_v1_curve", kind: "mannequin", height: 0.95, shoulderHalf: 118, chestHalf: 112, waistHalf: 92, hipHalf: 122, limb: 1.16, tone: "#d9d0c3" },
  { id: "fashion_model_v1_masc", kind: "mannequin", height: 0.99, shoulderHalf: 128, chestHalf: 112, waistHalf: 88, hipHalf: 96, limb: 1.12, tone: "#c2c1bd" },
  { id: "fashion_model_v1_masc_tall", kind: "mannequin", height: 1.03, shoulderHalf: 130, chestHalf: 112, waistHalf: 86, hipHalf: 96, limb: 1.1, tone: "#8f8e8b" },
  { id: "fashion_model_v1_neutral", kind: "mannequin", height: 0.97, shoulderHalf: 108, chestHalf: 92, waistHalf: 68, hipHalf: 90, limb: 0.92, tone: "#d0d5d9" },
  { id: "dress_form", kind: "dress_form", height: 0.97, shoulderHalf: 110, chestHalf: 100, waistHalf: 74, hipHalf: 104, limb: 1, tone: "#d8c9ad" },
] as const satisfies readonly FigureSpec[];

export const STUDIO_MODEL_PRESETS: readonly string[] = FIGURES.map((f) => f.id);
export const DEFAULT_MODEL_PRESET = "fashion_model_v1";

export const STUDIO_POSE_PRESETS = ["standing", "walking", "seated", "three_quarter", "back_view"] as const;
export type StudioPose = (typeof STUDIO_POSE_PRESETS)[number];

export const STUDIO_SCENE_PRESETS = ["studio", "street", "beach", "loft", "nature"] as const;
export type StudioScene = (typeof STUDIO_SCENE_PRESETS)[number];

const figureById = new Map<string, FigureSpec>(FIGURES.map((f) => [f.id, f]));

// Order matters: "masc_tall" must reach the tall figure before "masc" claims it.
const KEYWORDS: readonly [RegExp, string][] = [
  [/dress|form|bust|torso/, "dress_form"],
  [/masc.*tall|tall.*masc/, "fashion_model_v1_masc_tall"],
  [/petite|short|small/, "fashion_model_v1_petite"],
  [/curve|plus/, "fashion_model_v1_curve"],
  [/masc|male|man\b|men\b/, "fashion_model_v1_masc"],
  [/tall/, "fashion_model_v1_masc_tall"],
  [/neutral|andro|slim/, "fashion_model_v1_neutral"],
];

/** A later catalog's `fashion_model_v2_petite` still gets a petite figure. */
export function resolveFigure(modelPreset: string): FigureSpec {
  const id = modelPreset.trim().toLowerCase();
  const exact = figureById.get(id);
  if (exact) return exact;
  const hit = KEYWORDS.find(([pattern]) => pattern.test(id));
  return figureById.get(hit ? hit[1] : DEFAULT_MODEL_PRESET)!;
}

export function resolvePose(posePreset: string): StudioPose {
  const id = posePreset.trim().toLowerCase();
  return (STUDIO_POSE_PRESETS as readonly string[]).includes(id) ? (id as StudioPose) : "standing";
}

export function resolveScene(scenePreset: string): StudioScene {
  const id = scenePreset.trim().toLowerCase();
  return (STUDIO_SCENE_PRESETS as readonly string[]).includes(id) ? (id as StudioScene) : "studio";
}
