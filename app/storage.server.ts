import { createStorage } from "./services/storage/config.server";
import type { Storage } from "./services/storage/storage.server";

declare global {
  var __atelierStorage: Storage | undefined;
}

/** The app's storage adapter (local disk by default, Supabase Storage when configured). */
export function storage(): Storage {
  globalThis.__atelierStorage ??= createStorage(process.env);
  return globalThis.__atelierStorage;
}
