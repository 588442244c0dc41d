import { isIPv4, isIPv6 } from 'node:net';

// IP addresses and networks as numbers, so a rule is one comparison whatever way the address was written
// (`::ffff:169.254.169.254`, `[::ffff:a9fe:a9fe]`, `0:0:0:0:0:ffff:a9fe:a9fe` are all 169.254.169.254).

/** An address; IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) are their IPv4 address, as the kernel connects them. */
export interface Ip {
  version: 4 | 6;
  value: bigint;
}

/** A network: an address and how many leading bits of it count. */
export interface Cidr {
  version: 4 | 6;
  base: bigint;
  bits: number;
}

/** 64:ff9b::/96, where a NAT64 gateway reaches IPv4 address a.b.c.d as 64:ff9b::a.b.c.d. */
const nat64Prefix = 0x0064ff9bn << 96n;
const lowBits = (bits: number) => (1n << BigInt(bits)) - 1n;

function ipv4Value(text: string): bigint {
  return text.split('.').reduce((value, octet) => (value << 8n) | BigInt(Number(octet)), 0n);
}

function ipv6Value(text: string): bigint {
  // A dotted IPv4 address may end an IPv6 address (`::ffff:1.2.3.4`): it is the last two groups.
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  let hex = text;
  if (last.includes('.')) {
    const v4 = ipv4Value(last);
    hex = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const groups = (part: string) => (part === '' ? [] : part.split(':').map((group) => BigInt(`0x${group}`)));
  const [head = '', rest] = hex.split('::');
  const front = groups(head);
  const back = rest === undefined ? [] : groups(rest);
  const all = [...front, ...Array<bigint>(8 - front.length - back.length).fill(0n), ...back];
  return all.reduce((value, group) => (value << 16n) | group, 0n);
}

/** The address written in `text` (brackets and an IPv6 zone allowed), or undefined when it is not one. */
export function parseIp(text: string): Ip | undefined {
  const bare = text.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  if (isIPv4(bare)) return { version: 4, value: ipv4Value(bare) };
  if (!isIPv6(bare)) return undefined;
  const value = ipv6Value(bare.toLowerCase());
  if (value >> 32n === 0xffffn) return { version: 4, value: value & lowBits(32) };
  return { version: 6, value };
}

/** The IPv4 address a NAT64 address (64:ff9b::/96) stands for, if it is one. */
export function nat64Embedded(ip: Ip): Ip | undefined {
  return ip.version === 6 && ip.value >> 32n === nat64Prefix >> 32n ? { version: 4, value: ip.value & lowBits(32) } : undefined;
}

/** `10.0.0.0/8`, `fd00::/8`, or a single address (a /32 or /128); undefined when it is none of these. */
export function parseCidr(text: string): Cidr | undefined {
  const match = /^\[?([0-9a-fA-F:.]+)\]?(?:\/(\d{1,3}))?$/.exec(text.trim());
  const written = match?.[1] ?? '';
  const ip = parseIp(written);
  if (!ip) return undefined;
  const writtenMax = isIPv6(written) ? 128 : 32;
  let bits = match?.[2] === undefined ? writtenMax : Number(match[2]);
  if (bits > writtenMax) return undefined;
  // A mapped network (`::ffff:10.0.0.0/104`) is the IPv4 network it maps, as mapped addresses are IPv4 here.
  if (ip.version === 4 && writtenMax === 128) {
    if (bits < 96) return undefined;
    bits -= 96;
  }
  const max = ip.version === 4 ? 32 : 128;
  return { version: ip.version, base: ip.value & lowBits(max) & ~lowBits(max - bits), bits };
}

export function inCidr(ip: Ip, cidr: Cidr): boolean {
  if (ip.version !== cidr.version) return false;
  const max = ip.version === 4 ? 32 : 128;
  const mask = lowBits(max) & ~lowBits(max - cidr.bits);
  return (ip.value & mask) === cidr.base;
}

/** The address in its usual short form (`127.0.0.1`, `fe80::1`). */
export function formatIp(ip: Ip): string {
  if (ip.version === 4) return [24n, 16n, 8n, 0n].map((shift) => String((ip.value >> shift) & 0xffn)).join('.');
  const groups = [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((shift) => ((ip.value >> shift) & 0xffffn).toString(16));
  // Collapse the longest run of zero groups (at least two) into `::`.
  let best = { at: -1, length: 0 };
  for (let at = 0; at < 8; ) {
    if (groups[at] !== '0') {
      at += 1;
      continue;
    }
    let end = at;
    while (end < 8 && groups[end] === '0') end += 1;
    if (end - at > best.length && end - at >= 2) best = { at, length: end - at };
    at = end;
  }
  if (best.at < 0) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.length).join(':')}`;
}
