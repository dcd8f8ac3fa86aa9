import { isIP } from "node:net";
import ipaddr from "ipaddr.js";

export type AddressVerdict = { allowed: true } | { allowed: false; reason: string };

// Cloud metadata and platform endpoints. Most already fall in a blocked range; they are
// named so a refusal says what was being reached, and Azure's wire server is public space.
const METADATA: ReadonlyMap<string, string> = new Map([
  ["169.254.169.254", "cloud metadata endpoint (AWS, GCP, Azure, OpenStack)"],
  ["169.254.170.2", "cloud metadata endpoint (AWS ECS)"],
  ["169.254.169.253", "cloud DNS resolver (AWS)"],
  ["100.100.100.200", "cloud metadata endpoint (Alibaba)"],
  ["168.63.129.16", "cloud platform endpoint (Azure wire server)"],
  ["fd00:ec2::254", "cloud metadata endpoint (AWS, IPv6)"],
]);

// Globally routed IPv6 unicast lives in 2000::/3; ipaddr.js calls anything it has no
// name for "unicast", including IPv4-compatible ::a.b.c.d and unassigned space.
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR("2000::/3");
// RFC 6052's well-known NAT64 prefix: the last 32 bits are the IPv4 address reached.
const NAT64_WELL_KNOWN = ipaddr.parseCIDR("64:ff9b::/96");

/**
 * Whether a resolved address may be connected to on behalf of a URL from outside:
 * only public unicast, IPv4 or IPv6. Everything private, loopback, link-local,
 * carrier-grade NAT, multicast, broadcast, reserved, documentation, or a cloud
 * metadata endpoint is refused, including when wrapped in an IPv4-mapped or NAT64
 * IPv6 address. Only canonical textual addresses are accepted (what DNS returns and
 * what WHATWG URL parsing produces); `0x7f000001`-style spellings are not addresses.
 */
export function checkAddress(address: string): AddressVerdict {
  const bare = address.startsWith("[") && address.endsWith("]") ? address.slice(1, -1) : address;
  if (isIP(bare) === 0) return { allowed: false, reason: "not an IP address" };
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    // process() unwraps ::ffff:a.b.c.d, so mapped addresses are judged as the IPv4 they reach.
    parsed = ipaddr.process(bare);
  } catch {
    return { allowed: false, reason: "not an IP address" };
  }
  // Zone ids (fe80::1%eth0) never name a public address; normalise before the lookup.
  const canonical = parsed.toNormalizedString();
  const metadata = METADATA.get(parsed.kind() === "ipv6" ? parsed.toString() : canonical);
  if (metadata) return { allowed: false, reason: metadata };

  if (parsed.kind() === "ipv4") {
    const range = parsed.range();
    return range === "unicast" ? { allowed: true } : { allowed: false, reason: `${range} IPv4 address` };
  }

  const v6 = parsed as ipaddr.IPv6;
  if (v6.match(NAT64_WELL_KNOWN)) {
    const bytes = v6.toByteArray();
    const embedded = bytes.slice(12).join(".");
    const inner = checkAddress(embedded);
    return inner.allowed ? inner : { allowed: false, reason: `NAT64 of ${inner.reason}` };
  }
  const range = v6.range();
  if (range !== "unicast") return { allowed: false, reason: `${range} IPv6 address` };
  if (!v6.match(GLOBAL_UNICAST_V6)) return { allowed: false, reason: "IPv6 address outside global unicast space" };
  return { allowed: true };
}

export function isPublicAddress(address: string): boolean {
  return checkAddress(address).allowed;
}
