// Calls nazard's HTTP API. Reads work without a key from localhost (auth = "localhost_open");
// a key stored in localStorage (the silence dialog asks for one) is sent when present.

const KEY_STORAGE = 'nazar.apiKey';

export function storedKey() { return localStorage.getItem(KEY_STORAGE) || ''; }
export function storeKey(key) { if (key) localStorage.setItem(KEY_STORAGE, key); }
export function forgetKey() { localStorage.removeItem(KEY_STORAGE); }

export function authHeaders() {
  const key = storedKey();
  return key ? { Authorization: `Bearer ${key}` } : {};
}

/** An API error with the server's message and status. */
export class APIError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function call(method, path, body) {
  const headers = { Accept: 'application/json', ...authHeaders() };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 204) return null;
  let data = null;
  try { data = await res.json(); } catch { /* not JSON */ }
  if (!res.ok) throw new APIError(res.status, (data && data.error) || `${res.status} ${res.statusText}`);
  return data;
}

export const get = (path) => call('GET', path);
export const post = (path, body) => call('POST', path, body);
export const del = (path) => call('DELETE', path);

/** `{k="v",…}` with values quoted the way LabelMatcher.parseList reads them. */
export function matchers(labels) {
  const esc = (v) => String(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  return '{' + Object.entries(labels).map(([k, v]) => `${k}="${esc(v)}"`).join(',') + '}';
}

/** One range query: `GET /api/v1/query` with the tier chosen by the server (`tier=auto`). */
export function query(match, range) {
  const p = new URLSearchParams({ match, from: `-${range.span}`, to: 'now', step: range.step, agg: 'mean', tier: 'auto' });
  return get(`/api/v1/query?${p}`);
}
