// One time-series chart (Chart.js, linear x axis in ms: Debian's Chart.js has no date
// adapter), with anomaly and alert markers drawn as extra datasets on a hidden 0..1 axis,
// so no annotation plugin is needed.

import { bytes, clock, number, percent } from './format.js';

const PALETTE = ['#2b6cb0', '#dd6b20', '#38a169', '#805ad5', '#d53f8c', '#319795', '#b7791f', '#4a5568',
  '#e53e3e', '#3182ce', '#2f855a', '#6b46c1'];
const ANOMALY = 'anomalies';
const ALERTS = 'alerts';
// Where the markers sit on the hidden 0..1 axis: alert segments along the top, anomaly
// triangles just below.
const ALERT_Y = 0.97;
const ANOMALY_Y = 0.9;

export const seriesKey = (metric, labels) =>
  metric + JSON.stringify(Object.keys(labels || {}).sort().map((k) => [k, labels[k]]));

const FORMATS = { percent, bytes, bytesPerSec: (v) => `${bytes(v)}/s`, number: (v) => number(v) };

export class MetricChart {
  /**
   * @param {HTMLElement} card where the canvas goes
   * @param {{title: string, unit: string, name: (metric: string, labels: object) => string,
   *          accepts: (metric: string, labels: object) => boolean, metrics: string[], max?: number}} spec
   */
  constructor(card, spec) {
    this.spec = spec;
    this.format = FORMATS[spec.unit] || FORMATS.number;
    this.index = new Map(); // series key → dataset
    this.windowMs = 300000;
    const box = document.createElement('div');
    box.className = 'chart-box';
    this.canvas = document.createElement('canvas');
    this.canvas.dataset.chart = spec.id;
    box.appendChild(this.canvas);
    card.appendChild(box);
    const fmt = this.format;
    this.chart = new window.Chart(this.canvas, {
      type: 'line',
      data: { datasets: [this.markerDataset(ALERTS), this.markerDataset(ANOMALY)] },
      options: {
        animation: false,
        parsing: false,
        normalized: true,
        spanGaps: false,
        maintainAspectRatio: false,
        interaction: { mode: 'nearest', axis: 'x', intersect: false },
        elements: { point: { radius: 0, hitRadius: 4 }, line: { borderWidth: 1.5, tension: 0 } },
        scales: {
          x: { type: 'linear', ticks: { maxTicksLimit: 7, callback: (v) => clock(v, this.windowMs > 86400000) } },
          y: { beginAtZero: true, max: spec.max, ticks: { callback: (v) => fmt(v) } },
          marks: { display: false, min: 0, max: 1 },
        },
        plugins: {
          legend: { position: 'bottom', labels: { boxWidth: 10, filter: (item, data) => {
            const ds = data.datasets[item.datasetIndex];
            return !ds.marker || ds.data.length > 0;
          } } },
          tooltip: { callbacks: {
            title: (items) => (items.length ? clock(items[0].parsed.x, true) : ''),
            label: (item) => {
              const ds = item.dataset;
              if (ds.marker) return `${ds.label}: ${item.raw.note || ''}`;
              return `${ds.label}: ${fmt(item.parsed.y)}`;
            },
          } },
        },
      },
    });
  }

  markerDataset(kind) {
    const alert = kind === ALERTS;
    return {
      label: alert ? 'alerts' : 'anomalies', marker: kind, yAxisID: 'marks', data: [],
      borderColor: alert ? '#c53030' : '#d69e2e', backgroundColor: alert ? '#c53030' : '#d69e2e',
      borderWidth: alert ? 6 : 0, showLine: alert, pointStyle: alert ? 'line' : 'triangle',
      pointRadius: alert ? 0 : 6, pointHitRadius: 8, spanGaps: false, order: -1,
    };
  }

  /** Replaces every series with a query answer (`/api/v1/query` `series`). */
  setSeries(series, windowMs) {
    this.windowMs = windowMs;
    this.index.clear();
    const datasets = this.chart.data.datasets.filter((d) => d.marker);
    for (const s of series) {
      if (!this.spec.accepts(s.metric, s.labels)) continue;
      const ds = this.dataset(s.metric, s.labels, datasets.length - 2);
      ds.data = s.points.filter((p) => p[1] !== null).map((p) => ({ x: Math.round(p[0] / 1e6), y: p[1] }));
      ds.tier = s.tier;
      datasets.push(ds);
    }
    datasets.sort((a, b) => (a.marker ? -1 : 0) - (b.marker ? -1 : 0) || a.label.localeCompare(b.label));
    this.chart.data.datasets = datasets;
    this.setWindow(Date.now() - windowMs, Date.now());
  }

  dataset(metric, labels, n) {
    const key = seriesKey(metric, labels);
    const color = PALETTE[n % PALETTE.length];
    const ds = { label: this.spec.name(metric, labels), key, metric, data: [], borderColor: color, backgroundColor: color };
    this.index.set(key, ds);
    return ds;
  }

  /** Appends live points (from the stream) to their series; new series appear. */
  append(points) {
    let changed = false;
    for (const p of points) {
      if (p.value === null || !this.spec.accepts(p.metric, p.labels)) continue;
      let ds = this.index.get(seriesKey(p.metric, p.labels));
      if (!ds) {
        ds = this.dataset(p.metric, p.labels, this.chart.data.datasets.length - 2);
        this.chart.data.datasets.push(ds);
      }
      const x = Math.round(p.timestamp / 1e6);
      const last = ds.data[ds.data.length - 1];
      if (!last || last.x < x) ds.data.push({ x, y: p.value });
      changed = true;
    }
    return changed;
  }

  /** Anomalies: [{x, note}]; alerts: [{from, to, note}] (ms). */
  setMarkers(anomalies, alerts) {
    const [alertSet, anomalySet] = [ALERTS, ANOMALY].map((k) => this.chart.data.datasets.find((d) => d.marker === k));
    anomalySet.data = anomalies.map((a) => ({ x: a.x, y: ANOMALY_Y, note: a.note }));
    alertSet.data = [];
    for (const a of alerts) {
      // A null point between segments keeps them apart (spanGaps: false).
      if (alertSet.data.length) alertSet.data.push({ x: a.from - 1, y: null });
      alertSet.data.push({ x: a.from, y: ALERT_Y, note: a.note }, { x: a.to, y: ALERT_Y, note: a.note });
    }
  }

  /** Shows [fromMs, toMs] and drops points left of it. */
  setWindow(fromMs, toMs) {
    const x = this.chart.options.scales.x;
    x.min = fromMs;
    x.max = toMs;
    for (const ds of this.chart.data.datasets) {
      if (ds.marker) continue;
      let cut = 0;
      while (cut < ds.data.length && ds.data[cut].x < fromMs) cut++;
      if (cut) ds.data.splice(0, cut);
    }
    this.chart.update('none');
  }

  /** Metrics this chart shows (markers are matched on their `metric` label). */
  shows(metric) { return this.spec.metrics.includes(metric); }

  destroy() { this.chart.destroy(); }
}
