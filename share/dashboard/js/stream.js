// A Server-Sent Events client over fetch (EventSource cannot send an Authorization
// header): reconnects with backoff and resumes with Last-Event-ID; `reset` tells the
// caller to re-query because the server no longer holds what was missed.

import { authHeaders } from './api.js';

export class LiveStream {
  /**
   * @param {string} match label matchers, e.g. {host="web1"}
   * @param {{onPoints?: Function, onAlert?: Function, onReset?: Function, onState?: Function}} handlers
   */
  constructor(match, handlers) {
    this.match = match;
    this.handlers = handlers;
    this.lastEventId = null;
    this.abort = null;
    this.closed = false;
    this.retryMs = 2000;
    this.events = 0;
    this.run();
  }

  close() {
    this.closed = true;
    if (this.abort) this.abort.abort();
  }

  async run() {
    let backoff = 500;
    while (!this.closed) {
      this.abort = new AbortController();
      try {
        const headers = { Accept: 'text/event-stream', ...authHeaders() };
        if (this.lastEventId) headers['Last-Event-ID'] = this.lastEventId;
        const url = `/api/v1/stream?${new URLSearchParams({ match: this.match, alerts: '1' })}`;
        const res = await fetch(url, { headers, signal: this.abort.signal, cache: 'no-store' });
        if (!res.ok || !res.body) throw new Error(`stream: ${res.status}`);
        this.state('live');
        backoff = 500;
        await this.read(res.body.getReader());
      } catch (e) {
        if (this.closed) return;
      }
      if (this.closed) return;
      this.state('retrying');
      await new Promise((r) => setTimeout(r, Math.max(backoff, this.retryMs / 4)));
      backoff = Math.min(backoff * 2, 15000);
    }
  }

  async read(reader) {
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        this.dispatch(block);
      }
    }
  }

  dispatch(block) {
    let event = 'message';
    let data = '';
    let id = null;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') event = value;
      else if (field === 'data') data += (data ? '\n' : '') + value;
      else if (field === 'id') id = value;
      else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
    }
    if (id !== null) this.lastEventId = id;
    if (!data) return;
    this.events++;
    const payload = JSON.parse(data);
    const h = this.handlers;
    if (event === 'points' && h.onPoints) h.onPoints(payload);
    else if (event === 'alert' && h.onAlert) h.onAlert(payload);
    else if (event === 'reset' && h.onReset) h.onReset(payload);
  }

  state(s) {
    const dot = document.getElementById('conn');
    if (dot) { dot.className = `conn ${s}`; dot.title = `live stream: ${s}`; }
    if (this.handlers.onState) this.handlers.onState(s);
  }
}
