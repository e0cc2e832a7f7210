// The alert list (firing now, with silence buttons), active silences (expire) and the
// recent history.

import { del, get } from '../api.js';
import { ago, escapeHTML, labelText } from '../format.js';
import { silence } from '../silence.js';

/** Table rows of firing alerts; each row's button silences exactly that alert's labels. */
export function alertTable(alerts, { showHost = true } = {}) {
  if (!alerts.length) return '<p class="muted" data-testid="no-alerts">No alert is firing.</p>';
  const rows = alerts.map((a, i) => `
    <tr data-fingerprint="${escapeHTML(a.fingerprint)}">
      <td class="sev-${escapeHTML(a.severity)}">${escapeHTML(a.severity)}</td>
      <td>${escapeHTML(a.rule)}</td>
      ${showHost ? `<td>${escapeHTML((a.labels || {}).host || '')}</td>` : ''}
      <td>${escapeHTML(a.summary)}<div class="muted mono">${escapeHTML(labelText(a.labels, ['host', 'rule']))}</div></td>
      <td title="${new Date(a.starts_at / 1e6).toISOString()}">${ago(a.starts_at)}</td>
      <td><button class="small" data-silence="${i}" data-testid="silence-button">Silence…</button></td>
    </tr>`).join('');
  return `<table data-testid="alert-table"><thead><tr><th>Severity</th><th>Rule</th>${showHost ? '<th>Host</th>' : ''}
    <th>Summary</th><th>Since</th><th></th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** Wires the silence buttons of a table made by `alertTable`. */
export function wireSilenceButtons(root, alerts, after) {
  root.querySelectorAll('[data-silence]').forEach((button) => {
    button.addEventListener('click', async () => {
      const a = alerts[Number(button.dataset.silence)];
      const created = await silence(a.labels);
      if (created && after) after(created);
    });
  });
}

export async function alertsView(root) {
  let timer = null;
  const render = async () => {
    const [firing, silences, history] = await Promise.all([
      get('/api/v1/alerts?state=firing'), get('/api/v1/silences'),
      get('/api/v1/alerts?state=all&from=-7d&limit=100').catch(() => ({ alerts: [] })),
    ]);
    const silenceRows = silences.silences.map((s) => `
      <tr data-silence-id="${s.id}"><td class="mono">${escapeHTML(s.matchers)}</td>
      <td>${new Date(s.ends_at / 1e6).toLocaleString()}</td><td>${escapeHTML(s.created_by)}</td>
      <td>${escapeHTML(s.comment)}</td><td><button class="small" data-expire="${s.id}">Expire</button></td></tr>`).join('');
    const historyRows = history.alerts.map((r) => `
      <tr><td>${new Date(r.timestamp / 1e6).toLocaleString()}</td><td>${escapeHTML(r.state)}</td>
      <td class="sev-${escapeHTML(r.severity)}">${escapeHTML(r.severity)}</td><td>${escapeHTML(r.rule)}</td>
      <td>${escapeHTML((r.labels || {}).host || '')}</td><td>${escapeHTML(r.summary)}</td></tr>`).join('');
    root.innerHTML = `
      <h1>Alerts</h1>
      <h2>Firing</h2>${alertTable(firing.alerts)}
      <h2>Silences</h2>
      ${silenceRows ? `<table data-testid="silence-table"><thead><tr><th>Matchers</th><th>Ends</th><th>By</th>
        <th>Comment</th><th></th></tr></thead><tbody>${silenceRows}</tbody></table>` : '<p class="muted">No active silence.</p>'}
      <h2>History (7 days)</h2>
      ${historyRows ? `<table><thead><tr><th>When</th><th>State</th><th>Severity</th><th>Rule</th><th>Host</th>
        <th>Summary</th></tr></thead><tbody>${historyRows}</tbody></table>` : '<p class="muted">Nothing recorded.</p>'}`;
    wireSilenceButtons(root, firing.alerts, render);
    root.querySelectorAll('[data-expire]').forEach((b) => b.addEventListener('click', async () => {
      try { await del(`/api/v1/silences/${b.dataset.expire}`); } catch (e) { alert(e.message); }
      render();
    }));
  };
  await render();
  timer = setInterval(() => { if (!document.querySelector('dialog[open]')) render().catch(() => {}); }, 10000);
  return () => clearInterval(timer);
}
