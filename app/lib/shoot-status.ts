// Shared by shoot pages (browser) and services (server).
export function isActive(counts: Record<string, number>): boolean {
  return (counts.pending ?? 0) + (counts.queued ?? 0) + (counts.processing ?? 0) > 0;
}
