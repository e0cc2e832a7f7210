#!/usr/bin/python3
"""Drives nazard's dashboard in headless Chromium over the DevTools protocol.

Usage: dashboard_driver.py BASE_URL HOST ADMIN_KEY SCREENSHOT_DIR

Loads the overview, waits for HOST, opens its page, reads the CPU chart's datasets
through Chart.getChart(canvas), waits for a live update over the stream, silences the
firing alert from its button (typing ADMIN_KEY into the dialog), checks the plugins and
alerts pages, and fails on any uncaught page exception. Prints one JSON object with what
it saw; exits non-zero with the reason on stderr when a step fails.
Needs chromium and python3-websocket (Debian).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket


class Failure(Exception):
    pass


class Browser:
    """One headless Chromium with one page, spoken to over its DevTools WebSocket."""

    def __init__(self, chromium):
        self.profile = tempfile.mkdtemp(prefix="nazar-chromium-")
        self.proc = subprocess.Popen(
            [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-dev-shm-usage", "--remote-debugging-port=0", f"--user-data-dir={self.profile}",
             "--window-size=1400,1800", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        deadline = time.time() + 30
        while not os.path.exists(port_file) or os.path.getsize(port_file) == 0:
            if time.time() > deadline or self.proc.poll() is not None:
                raise Failure("chromium did not open its DevTools port")
            time.sleep(0.1)
        port = open(port_file).read().split()[0]
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list"))
        page = next(t for t in targets if t["type"] == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30, suppress_origin=True)
        self.next_id = 0
        self.exceptions = []
        self.call("Page.enable")
        self.call("Runtime.enable")

    def call(self, method, **params):
        self.next_id += 1
        my_id = self.next_id
        self.ws.send(json.dumps({"id": my_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("method") == "Runtime.exceptionThrown":
                details = msg["params"]["exceptionDetails"]
                self.exceptions.append(details.get("exception", {}).get("description") or details.get("text"))
            if msg.get("id") == my_id:
                if "error" in msg:
                    raise Failure(f"{method}: {msg['error']}")
                return msg.get("result", {})

    def eval(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise Failure(f"evaluating {expression[:80]!r}: {result['exceptionDetails'].get('exception', {}).get('description')}")
        return result["result"].get("value")

    def wait(self, expression, what, timeout=30):
        deadline = time.time() + timeout
        # A DOM node comes back by value as {} (falsy here): report it as true.
        probe = f"(() => {{ const v = ({expression}); return v instanceof Node ? true : v; }})()"
        while time.time() < deadline:
            value = self.eval(probe)
            if value:
                return value
            time.sleep(0.25)
        raise Failure(f"timed out after {timeout}s waiting for {what}")

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", format="png")["data"]
        import base64
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def close(self):
        try:
            self.ws.close()
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            shutil.rmtree(self.profile, ignore_errors=True)


CPU_POINTS = """(() => {
  const canvas = document.querySelector('canvas[data-chart="cpu-total"]');
  const chart = canvas && Chart.getChart(canvas);
  if (!chart) return null;
  const series = chart.data.datasets.filter(d => !d.marker);
  return { labels: series.map(d => d.label), points: series.reduce((n, d) => n + d.data.length, 0),
           last: Math.max(0, ...series.flatMap(d => d.data.map(p => p.x))),
           values: series.flatMap(d => d.data.map(p => p.y)),
           alerts: chart.data.datasets.filter(d => d.marker === 'alerts').reduce((n, d) => n + d.data.length, 0) };
})()"""


def run(base, host, key, shots):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        raise Failure("chromium is not installed (apt-get install chromium)")
    b = Browser(chromium)
    seen = {}
    try:
        b.call("Page.navigate", url=base + "/")
        b.wait(f"document.querySelector('[data-host=\"{host}\"]')", f"host {host} on the overview")
        seen["overview_status"] = b.eval(f"document.querySelector('[data-host=\"{host}\"] .status').textContent")
        b.screenshot(os.path.join(shots, "overview.png"))

        b.eval(f"document.querySelector('[data-host=\"{host}\"] a').click()")
        first = b.wait(f"(() => {{ const c = {CPU_POINTS}; return c && c.points > 0 ? c : null; }})()",
                       "CPU chart points from the query API")
        seen["cpu_initial"] = {k: first[k] for k in ("labels", "points", "last")}
        if "total" not in first["labels"]:
            raise Failure(f"CPU chart has no 'total' dataset: {first['labels']}")
        if not all(0 <= v <= 100 for v in first["values"]):
            raise Failure(f"CPU percentages outside 0..100: {first['values'][:10]}")
        per_core = b.eval("Chart.getChart(document.querySelector('canvas[data-chart=\"cpu-cores\"]'))"
                          ".data.datasets.filter(d => !d.marker).map(d => d.label)")
        seen["cpu_cores"] = per_core
        events_before = b.eval("window.nazarStream ? window.nazarStream.events : 0")
        live = b.wait(f"(() => {{ const c = {CPU_POINTS}; return c && c.last > {first['last']} "
                      f"&& window.nazarStream.events > {events_before} ? c : null; }})()",
                      "a live update of the CPU chart over the stream", timeout=30)
        seen["cpu_live"] = {"points": live["points"], "last": live["last"], "stream_events": b.eval("window.nazarStream.events")}
        for chart in ("memory", "disk", "network", "load"):
            seen[chart] = b.eval(f"Chart.getChart(document.querySelector('canvas[data-chart=\"{chart}\"]'))"
                                 ".data.datasets.filter(d => !d.marker).map(d => d.label + ':' + d.data.length)")
        b.wait("document.querySelector('[data-testid=\"process-table\"] tbody tr')", "the top processes table")
        b.wait("document.querySelector('#host-alerts [data-testid=\"silence-button\"]')", "a firing alert with a silence button")
        seen["alert_markers"] = b.eval(f"{CPU_POINTS}.alerts")
        b.screenshot(os.path.join(shots, "host.png"))

        b.eval("document.querySelector('#host-alerts [data-testid=\"silence-button\"]').click()")
        b.wait("document.getElementById('silence-dialog').open", "the silence dialog")
        seen["silence_matchers"] = b.eval("document.getElementById('silence-matchers').textContent")
        b.eval("(() => { const f = document.getElementById('silence-form');"
               f" f.elements.duration.value = '4h'; f.elements.key.value = {json.dumps(key)};"
               " f.elements.comment.value = 'browser test'; document.getElementById('silence-submit').click(); })()")
        b.wait("!document.getElementById('silence-dialog').open", "the dialog to close after silencing", timeout=15)
        silences = json.load(urllib.request.urlopen(base + "/api/v1/silences"))["silences"]
        mine = [s for s in silences if s["comment"] == "browser test"]
        if not mine:
            raise Failure(f"no silence from the page in GET /api/v1/silences: {silences}")
        seen["silence"] = mine[0]

        b.call("Page.navigate", url=base + "/#/plugins")
        seen["plugin_state"] = b.wait(
            "(() => { const r = document.querySelector('[data-instance=\"collector-system\"]');"
            " return r ? r.children[3].textContent : null; })()", "the plugins page")
        b.call("Page.navigate", url=base + "/#/alerts")
        b.wait("document.querySelector('[data-testid=\"silence-table\"]')", "the silence on the alerts page")
        b.screenshot(os.path.join(shots, "alerts.png"))
        if b.exceptions:
            raise Failure(f"uncaught exceptions in the page: {b.exceptions}")
        return seen
    finally:
        b.close()


def main():
    if len(sys.argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    base, host, key, shots = sys.argv[1:]
    os.makedirs(shots, exist_ok=True)
    try:
        print(json.dumps(run(base, host, key, shots)))
        return 0
    except Failure as e:
        print(f"dashboard test failed: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
