/**
 * The request to simulate, from what a user types: `--from NAMESPACE[/key=value,...]` and a URL.
 * Bad input is a RequestError with a message that says what to type instead.
 */
import { ipLiteral } from '../model/istio.js';
import type { AppRequest, AppScheme, SourceWorkload } from './types.js';

export class RequestError extends Error {
  override name = 'RequestError';
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// Kubernetes label keys: optional DNS prefix and '/', then a name of [A-Za-z0-9._-]; values likewise.
const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

export const DEFAULT_PORTS: Record<AppScheme, number | undefined> = {
  http: 80,
  https: 443,
  tcp: undefined,
};

/** `mytest/app=sleep-a,version=v1` -> namespace and pod labels (a bare namespace means any workload). */
export function parseSource(text: string, serviceAccount?: string): SourceWorkload {
  const slash = text.indexOf('/');
  const namespace = slash === -1 ? text : text.slice(0, slash);
  if (!DNS_LABEL.test(namespace) || namespace.length > 63) {
    throw new RequestError(
      `--from: "${namespace}" is not a namespace name (lower-case letters, digits and "-"); use --from NAMESPACE[/key=value,...]`,
    );
  }
  const labels: Record<string, string> = {};
  const rest = slash === -1 ? '' : text.slice(slash + 1);
  for (const pair of rest ? rest.split(',') : []) {
    const eq = pair.indexOf('=');
    const key = eq === -1 ? pair : pair.slice(0, eq);
    const value = eq === -1 ? undefined : pair.slice(eq + 1);
    if (value === undefined || !LABEL_KEY.test(key) || !LABEL_VALUE.test(value)) {
      throw new RequestError(
        `--from: "${pair}" is not a label (key=value); use --from NAMESPACE[/key=value,...]`,
      );
    }
    if (key in labels) throw new RequestError(`--from: label "${key}" is given twice`);
    labels[key] = value;
  }
  if (
    serviceAccount !== undefined &&
    (!DNS_LABEL.test(serviceAccount) || serviceAccount.length > 253)
  ) {
    throw new RequestError(`--service-account: "${serviceAccount}" is not a service account name`);
  }
  return { namespace, labels, ...(serviceAccount !== undefined ? { serviceAccount } : {}) };
}

/**
 * `http://host[:port]/path` (plaintext HTTP from the app), `https://host[:port]` (the app originates
 * TLS) or `tcp://host:port` (opaque TCP). Default ports 80 and 443.
 */
export function parseRequestUrl(text: string, method?: string): AppRequest {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RequestError(
      `--url: "${text}" is not a URL; use e.g. http://httpbin.org/get or https://httpbin.org`,
    );
  }
  const scheme = url.protocol.slice(0, -1);
  if (scheme !== 'http' && scheme !== 'https' && scheme !== 'tcp') {
    throw new RequestError(
      `--url: scheme "${scheme}" is not supported; use http://, https:// or tcp://`,
    );
  }
  const name = url.hostname.toLowerCase().replace(/\.$/, '');
  const ip = ipLiteral(name);
  if (!name || (!ip && (name.startsWith('[') || /^[\d.]+$/.test(name)))) {
    throw new RequestError(
      `--url: "${text}" needs a host name or an IP address, e.g. http://httpbin.org or tcp://10.0.0.5:3128`,
    );
  }
  const host = ip ?? name;
  if (url.username || url.password)
    throw new RequestError('--url: credentials in the URL are not supported');
  const port = url.port ? Number(url.port) : DEFAULT_PORTS[scheme];
  if (port === undefined)
    throw new RequestError(`--url: tcp:// needs a port, e.g. tcp://${host}:5432`);
  const m = (method ?? 'GET').toUpperCase();
  if (!/^[A-Z]+$/.test(m)) throw new RequestError(`--method: "${method}" is not an HTTP method`);
  const path = scheme === 'http' ? url.pathname || '/' : '/';
  const defaultPort = port === DEFAULT_PORTS[scheme];
  return {
    scheme,
    host,
    ...(ip ? { ip } : {}),
    port,
    path,
    method: m,
    url: `${scheme}://${ip?.includes(':') ? `[${ip}]` : host}${defaultPort ? '' : `:${port}`}${scheme === 'http' ? path : ''}`,
  };
}
