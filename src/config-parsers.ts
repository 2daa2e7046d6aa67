/**
 * Value parsers for the settings table (`src/config.ts`): each takes the raw text
 * from a flag or an environment variable and returns the typed value, or throws a
 * `TypeError` whose message says what was expected (the caller names the setting).
 */

/** A whole number in `[min, max]`; only plain decimal digits are accepted. */
export function parseInteger(min: number, max: number): (raw: string) => number {
  return (raw) => {
    const text = raw.trim();
    if (!/^\d+$/.test(text)) throw new TypeError(`expected a whole number, got "${raw}"`);
    const n = Number(text);
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new TypeError(`expected a whole number from ${min} to ${max}, got ${text}`);
    }
    return n;
  };
}

const SIZE_UNITS: Record<string, number> = {
  '': 1, b: 1,
  k: 1024, kb: 1024, kib: 1024,
  m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2,
  g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3,
};

/** A byte count: `1048576`, `512k`, `1mb`, `1MiB` (binary multiples: 1k = 1024 bytes). */
export function parseByteSize(min: number, max: number): (raw: string) => number {
  return (raw) => {
    const m = /^(\d+)\s*([a-z]*)$/i.exec(raw.trim());
    const unit = SIZE_UNITS[(m?.[2] ?? '').toLowerCase()];
    if (!m || unit === undefined) throw new TypeError(`expected a size such as 1048576, 512k or 1MiB, got "${raw}"`);
    const n = Number(m[1]) * unit;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new TypeError(`expected a size from ${formatBytes(min)} to ${formatBytes(max)}, got "${raw}"`);
    }
    return n;
  };
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A duration, returned in milliseconds: `0`, `500ms`, `30s`, `30m`, `1h`, `7d`.
 * A bare number is a number of seconds (so `3600` and `3600s` agree).
 */
export function parseDuration(minMs: number, maxMs: number): (raw: string) => number {
  return (raw) => {
    const m = /^(\d+)(ms|s|m|h|d)?$/.exec(raw.trim().toLowerCase());
    if (!m) throw new TypeError(`expected a duration such as 0, 500ms, 30s, 30m, 1h or 7d, got "${raw}"`);
    const n = Number(m[1]) * (DURATION_UNITS[m[2] ?? 's'] ?? 1000);
    if (!Number.isSafeInteger(n) || n < minMs || n > maxMs) {
      throw new TypeError(`expected a duration from ${formatDuration(minMs)} to ${formatDuration(maxMs)}, got "${raw}"`);
    }
    return n;
  };
}

/** One of a fixed set of words (compared case-insensitively, returned as listed). */
export function parseChoice<T extends string>(choices: readonly T[]): (raw: string) => T {
  return (raw) => {
    const found = choices.find((c) => c.toLowerCase() === raw.trim().toLowerCase());
    if (found === undefined) throw new TypeError(`expected one of ${choices.join(', ')}, got "${raw}"`);
    return found;
  };
}

/** A switch: `on`/`off` (also `true`/`false`, `1`/`0`). */
export function parseSwitch(raw: string): boolean {
  const v = raw.trim().toLowerCase();
  if (v === 'on' || v === 'true' || v === '1') return true;
  if (v === 'off' || v === 'false' || v === '0') return false;
  throw new TypeError(`expected on or off, got "${raw}"`);
}

/** A host name or IP address to listen on (no port, no scheme). */
export function parseHost(raw: string): string {
  const text = raw.trim();
  if (text === '' || !/^[A-Za-z0-9.:[\]%-]+$/.test(text)) throw new TypeError(`expected a host name or IP address, got "${raw}"`);
  return text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
}

/** A non-empty file path. */
export function parsePath(raw: string): string {
  if (raw.trim() === '' || raw.includes('\0')) throw new TypeError('expected a file path');
  return raw;
}

/**
 * The public base URL clients use: absolute http(s), no credentials, query or
 * fragment (RFC 7644 §7.1: no credentials in URIs); a trailing slash is removed.
 */
export function parsePublicUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new TypeError(`expected an absolute http(s) URL such as https://scim.example.com, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`expected an http or https URL, got "${raw}"`);
  if (url.username !== '' || url.password !== '') throw new TypeError('the URL must not contain credentials');
  if (url.search !== '' || url.hash !== '' || raw.includes('?') || raw.includes('#')) {
    throw new TypeError('the URL must not have a query string or fragment');
  }
  return url.href.replace(/\/+$/, '');
}

/** A PostgreSQL connection URL (`postgres://` or `postgresql://`, libpq form); the empty string means none. */
export function parseDatabaseUrl(raw: string): string | null {
  const text = raw.trim();
  if (text === '') return null;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TypeError('expected a URL such as postgres://user:password@host:5432/roster');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') throw new TypeError(`expected a postgres:// or postgresql:// URL, got a ${url.protocol} URL`);
  return text;
}

/** A database URL with its password hidden, for logs and messages. */
export function redactDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://***';
  }
}

/** `1048576` → `1 MiB`. */
export function formatBytes(n: number): string {
  for (const [unit, size] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (n >= size && n % size === 0) return `${n / size} ${unit}`;
  }
  return `${n} bytes`;
}

/** `3600000` → `1h`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0';
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** `true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`), any case. */
export function parseBoolean(raw: string): boolean {
  const v = raw.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  throw new Error(`expected true or false, got ${JSON.stringify(raw.slice(0, 32))}`);
}
