"""A webhook receiver for the tests: a real HTTP server on 127.0.0.1 that verifies every
delivery with the `standardwebhooks` package (an implementation independent of ours) and
answers from a script.

Usage: python webhook_receiver.py PORT_FILE
Binds 127.0.0.1 on a free port and writes it to PORT_FILE. Control (JSON):
  POST /_control  {"secrets": ["whsec_..."], "answers": [500, 500, 200], "then": 200, "delay": 0}
                  answers are used in order, then `then` forever; `delay` seconds before answering
  GET  /_received the deliveries so far: [{"id", "timestamp", "verified", "error", "answered",
                  "type", "event_id", "body"}], in arrival order
Anything else is a delivery (any path, POST).
"""

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook

lock = threading.Lock()
state = {"secrets": [], "answers": [], "then": 200, "delay": 0.0, "received": []}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body=b""):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/_received":
            with lock:
                body = json.dumps(state["received"]).encode()
            self.reply(200, body)
        else:
            self.reply(404)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        if len(body) < length:
            # The sender went away mid-request (a worker killed while writing): nothing was
            # delivered, as an HTTP server would not hand an incomplete body to its application.
            self.close_connection = True
            return
        if self.path == "/_control":
            control = json.loads(body)
            with lock:
                for key in ("secrets", "answers", "then", "delay"):
                    if key in control:
                        state[key] = control[key]
            self.reply(200, b"{}")
            return
        headers = {k.lower(): v for k, v in self.headers.items()}
        verified, error = False, None
        with lock:
            secrets = list(state["secrets"])
        for secret in secrets:
            try:
                Webhook(secret).verify(body, headers)
                verified = True
                break
            except Exception as failure:  # noqa: BLE001 - the reason goes to the test
                error = str(failure) or type(failure).__name__
        try:
            payload = json.loads(body)
        except ValueError:
            payload = {}
        with lock:
            answer = state["answers"].pop(0) if state["answers"] else state["then"]
            delay = state["delay"]
            state["received"].append(
                {
                    "id": headers.get("webhook-id"),
                    "timestamp": headers.get("webhook-timestamp"),
                    "signatures": headers.get("webhook-signature"),
                    "verified": verified,
                    "error": None if verified else error,
                    "answered": answer,
                    "type": payload.get("type"),
                    "event_id": (payload.get("data") or {}).get("id"),
                    "body": payload,
                }
            )
        if delay:
            time.sleep(delay)
        self.reply(answer, b'{"ok": true}' if 200 <= answer < 300 else b'{"error": "scripted failure"}')


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(sys.argv[1] + ".tmp", "w") as out:
        out.write(str(server.server_address[1]))
    import os

    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    server.serve_forever()


if __name__ == "__main__":
    main()
