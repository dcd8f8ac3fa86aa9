import { MODEL_PRESETS, POSE_PRESETS, SCENE_PRESETS, type ShootOptions } from "../../lib/presets";

/** What the extension starts from when the shop has no saved look: the shoot page's defaults. */
export const DEFAULT_OPTIONS: ShootOptions = {
  modelPreset: MODEL_PRESETS[0].id,
  posePreset: POSE_PRESETS[0].id,
  scenePreset: SCENE_PRESETS[0].id,
  generationType: "standard",
  aspectRatio: "3:4",
  variations: 1,
  prompt: undefined,
};

export class SelectionError extends Error {
  constructor(
    readonly status: 400 | 404,
    readonly code: "invalid_selection" | "look_not_found",
    message: string,
  ) {
    super(message);
  }
}

export interface Selection {
  lookId: string | null;
  options: ShootOptions;
}

/**
 * The options a shoot runs with: a saved look of this shop, or presets, or the defaults;
 * `variations` (photos per product) overrides either. `looks` are the shop's own, so
 * another shop's look id is simply not found.
 */
export function resolveSelection(
  looks: { id: string; options: ShootOptions }[],
  input: { lookId?: string; options?: ShootOptions; variations?: number },
): Selection {
  if (input.lookId && input.options) throw new SelectionError(400, "invalid_selection", "Choose a saved look or presets, not both.");
  let selection: Selection = { lookId: null, options: input.options ?? DEFAULT_OPTIONS };
  if (input.lookId) {
    const look = looks.find((l) => l.id === input.lookId);
    if (!look) throw new SelectionError(404, "look_not_found", "That saved look was not found; it may have been deleted.");
    selection = { lookId: look.id, options: look.options };
  }
  return input.variations ? { ...selection, options: { ...selection.options, variations: input.variations } } : selection;
}
