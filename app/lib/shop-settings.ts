import { z } from "zod";

/**
 * The merchant's publishing preferences, stored in shops.settings (jsonb). Reading is
 * lenient: a missing or malformed key falls back to its default, so an old row never
 * breaks a page or a worker.
 */
export const publishSettings = z.object({
  /** Append "AI-generated" to alt text. On by default: shoppers are told. */
  aiDisclosure: z.boolean().catch(true).default(true),
  /** Publish photos that pass the fidelity gate without review. Off by default. */
  autoPublish: z.boolean().catch(false).default(false),
  /** Where a published photo goes in the product's media. */
  publishPosition: z.enum(["append", "featured"]).catch("append").default("append"),
  /** Also show the photo on the variants of its colour. */
  attachVariants: z.boolean().catch(false).default(false),
});
export type PublishSettings = z.infer<typeof publishSettings>;

export function readPublishSettings(settings: unknown): PublishSettings {
  const object = settings && typeof settings === "object" && !Array.isArray(settings) ? settings : {};
  return publishSettings.parse(object);
}

/** What the settings form may change; strict, unlike reading. */
export const publishSettingsForm = z.object({
  aiDisclosure: z.stringbool(),
  autoPublish: z.stringbool(),
  publishPosition: z.enum(["append", "featured"]),
  attachVariants: z.stringbool(),
});
