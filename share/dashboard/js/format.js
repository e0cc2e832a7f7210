// Number, byte and time formatting for tables and chart axes.

export function bytes(v) {
  if (v == null || !isFinite(v)) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  let x = Math.abs(v);
  while (x >= 1024 && i < units.length - 1) { x /= 1024; i++; }
  return `${v < 0 ? '-' : ''}${x.toFixed(x >= 100 || i === 0 ? 0 : 1)} ${units[i]}`;
}

export function number(v, digits = 1) {
  if (v == null || !isFinite(v)) return '–';
  return Math.abs(v) >= 1000 ? Math.round(v).toLocaleString() : v.toFixed(digits);
}

export const percent = (v) => (v == null || !isFinite(v) ? '–' : `${v.toFixed(1)} %`);

/** ns since the epoch → ms (what the charts use). */
export const ms = (ns) => Math.round(ns / 1e6);

export function clock(msValue, withDate) {
  const d = new Date(msValue);
  const t = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: withDate ? undefined : '2-digit' });
  return withDate ? `${d.toLocaleDateString([], { month: 'short', day: 'numeric' })} ${t}` : t;
}

/** "12 s ago", "3 min ago", "2 h ago" from ns since the epoch. */
export function ago(ns) {
  if (ns == null) return 'never';
  const s = Math.max(0, (Date.now() - ns / 1e6) / 1000);
  if (s < 90) return `${Math.round(s)} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  if (s < 172800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

export function escapeHTML(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

export function labelText(labels, skip = ['host']) {
  return Object.entries(labels || {}).filter(([k]) => !skip.includes(k)).map(([k, v]) => `${k}=${v}`).join(', ');
}
