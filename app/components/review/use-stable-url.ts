import { useRef } from "react";

const KEEP_MS = 30 * 60_000;

/**
 * Each loader answer signs image URLs afresh, and the page reloads its data every few
 * seconds while photos publish. Keeping the first URL of a file (it is signed for an
 * hour) stops every image from downloading again on each answer.
 */
export function useStableUrl<T extends string | undefined>(url: T): T {
  const kept = useRef<{ url: T; file: string | undefined; at: number } | null>(null);
  const file = url?.split("?")[0];
  const now = Date.now();
  if (!kept.current || kept.current.file !== file || now - kept.current.at > KEEP_MS) kept.current = { url, file, at: now };
  return kept.current.url;
}
