/**
 * Which proxy a request to DingTalk goes through, by the variables corporate networks set
 * (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`; read by lib/startup/settings.ts, never here): `NO_PROXY` is
 * a comma-separated list of host names (a leading `.` or `*.` also matches subdomains; a name matches
 * itself and its subdomains, as curl reads it), optionally with `:port`, or `*` for none at all.
 */
export interface ProxySettings {
  httpProxy?: string;
  httpsProxy?: string;
  noProxy?: string;
}

export function proxyFor(target: string | URL, settings: ProxySettings | undefined): string | undefined {
  if (!settings) return undefined;
  const url = new URL(target);
  const secure = url.protocol === 'https:' || url.protocol === 'wss:';
  const proxy = secure ? settings.httpsProxy : settings.httpProxy;
  if (!proxy) return undefined;
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const port = url.port || (secure ? '443' : '80');
  for (const raw of (settings.noProxy ?? '').split(',')) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return undefined;
    const [name, entryPort] = entry.replace(/^\*?\./, '').split(/:(?=\d+$)/);
    if (entryPort !== undefined && entryPort !== port) continue;
    if (host === name || host.endsWith(`.${name}`)) return undefined;
  }
  return proxy;
}
