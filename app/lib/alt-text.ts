import { MODEL_PRESETS } from "./presets";

// Alt text for a published on-model photo: shared by the review page (the proposal a
// merchant edits) and the publish worker (what Shopify receives).

export const MAX_ALT_TEXT = 512;
export const AI_DISCLOSURE = "AI-generated image";
const DISCLOSURE_SUFFIX = ` (${AI_DISCLOSURE})`;
/** Room left for the merchant's text once the disclosure is appended. */
export const MAX_EDITABLE_ALT_TEXT = MAX_ALT_TEXT - DISCLOSURE_SUFFIX.length;

const POSES: Record<string, string> = {
  standing: "standing",
  walking: "walking",
  seated: "seated",
  three_quarter: "in a three-quarter view",
  back_view: "seen from the back",
};

const SCENES: Record<string, string> = {
  studio: "in a studio",
  street: "on a city street",
  beach: "on a beach",
  loft: "in a loft",
  nature: "outdoors",
};

const COLOUR_OPTION = /^(colou?r|farbe|couleur)$/i;

/**
 * The colour the alt text names beyond the title: the product's only colour option
 * value. A product in several colours gets none (the title usually names its main one;
 * the merchant edits the rest), so the review page and the worker propose the same text
 * from the same cheap read.
 */
export function altColour(options: readonly { name: string; values: readonly string[] }[] | null | undefined): string | null {
  const colour = options?.find((o) => COLOUR_OPTION.test(o.name.trim()));
  return colour && colour.values.length === 1 ? colour.values[0]! : null;
}

export interface AltTextInput {
  title: string;
  colour?: string | null;
  modelPreset: string;
  posePreset: string;
  scenePreset: string;
}

/** "Relaxed Navy Hoodie in Olive, worn by a model walking on a city street". */
export function proposeAltText(p: AltTextInput): string {
  const title = p.title.trim() || "Product";
  const colour = p.colour?.trim();
  const named = colour && !title.toLowerCase().includes(colour.toLowerCase()) ? `${title} in ${colour}` : title;
  const model = MODEL_PRESETS.find((m) => m.id === p.modelPreset);
  const wearer = model?.id === "dress_form" ? "shown on a dress form" : "worn by a model";
  const pose = model?.id === "dress_form" ? "" : POSES[p.posePreset] ?? "";
  const scene = SCENES[p.scenePreset] ?? "";
  return clip([`${named}, ${wearer}`, pose, scene].filter(Boolean).join(" "), MAX_EDITABLE_ALT_TEXT);
}

/** What Shopify receives: the merchant's text, with the disclosure when the shop has it on. */
export function publishedAltText(alt: string, disclose: boolean): string {
  const text = alt.trim();
  if (!disclose) return clip(text, MAX_ALT_TEXT);
  if (text.toLowerCase().includes(AI_DISCLOSURE.toLowerCase())) return clip(text, MAX_ALT_TEXT);
  return `${clip(text, MAX_EDITABLE_ALT_TEXT)}${DISCLOSURE_SUFFIX}`.trim();
}

function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(" ");
  return `${space > max / 2 ? cut.slice(0, space) : cut}…`;
}
