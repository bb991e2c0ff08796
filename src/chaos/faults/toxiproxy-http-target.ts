import { fetch } from 'undici';
import { ToxiproxyApiError } from './errors.js';
import type { ToxicDefinition, ToxicPatch, ToxicTarget } from './toxic-target.js';

/**
 * Toxics through any Toxiproxy-compatible HTTP API: our proxy's or a real Toxiproxy's. With a
 * token (the argument, else FAULTLINE_TOKEN), every call carries `Authorization: Bearer <token>`,
 * as a fault proxy API off loopback requires (docs/proxy.md "Access").
 * @example new ToxiproxyHttpTarget('http://127.0.0.1:8474')
 */
export class ToxiproxyHttpTarget implements ToxicTarget {
  private readonly base: string;
  private readonly headers: Record<string, string>;

  constructor(
    apiUrl: string,
    private readonly timeoutMs = 5000,
    token: string | undefined = process.env.FAULTLINE_TOKEN || undefined,
  ) {
    this.base = apiUrl.replace(/\/+$/, '');
    // Toxiproxy answers 403 to browser user agents; say who we are.
    this.headers = { 'content-type': 'application/json', 'user-agent': 'faultline' };
    if (token !== undefined) this.headers.authorization = `Bearer ${token}`;
  }

  async addToxic(proxy: string, toxic: ToxicDefinition): Promise<unknown> {
    return this.call('POST', `/proxies/${encodeURIComponent(proxy)}/toxics`, toxic);
  }

  async removeToxic(proxy: string, toxicName: string): Promise<void> {
    await this.call('DELETE', this.toxicPath(proxy, toxicName));
  }

  async updateToxic(proxy: string, toxicName: string, patch: ToxicPatch): Promise<unknown> {
    return this.call('PATCH', this.toxicPath(proxy, toxicName), patch);
  }

  /** The toxics currently on a proxy. */
  async listToxics(proxy: string): Promise<ToxicDefinition[]> {
    return (await this.call('GET', `/proxies/${encodeURIComponent(proxy)}/toxics`)) as ToxicDefinition[];
  }

  private toxicPath(proxy: string, toxic: string): string {
    return `/proxies/${encodeURIComponent(proxy)}/toxics/${encodeURIComponent(toxic)}`;
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(this.base + path, {
      method,
      headers: this.headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await res.text();
    if (!res.ok) {
      let message = text;
      try {
        message = (JSON.parse(text) as { error?: string }).error ?? text;
      } catch {
        // not JSON: keep the text
      }
      throw new ToxiproxyApiError(res.status, `${method} ${path}: ${res.status} ${message}`);
    }
    return text === '' ? undefined : JSON.parse(text);
  }
}
