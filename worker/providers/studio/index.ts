// The offline studio provider: a compositing pipeline on sharp, no AI and no network,
// so Atelier produces shots with no provider keys at all. Its name says what it is,
// in the code and in front of merchants.

export const STUDIO_PROVIDER_ID = "studio";
export const STUDIO_PROVIDER_LABEL = "Studio (compositing, no AI)";

export {
  DEFAULT_MODEL_PRESET,
  resolveFigure,
  resolvePose,
  resolveScene,
  STUDIO_MODEL_PRESETS,
  STUDIO_POSE_PRESETS,
  STUDIO_SCENE_PRESETS,
  type StudioPose,
  type StudioScene,
} from "./presets";
export { cutOutGarment, type GarmentCutout, type GarmentKind, type GarmentShape } from "./cutout";
export {
  LONG_EDGE,
  outputSize,
  renderStudioShot,
  StudioInputError,
  type StudioAspectRatio,
  type StudioInputErrorCode,
  type StudioRequest,
  type StudioResult,
} from "./render";
