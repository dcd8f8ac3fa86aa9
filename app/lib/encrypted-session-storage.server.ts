import { Session } from "@shopify/shopify-app-remix/server";
import { decryptToken, encryptToken, tokenKeys, type TokenKeys } from "~/services/shopify/token-crypto.server";

/** The session storage contract of Shopify's app libraries. */
export interface SessionStore {
  storeSession(session: Session): Promise<boolean>;
  loadSession(id: string): Promise<Session | undefined>;
  deleteSession(id: string): Promise<boolean>;
  deleteSessions(ids: string[]): Promise<boolean>;
  findSessionsByShop(shop: string): Promise<Session[]>;
}

/**
 * Shopify's session storage with the access and refresh tokens encrypted before they
 * reach the database and decrypted when read back; everything else is unchanged.
 */
export class EncryptedSessionStorage implements SessionStore {
  constructor(
    private readonly inner: SessionStore,
    private readonly keys: () => TokenKeys = tokenKeys,
  ) {}

  private map(session: Session, fn: (value: string) => string): Session {
    const copy = new Session(session.toObject());
    if (copy.accessToken) copy.accessToken = fn(copy.accessToken);
    if (copy.refreshToken) copy.refreshToken = fn(copy.refreshToken);
    return copy;
  }

  storeSession(session: Session): Promise<boolean> {
    return this.inner.storeSession(this.map(session, (v) => encryptToken(this.keys(), v)));
  }

  async loadSession(id: string): Promise<Session | undefined> {
    const session = await this.inner.loadSession(id);
    return session && this.map(session, (v) => decryptToken(this.keys(), v));
  }

  deleteSession(id: string): Promise<boolean> {
    return this.inner.deleteSession(id);
  }

  deleteSessions(ids: string[]): Promise<boolean> {
    return this.inner.deleteSessions(ids);
  }

  async findSessionsByShop(shop: string): Promise<Session[]> {
    return (await this.inner.findSessionsByShop(shop)).map((s) => this.map(s, (v) => decryptToken(this.keys(), v)));
  }
}
