import { isIP } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';

/**
 * The host names the deck answers to as itself: its listening address (every local address
 * when it listens on all of them), loopback forms, the machine's name, and `--allowed-hosts`.
 * A page on any other name that reaches the deck (a DNS-rebound name) is refused, because the
 * browser treats that page as the deck's own origin.
 */
export class AllowedHosts {
  private readonly names = new Set<string>();
  private readonly anyHost: boolean;

  constructor(listenHost: string, extra: string[] = []) {
    this.anyHost = extra.includes('*');
    for (const name of ['localhost', '::1', listenHost, ...extra]) this.names.add(normalise(name));
    if (listenHost === '0.0.0.0' || listenHost === '::') {
      this.names.add(normalise(hostname()));
      for (const addrs of Object.values(networkInterfaces())) for (const a of addrs ?? []) this.names.add(normalise(a.address));
    }
  }

  /** True for a Host header value or URL host (`name`, `name:port`, `[v6]:port`) the deck serves. */
  allows(host: string | undefined): boolean {
    if (host === undefined) return false;
    const name = hostOnly(host);
    if (name === undefined) return false;
    if (this.anyHost) return true;
    if (isIP(name) === 4 && name.startsWith('127.')) return true;
    return this.names.has(name);
  }

  /** True when the request names one of these hosts, and its Origin (if a browser sent one) too. */
  allowsRequest(headers: { host?: string; origin?: string }): boolean {
    if (!this.allows(headers.host)) return false;
    if (headers.origin === undefined) return true;
    try {
      return this.allows(new URL(headers.origin).host);
    } catch {
      return false;
    }
  }
}

function normalise(name: string): string {
  return name.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
}

/** The host name of a Host header value, without port or IPv6 brackets; undefined if it is not one. */
function hostOnly(host: string): string | undefined {
  try {
    const url = new URL(`http://${host}`);
    if (url.username || url.password || url.pathname !== '/' || url.search || url.hash) return undefined;
    return normalise(url.hostname);
  } catch {
    return undefined;
  }
}
