// The dashboard's router: #/ hosts, #/host/NAME, #/alerts, #/plugins. Each view renders
// into <main> and returns a cleanup function (timers, streams, charts).

import { get, storeKey } from './api.js';
import { escapeHTML } from './format.js';
import { alertsView } from './views/alerts.js';
import { hostView } from './views/host.js';
import { hostsView } from './views/hosts.js';
import { pluginsView } from './views/plugins.js';

const view = document.getElementById('view');
let cleanup = null;
let generation = 0;

async function route() {
  const mine = ++generation;
  if (cleanup) { cleanup(); cleanup = null; }
  const hash = location.hash.replace(/^#/, '') || '/';
  const parts = hash.split('/').filter(Boolean);
  document.querySelectorAll('[data-nav]').forEach((a) => a.classList.toggle('active',
    a.dataset.nav === (parts[0] === 'host' || !parts[0] ? 'hosts' : parts[0])));
  view.innerHTML = '<p class="muted">Loading…</p>';
  try {
    let done;
    if (parts[0] === 'host' && parts[1]) done = await hostView(view, decodeURIComponent(parts[1]));
    else if (parts[0] === 'alerts') done = await alertsView(view);
    else if (parts[0] === 'plugins') done = await pluginsView(view);
    else done = await hostsView(view);
    if (mine !== generation) { if (done) done(); return; }
    cleanup = done;
  } catch (e) {
    if (mine !== generation) return;
    view.innerHTML = `<p class="error">${escapeHTML(e.message)}</p>`;
    // Away from localhost (or with auth = "required") reads need a key: ask for one.
    if (e.status === 401 || e.status === 403) {
      view.insertAdjacentHTML('beforeend', `<form id="key-form"><label>API key (read scope or more)
        <input name="key" type="password" autocomplete="off"></label> <button class="primary">Use key</button>
        <p class="muted">Kept in this browser's localStorage.</p></form>`);
      view.querySelector('#key-form').addEventListener('submit', (ev) => {
        ev.preventDefault();
        storeKey(ev.target.elements.key.value.trim());
        route();
      });
    }
  }
}

async function updateBadge() {
  try {
    const { alerts } = await get('/api/v1/alerts?state=firing');
    const badge = document.getElementById('firing-badge');
    badge.textContent = alerts.length;
    badge.hidden = alerts.length === 0;
  } catch { /* the view shows errors */ }
}

window.addEventListener('hashchange', route);
route();
updateBadge();
setInterval(updateBadge, 10000);
