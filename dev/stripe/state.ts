import type { CheckoutSession, LineItem, Metadata, StripeObject } from "./objects";

// Everything the stand-in knows, in memory, for one server. Tests read it directly
// (`standIn.state`) to check what was delivered and how the app answered.

export type SignatureMode = "valid" | "stale" | "wrong_secret";

export interface Delivery {
  eventId: string;
  type: string;
  url: string;
  /** The app's HTTP status, or null when it did not answer. */
  status: number | null;
  error?: string;
  signature: SignatureMode;
  at: number;
  durationMs: number;
}

export interface IdempotencyRecord {
  method: string;
  path: string;
  /** Canonical JSON of the parameters the key was first used with. */
  params: string;
  savedAt: number;
  response: { status: number; body: unknown; requestId: string } | null;
}

export interface SessionExtras {
  lineItems: LineItem[];
  paymentIntentData: { metadata: Metadata; description: string | null };
}

export class StripeState {
  /** Added to the wall clock for object timestamps (session expiry); see advanceClock. */
  clockOffsetMs = 0;
  readonly objects = new Map<string, StripeObject>();
  readonly sessions = new Map<string, SessionExtras>();
  /** The exact bytes of each event as first sent: redeliveries resend them. */
  readonly eventBodies = new Map<string, string>();
  readonly deliveries: Delivery[] = [];
  readonly idempotency = new Map<string, IdempotencyRecord>();
  /** When each customer's latest write becomes visible to search (stand-in clock, seconds). */
  readonly searchVisibleAt = new Map<string, number>();

  nowMs(): number {
    return Date.now() + this.clockOffsetMs;
  }

  /** Unix seconds on the stand-in's clock. */
  now(): number {
    return Math.floor(this.nowMs() / 1000);
  }

  put<T extends StripeObject>(object: T): T {
    this.objects.set(object.id, object);
    return object;
  }

  find<T extends StripeObject>(kind: T["object"], id: string): T | undefined {
    const found = this.objects.get(id);
    return found && found.object === kind ? (found as T) : undefined;
  }

  all<T extends StripeObject>(kind: T["object"]): T[] {
    return [...this.objects.values()].filter((o): o is T => o.object === kind);
  }

  session(id: string): CheckoutSession | undefined {
    return this.find<CheckoutSession>("checkout.session", id);
  }

  deliveriesOf(eventId: string): Delivery[] {
    return this.deliveries.filter((d) => d.eventId === eventId);
  }
}
