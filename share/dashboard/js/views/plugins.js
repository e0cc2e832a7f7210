// Every plugin instance: kind, state (running, failed and why, disabled, quarantined)
// and its counters, from /api/v1/plugins.

import { get } from '../api.js';
import { escapeHTML } from '../format.js';

export async function pluginsView(root) {
  const render = async () => {
    const { instances } = await get('/api/v1/plugins');
    const rows = instances.map((i) => {
      const bad = /^(failed|quarantined)/.test(i.state);
      return `<tr data-instance="${escapeHTML(i.name)}"><td>${escapeHTML(i.name)}</td><td>${escapeHTML(i.plugin)}</td>
        <td>${escapeHTML(i.kind)}</td><td class="${bad ? 'error' : ''}">${escapeHTML(i.state)}</td>
        <td class="num">${i.points_published.toLocaleString()}</td><td class="num">${i.points_delivered.toLocaleString()}</td>
        <td class="num ${i.dropped ? 'error' : ''}">${i.dropped.toLocaleString()}</td></tr>`;
    }).join('');
    root.innerHTML = `<h1>Plugins</h1>
      <table data-testid="plugin-table"><thead><tr><th>Instance</th><th>Plugin</th><th>Kind</th><th>State</th>
      <th class="num">Points published</th><th class="num">Points delivered</th><th class="num">Dropped</th></tr></thead>
      <tbody>${rows}</tbody></table>`;
  };
  await render();
  const timer = setInterval(() => render().catch(() => {}), 5000);
  return () => clearInterval(timer);
}
