#!/usr/bin/env python3
"""A minimal stand-in for Kimi's OAuth and API endpoints on 127.0.0.1, for scripts/bench only.

It approves every device code on the first poll, issues tokens that last an hour, answers
/coding/v1/usages, and serves /coding/v1/messages as JSON or as server-sent events. It prints
its port on the first line of standard output. The test suite has its own fake (TestSupport).
"""
import http.server
import json
import sys
import time
import urllib.parse
import uuid


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body, content_type="application/json"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def authorized(self):
        key = self.headers.get("x-api-key") or self.headers.get("authorization", "").removeprefix("Bearer ")
        return key.startswith("at-") or key.startswith("sk-kimi-")

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode()
        path = self.path.split("?")[0]
        if path == "/api/oauth/device_authorization":
            self.reply(200, json.dumps({
                "device_code": "dc-" + uuid.uuid4().hex, "user_code": "BENCH-0001",
                "verification_uri": "https://example.invalid/device",
                "verification_uri_complete": "https://example.invalid/device?user_code=BENCH-0001",
                "expires_in": 600, "interval": 1}))
        elif path == "/api/oauth/token":
            self.reply(200, json.dumps({
                "access_token": "at-" + uuid.uuid4().hex, "refresh_token": "rt-" + uuid.uuid4().hex,
                "expires_in": 3600, "scope": "kimi-code", "token_type": "Bearer"}))
        elif path == "/coding/v1/messages":
            if not self.authorized():
                return self.reply(401, '{"error":{"type":"authentication_error"}}')
            if '"stream":true' in body.replace(" ", ""):
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for event in ("message_start", "content_block_delta", "message_stop"):
                    chunk = f"event: {event}\ndata: {{}}\n\n".encode()
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    self.wfile.flush()
                self.wfile.write(b"0\r\n\r\n")
            else:
                self.reply(200, '{"id":"msg","type":"message","content":[{"type":"text","text":"ok"}]}')
        else:
            self.reply(404, "{}")

    def do_GET(self):
        if self.path.startswith("/coding/v1/usages") and self.authorized():
            self.reply(200, '{"usage":{"limit":"100","used":"1","remaining":"99"},"user":{"membership":{"level":"LEVEL_BASIC"}}}')
        else:
            self.reply(404, "{}")


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
