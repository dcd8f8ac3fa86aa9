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

/**
 * The catalog watcher: a new product photo becomes a draft shoot with the default look,
 * within a monthly credit budget. Off by default.
 */
export const watcherSettings = z.object({
  watchCatalog: z.boolean().catch(false).default(false),
  /** When watching started: photos older than this are the catalog as it was, not new. */
  watchSince: z.string().datetime().nullable().catch(null).default(null),
  watcherLookId: z.uuid().nullable().catch(null).default(null),
  watcherMonthlyBudget: z.number().int().min(0).max(1_000_000).catch(0).default(0),
  /** Shoot drafts at once instead of waiting for the merchant's approval. */
  watcherAutoRun: z.boolean().catch(false).default(false),
});
export type WatcherSettings = z.infer<typeof watcherSettings>;

export function readWatcherSettings(settings: unknown): WatcherSettings {
  const object = settings && typeof settings === "object" && !Array.isArray(settings) ? settings : {};
  return watcherSettings.parse(object);
}

export const watcherSettingsForm = z.object({
  watchCatalog: z.stringbool(),
  watcherLookId: z.union([z.uuid(), z.literal("")]).transform((v) => v || null),
  watcherMonthlyBudget: z.coerce.number().int("Whole credits only").min(0, "The budget can't be negative").max(1_000_000),
  watcherAutoRun: z.stringbool(),
});
