// One host: CPU (total and per core), memory, disk per mount, network per interface and
// load charts over 5m / 1h / 24h / 7d (the read API picks the roll-up tier), live over
// the stream for the short ranges; anomalies (anomaly.score at or above a threshold) and
// alerts marked on the charts; the top processes; the host's firing alerts.
// Metric names are those Plugins/collector-system publishes (see its README).

import { get, query } from '../api.js';
import { MetricChart } from '../charts.js';
import { bytes, escapeHTML, ms, percent } from '../format.js';
import { LiveStream } from '../stream.js';
import { alertTable, wireSilenceButtons } from './alerts.js';

export const RANGES = {
  '5m': { span: '5m', step: '10s', ms: 5 * 60e3, live: true },
  '1h': { span: '1h', step: '30s', ms: 3600e3, live: true },
  '24h': { span: '24h', step: '5m', ms: 86400e3, live: false },
  '7d': { span: '7d', step: '1h', ms: 7 * 86400e3, live: false },
};

const q = (v) => `"${String(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
const CPU = ['cpu.total', 'cpu.user', 'cpu.system', 'cpu.iowait', 'cpu.steal'];
const MEM = ['mem.used', 'mem.cached', 'mem.buffers', 'mem.available', 'swap.used'];
const NET = ['net.rx_bytes', 'net.tx_bytes'];
const LOAD = ['load.1', 'load.5', 'load.15'];
// A regex matcher over exact names (dots escaped for the anchored POSIX regex).
const names = (list) => `__name__=~${q(list.map((n) => n.replace(/\./g, '\\.')).join('|'))}`;

/** The charts of a host page. `match` selects the series for the range query. */
export function chartSpecs(host) {
  const h = `host=${q(host)}`;
  return [
    { id: 'cpu-total', title: 'CPU', unit: 'percent', max: 100, metrics: CPU,
      match: `{${h},${names(CPU)},core=""}`, accepts: (m, l) => CPU.includes(m) && !l.core, name: (m) => m.slice(4) },
    { id: 'cpu-cores', title: 'CPU per core (busy)', unit: 'percent', max: 100, metrics: ['cpu.total'],
      match: `{${h},__name__="cpu.total",core!=""}`, accepts: (m, l) => m === 'cpu.total' && Boolean(l.core),
      name: (m, l) => `core ${l.core}` },
    { id: 'memory', title: 'Memory', unit: 'bytes', metrics: MEM, match: `{${h},${names(MEM)}}`,
      accepts: (m) => MEM.includes(m), name: (m) => m },
    { id: 'disk', title: 'Disk used per mount', unit: 'percent', max: 100, metrics: ['disk.used_percent'],
      match: `{${h},__name__="disk.used_percent"}`, accepts: (m) => m === 'disk.used_percent', name: (m, l) => l.mount },
    { id: 'network', title: 'Network per interface', unit: 'bytesPerSec', metrics: NET, match: `{${h},${names(NET)}}`,
      accepts: (m) => NET.includes(m), name: (m, l) => `${l.interface} ${m === 'net.rx_bytes' ? 'rx' : 'tx'}` },
    { id: 'load', title: 'Load average', unit: 'number', metrics: LOAD, match: `{${h},${names(LOAD)}}`,
      accepts: (m) => LOAD.includes(m), name: (m) => m },
  ];
}

export async function hostView(root, host) {
  let range = localStorage.getItem('nazar.range') || '5m';
  if (!RANGES[range]) range = '5m';
  let threshold = Number(localStorage.getItem('nazar.anomalyThreshold') || '0.5');
  root.innerHTML = `
    <h1><span>${escapeHTML(host)}</span>
      <span class="ranges" data-testid="ranges">${Object.keys(RANGES).map((r) =>
        `<button data-range="${r}">${r}</button>`).join('')}</span>
      <label class="muted">anomaly ≥ <input id="threshold" type="number" min="0" max="1" step="0.05"
        value="${threshold}" style="width:4.5rem"></label>
      <span class="muted" id="tier"></span></h1>
    <div id="host-alerts"></div>
    <div class="grid" id="charts"></div>
    <h2>Top processes</h2><div id="procs"><p class="muted">Waiting for the collector…</p></div>`;
  const grid = root.querySelector('#charts');
  const charts = chartSpecs(host).map((spec) => {
    const card = document.createElement('div');
    card.className = 'card';
    card.innerHTML = `<h3>${escapeHTML(spec.title)}</h3>`;
    grid.appendChild(card);
    return new MetricChart(card, spec);
  });
  const state = { anomalies: [], alerts: [], firing: [], processes: new Map(), procTime: 0 };

  const drawMarkers = () => {
    const since = Date.now() - RANGES[range].ms;
    for (const c of charts) {
      // Markers go on the charts of their `metric` label; without one (e.g. a multi-metric
      // Isolation Forest score) on every chart.
      const mine = (labels) => !labels.metric || c.shows(labels.metric);
      c.setMarkers(
        state.anomalies.filter((a) => a.x >= since && mine(a.labels)),
        state.alerts.filter((a) => a.to >= since && mine(a.labels)));
    }
  };

  const loadAlerts = async () => {
    const match = `{host=${q(host)}}`;
    const [firing, history] = await Promise.all([
      get('/api/v1/alerts?state=firing'),
      get(`/api/v1/alerts?${new URLSearchParams({ state: 'resolved', match, from: `-${RANGES[range].span}`, limit: '1000' })}`)
        .catch(() => ({ alerts: [] })),
    ]);
    state.firing = firing.alerts.filter((a) => (a.labels || {}).host === host);
    const now = Date.now();
    state.alerts = [
      ...history.alerts.map((r) => ({ from: ms(r.starts_at), to: ms(r.timestamp), labels: r.labels, note: `${r.rule} (resolved)` })),
      ...state.firing.map((a) => ({ from: ms(a.starts_at), to: now, labels: a.labels, note: `${a.rule}: ${a.summary}` })),
    ].sort((a, b) => a.from - b.from);
    const box = root.querySelector('#host-alerts');
    box.innerHTML = state.firing.length ? `<h2>Firing alerts</h2>${alertTable(state.firing, { showHost: false })}` : '';
    wireSilenceButtons(box, state.firing, () => loadAlerts());
    drawMarkers();
  };

  const loadAnomalies = async () => {
    const answer = await query(`{host=${q(host)},__name__="anomaly.score"}`, RANGES[range]);
    state.anomalies = [];
    for (const s of answer.series) {
      for (const [t, v] of s.points) {
        if (v !== null && v >= threshold) state.anomalies.push({ x: ms(t), labels: s.labels, note: `score ${v.toFixed(2)} ${s.labels.metric || ''}` });
      }
    }
  };

  const loadCharts = async () => {
    const r = RANGES[range];
    const answers = await Promise.all(charts.map((c) => query(c.spec.match, r).catch(() => ({ series: [] }))));
    const tiers = new Set();
    answers.forEach((a, i) => {
      charts[i].setSeries(a.series, r.ms);
      a.series.forEach((s) => tiers.add(s.tier));
    });
    root.querySelector('#tier').textContent = tiers.size ? `tier: ${[...tiers].join(', ')}` : '';
    await Promise.all([loadAnomalies().catch(() => {}), loadAlerts().catch(() => {})]);
  };

  const renderProcesses = () => {
    const rows = [...state.processes.values()].sort((a, b) => (b.cpu ?? -1) - (a.cpu ?? -1) || (b.rss ?? 0) - (a.rss ?? 0));
    root.querySelector('#procs').innerHTML = rows.length ? `<table data-testid="process-table"><thead><tr><th>Process</th>
      <th class="num">PID</th><th class="num">CPU</th><th class="num">RSS</th></tr></thead><tbody>${rows.map((p) =>
      `<tr><td>${escapeHTML(p.name)}</td><td class="num">${escapeHTML(p.pid)}</td><td class="num">${percent(p.cpu)}</td>
       <td class="num">${bytes(p.rss)}</td></tr>`).join('')}</tbody></table>` : '<p class="muted">No process data.</p>';
  };

  /** Takes process points of the newest collector round (older rounds are replaced). */
  const takeProcesses = (points) => {
    for (const p of points) {
      if (p.metric !== 'process.cpu_percent' && p.metric !== 'process.rss_bytes') continue;
      if (p.timestamp > state.procTime) { state.procTime = p.timestamp; state.processes.clear(); }
      if (p.timestamp < state.procTime) continue;
      const key = p.labels.pid;
      const row = state.processes.get(key) || { name: p.labels.process, pid: p.labels.pid };
      if (p.metric === 'process.cpu_percent') row.cpu = p.value; else row.rss = p.value;
      state.processes.set(key, row);
    }
  };

  const loadProcesses = async () => {
    const latest = await get(`/api/v1/latest?host=${encodeURIComponent(host)}`);
    takeProcesses(latest.values.map((v) => ({ ...v })));
    renderProcesses();
  };

  const selectRange = async (r) => {
    range = r;
    localStorage.setItem('nazar.range', r);
    root.querySelectorAll('[data-range]').forEach((b) => b.classList.toggle('active', b.dataset.range === r));
    await loadCharts();
  };
  root.querySelectorAll('[data-range]').forEach((b) => b.addEventListener('click', () => selectRange(b.dataset.range)));
  root.querySelector('#threshold').addEventListener('change', async (ev) => {
    threshold = Number(ev.target.value);
    localStorage.setItem('nazar.anomalyThreshold', String(threshold));
    await loadAnomalies().catch(() => {});
    drawMarkers();
  });

  await selectRange(range);
  await loadProcesses().catch(() => {});

  let alertReload = null;
  const stream = new LiveStream(`{host=${q(host)}}`, {
    onPoints: (points) => {
      takeProcesses(points);
      if (points.some((p) => p.metric.startsWith('process.'))) renderProcesses();
      let newAnomaly = false;
      for (const p of points) {
        if (p.metric === 'anomaly.score' && p.value !== null && p.value >= threshold) {
          state.anomalies.push({ x: ms(p.timestamp), labels: p.labels, note: `score ${p.value.toFixed(2)} ${p.labels.metric || ''}` });
          newAnomaly = true;
        }
      }
      if (!RANGES[range].live) return;
      const changed = charts.map((c) => c.append(points));
      if (newAnomaly) drawMarkers();
      charts.forEach((c, i) => { if (changed[i] || newAnomaly) c.setWindow(Date.now() - RANGES[range].ms, Date.now()); });
    },
    onAlert: () => {
      // Several changes often come together: reload once.
      clearTimeout(alertReload);
      alertReload = setTimeout(() => loadAlerts().catch(() => {}), 300);
    },
    onReset: () => { loadCharts().catch(() => {}); },
  });
  window.nazarStream = stream;  // for the browser test: how many events arrived

  // Slide the window; the long ranges are re-queried instead of fed live.
  let ticks = 0;
  const timer = setInterval(() => {
    ticks++;
    if (RANGES[range].live) {
      for (const c of charts) c.setWindow(Date.now() - RANGES[range].ms, Date.now());
    } else if (ticks % 12 === 0) {
      loadCharts().catch(() => {});
    }
  }, 5000);

  return () => {
    clearInterval(timer);
    stream.close();
    charts.forEach((c) => c.destroy());
  };
}

