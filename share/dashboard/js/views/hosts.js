// Hosts overview: every host that has data, up / stale / down from when it was last seen,
// and how many alerts fire for it.

import { get } from '../api.js';
import { ago, escapeHTML } from '../format.js';

// Collectors run every 10 s by default: three missed rounds is stale, five minutes down.
const STALE_AFTER_S = 30;
const DOWN_AFTER_S = 300;

export function hostStatus(lastSeenNs) {
  if (lastSeenNs == null) return 'down';
  const age = (Date.now() - lastSeenNs / 1e6) / 1000;
  return age <= STALE_AFTER_S ? 'up' : age <= DOWN_AFTER_S ? 'stale' : 'down';
}

export async function hostsView(root) {
  const render = async () => {
    const { hosts } = await get('/api/v1/hosts');
    const rows = hosts.map((h) => {
      const status = hostStatus(h.last_seen);
      return `<tr data-host="${escapeHTML(h.host)}">
        <td><a href="#/host/${encodeURIComponent(h.host)}">${escapeHTML(h.host)}</a></td>
        <td><span class="status ${status}">${status}</span></td>
        <td>${ago(h.last_seen)}</td><td class="num">${h.series}</td>
        <td class="num">${h.firing_alerts ? `<span class="badge">${h.firing_alerts}</span>` : '0'}</td></tr>`;
    }).join('');
    root.innerHTML = `<h1>Hosts</h1>${hosts.length ? `<table data-testid="host-table"><thead><tr><th>Host</th><th>Status</th>
      <th>Last seen</th><th class="num">Series</th><th class="num">Firing alerts</th></tr></thead><tbody>${rows}</tbody></table>`
      : '<p class="muted">No host has sent data yet.</p>'}`;
  };
  await render();
  const timer = setInterval(() => render().catch(() => {}), 5000);
  return () => clearInterval(timer);
}
