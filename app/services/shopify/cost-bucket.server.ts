/**
 * A client-side model of Shopify's leaky bucket for one shop, fed by each response's
 * extensions.cost.throttleStatus. Waiting for the points a query needs before sending
 * it keeps a steady stream of requests from ever being THROTTLED.
 */
export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

export class CostBucket {
  private status: ThrottleStatus | null = null;
  private at = 0;
  private estimates = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  observe(status: ThrottleStatus): void {
    this.status = status;
    this.at = this.now();
  }

  /** Remembers what an operation requested last time, as the estimate for next time. */
  recordCost(operation: string, requested: number): void {
    this.estimates.set(operation, requested);
  }

  estimate(operation: string): number {
    return this.estimates.get(operation) ?? 0;
  }

  available(): number | null {
    if (!this.status) return null;
    const elapsed = (this.now() - this.at) / 1000;
    return Math.min(this.status.maximumAvailable, this.status.currentlyAvailable + elapsed * this.status.restoreRate);
  }

  /** Milliseconds to wait before `cost` points are available (0 when unknown or enough). */
  waitFor(cost: number): number {
    const available = this.available();
    if (available === null || !this.status || cost <= available) return 0;
    const needed = Math.min(cost, this.status.maximumAvailable) - available;
    return Math.ceil((needed / this.status.restoreRate) * 1000);
  }

  /** Points spent locally before the response tells the truth, so concurrent callers queue. */
  spend(cost: number): void {
    if (this.status) {
      this.status = { ...this.status, currentlyAvailable: (this.available() ?? 0) - cost };
      this.at = this.now();
    }
  }
}
