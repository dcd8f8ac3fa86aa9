import { StorageNotFoundError } from "~/services/storage/storage.server";
import { storage } from "~/storage.server";

/**
 * A file cleaned up since (an old product photo, say) shows as a placeholder instead
 * of failing the whole page.
 */
export async function signedUrlOrNull(bucket: "uploads" | "outputs", path: string, seconds = 3600): Promise<string | null> {
  try {
    return await storage().signedUrl(bucket, path, seconds);
  } catch (error) {
    if (error instanceof StorageNotFoundError) return null;
    throw error;
  }
}
