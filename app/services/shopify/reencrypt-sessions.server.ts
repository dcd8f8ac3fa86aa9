import type { Db } from "../prisma.server";
import { decryptToken, encryptToken, isEncryptedToken, type TokenKeys } from "./token-crypto.server";

function currentKeyOf(value: string): string | null {
  return isEncryptedToken(value) ? (value.split(":")[2] ?? null) : null;
}

/**
 * Rewrites every stored token not yet under the current key (plaintext from before
 * encryption, or an older key), so an old key can be retired. Safe to run again.
 */
export async function reencryptSessions(db: Db, keys: TokenKeys): Promise<{ rewritten: number; unreadable: string[] }> {
  const sessions = await db.session.findMany({ select: { id: true, accessToken: true, refreshToken: true } });
  let rewritten = 0;
  const unreadable: string[] = [];
  for (const s of sessions) {
    const stale = (v: string | null) => v !== null && v !== "" && currentKeyOf(v) !== keys.currentId;
    if (!stale(s.accessToken) && !stale(s.refreshToken)) continue;
    const again = (v: string | null) => (v && stale(v) ? encryptToken(keys, decryptToken(keys, v)) : v);
    let access: string | null;
    let refresh: string | null;
    try {
      access = again(s.accessToken);
      refresh = again(s.refreshToken);
    } catch {
      // Under a key no longer configured: reported, left as it is.
      unreadable.push(s.id);
      continue;
    }
    // Only if unchanged meanwhile: a token stored by a concurrent sign-in wins.
    const result = await db.session.updateMany({
      where: { id: s.id, accessToken: s.accessToken },
      data: { accessToken: access!, refreshToken: refresh },
    });
    rewritten += result.count;
  }
  return { rewritten, unreadable };
}
