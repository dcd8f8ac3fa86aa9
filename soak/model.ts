// An independent account of what every shop's balance must be, kept from the driver's
// own actions: credits it was given (welcome bonus, packs it approved on Shopify's
// page), the shoots it was quoted and charged, the jobs it cancelled. At the end the
// jobs' final states decide which charges stand: completed photos keep their charge,
// failed and cancelled ones were given back. The model shares no code with the ledger.

export const CREDITS_PER_IMAGE = { standard: 1, hd: 2 } as const;
export type GenerationType = keyof typeof CREDITS_PER_IMAGE;

export interface ModelJob {
  batchId: string;
  cost: number;
}

export interface ShopModel {
  shopId: string;
  domain: string;
  welcome: number;
  /** Shopify purchase id → credits, for packs the driver approved. */
  approved: Map<string, number>;
  declined: number;
  jobs: Map<string, ModelJob>;
  batches: Set<string>;
  /** Jobs the app said it cancelled for the driver. */
  cancelled: Set<string>;
  uninstalledAt: number | null;
}

export type FinalStatus = "completed" | "failed" | "cancelled" | "pending" | "queued" | "processing";

export class LedgerModel {
  readonly shops = new Map<string, ShopModel>();
  /** Disagreements seen while the run was going (a quote that was not the price). */
  readonly mismatches: string[] = [];

  install(shopId: string, domain: string, welcome: number): void {
    this.shops.set(shopId, { shopId, domain, welcome, approved: new Map(), declined: 0, jobs: new Map(), batches: new Set(), cancelled: new Set(), uninstalledAt: null });
  }

  private shop(shopId: string): ShopModel {
    const s = this.shops.get(shopId);
    if (!s) throw new Error(`model: unknown shop ${shopId}`);
    return s;
  }

  /** A shoot the app created (or replayed): what it must have charged, job by job. */
  shoot(shopId: string, p: { batchId: string; jobIds: string[]; costCredits: number; images: number; type: GenerationType }): void {
    const s = this.shop(shopId);
    if (s.batches.has(p.batchId)) return;
    s.batches.add(p.batchId);
    const perJob = CREDITS_PER_IMAGE[p.type];
    if (p.jobIds.length !== p.images) this.mismatches.push(`shoot ${p.batchId}: asked for ${p.images} photos, got ${p.jobIds.length} jobs`);
    if (p.costCredits !== perJob * p.images) this.mismatches.push(`shoot ${p.batchId}: quoted ${p.costCredits} credits, expected ${perJob * p.images}`);
    for (const id of p.jobIds) s.jobs.set(id, { batchId: p.batchId, cost: perJob });
  }

  approvedPack(shopId: string, purchaseId: string, credits: number): void {
    this.shop(shopId).approved.set(purchaseId, credits);
  }

  declinedPack(shopId: string): void {
    this.shop(shopId).declined++;
  }

  cancelled(shopId: string, jobIds: string[]): void {
    for (const id of jobIds) this.shop(shopId).cancelled.add(id);
  }

  uninstalled(shopId: string): void {
    this.shop(shopId).uninstalledAt = Date.now();
  }

  /** The balance the shop must end with, given each job's final state. */
  expectedBalance(shopId: string, status: (jobId: string) => FinalStatus | undefined): number {
    const s = this.shop(shopId);
    let balance = s.welcome;
    for (const credits of s.approved.values()) balance += credits;
    for (const [id, job] of s.jobs) if (status(id) === "completed") balance -= job.cost;
    return balance;
  }

  /** What the model knows about the whole run, for the report. */
  totals() {
    let jobs = 0;
    let packs = 0;
    let declined = 0;
    let cancelled = 0;
    let uninstalled = 0;
    for (const s of this.shops.values()) {
      jobs += s.jobs.size;
      packs += s.approved.size;
      declined += s.declined;
      cancelled += s.cancelled.size;
      if (s.uninstalledAt !== null) uninstalled++;
    }
    return { shops: this.shops.size, jobs, packs, declined, cancelled, uninstalled };
  }
}
