#!/usr/bin/env python3
"""A loopback HTTP server standing in for Slack's webhook and Telegram's Bot API in tests.

It answers POSTs from a script of responses given on the command line, in order, then
the default response; it records every request (method, path, headers, body) as one
JSON line in --record, flushed before the response is sent, so the test reads exactly
what arrived. It prints "PORT <n>" once it listens on 127.0.0.1.

A scripted response is a JSON object: {"status": 429, "headers": {"Retry-After": "1"},
"body": "...", "hang": 5.0}; "hang" sleeps that many seconds before answering (to
exceed the client's timeout). Each request is served on its own thread, so a hang does
not hold up the next request.
"""
import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--record", required=True)
    parser.add_argument("--script", default="[]")
    parser.add_argument("--default", default='{"status": 200, "body": "ok"}')
    # A fixed port lets scripts/soak kill the server and start it again where the
    # notifier is pointed; 0 picks a free one.
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    script = json.loads(args.script)
    default = json.loads(args.default)
    lock = threading.Lock()
    record = open(args.record, "a", encoding="utf-8")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            with lock:
                reply = script.pop(0) if script else default
                entry = {
                    "method": "POST",
                    "path": self.path,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": body.decode("utf-8", errors="replace"),
                    "time": time.monotonic(),
                }
                record.write(json.dumps(entry) + "\n")
                record.flush()
            if reply.get("hang"):
                time.sleep(float(reply["hang"]))
            payload = reply.get("body", "").encode("utf-8")
            try:
                self.send_response(int(reply.get("status", 200)))
                for name, value in reply.get("headers", {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout test)

        def log_message(self, format, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(f"PORT {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
