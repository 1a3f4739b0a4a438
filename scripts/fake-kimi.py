#!/usr/bin/env python3
"""A minimal stand-in for Kimi's OAuth and API endpoints on 127.0.0.1, for scripts/bench and
scripts/crash. The test suite has its own fake (TestSupport).

Without options (scripts/bench): it approves every device code on the first poll, issues tokens
that last an hour, accepts any refresh token, answers /coding/v1/usages, and serves
/coding/v1/messages as JSON or as server-sent events.

With --strict (scripts/crash): refresh tokens rotate and are single-use, as Kimi's are. Every
token pair belongs to an account (one per approved device code); a refresh grant spends the
presented refresh token and issues its successor, and a spent or unknown one gets
invalid_grant. Control endpoints, for the harness only, report on a refresh token without
spending it:

    POST /_fake/inspect {"refresh_token": "..."}  -> {"known", "live", "account", "origin",
                                                     "spent_by_refresh", "successor",
                                                     "successor_sent", "issued_at", "spent_at"}
    POST /_fake/issue                             -> a new account's token pair (for seeding)
    GET  /_fake/stats                             -> counters

Timing options model the network and a real server, for a refresh grant in three phases:
--request-delay is the request's transit: a client that dies meanwhile never reaches the server
(it checks that the connection is still open, and if not, drops the request, spending nothing);
--refresh-delay is the server deciding: the request has arrived, and the server rotates the token
afterwards whether or not the client is still there; --reply-delay is the reply's transit: the
old token is already spent and the new one not yet delivered. --device-delay is the time a
device-code poll takes to answer.

It prints its port on the first line of standard output.
"""
import argparse
import http.server
import json
import select
import socket
import threading
import time
import urllib.parse
import uuid

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--strict", action="store_true", help="single-use rotating refresh tokens and /_fake/ endpoints")
parser.add_argument("--expires-in", type=int, default=3600, help="access token lifetime in seconds (default 3600)")
parser.add_argument("--interval", type=int, default=1, help="device-flow poll interval in seconds (default 1)")
parser.add_argument("--request-delay", type=float, default=0.0, help="seconds before a refresh grant reaches the server")
parser.add_argument("--refresh-delay", type=float, default=0.0, help="seconds the server takes to decide a refresh grant")
parser.add_argument("--reply-delay", type=float, default=0.0, help="seconds between rotating a refresh token and replying")
parser.add_argument("--device-delay", type=float, default=0.0, help="seconds before a device-code poll is answered")
options = parser.parse_args()


class Ledger:
    """Every refresh token the strict fake issued, and what became of it."""

    def __init__(self):
        self.lock = threading.Lock()
        self.tokens = {}  # refresh token -> record
        self.accounts = 0
        self.counters = {"device_grants": 0, "refresh_ok": 0, "refresh_rejected": 0, "issued_for_seeding": 0,
                         "refresh_dropped_in_transit": 0}

    def issue(self, account, origin):
        access = f"at-{account}-{uuid.uuid4().hex}"
        refresh = f"rt-{account}-{uuid.uuid4().hex}"
        self.tokens[refresh] = {"account": account, "origin": origin, "live": True, "issued_at": time.time(),
                                "spent_at": None, "successor": None, "successor_sent": False}
        return access, refresh

    def new_account(self, origin):
        with self.lock:
            self.accounts += 1
            return self.issue(self.accounts, origin)

    def spend(self, presented):
        """Rotates `presented`: returns the successor pair, or None when it is not live."""
        with self.lock:
            record = self.tokens.get(presented)
            if record is None or not record["live"]:
                self.counters["refresh_rejected"] += 1
                return None
            record["live"] = False
            record["spent_at"] = time.time()
            access, refresh = self.issue(record["account"], "refresh")
            record["successor"] = refresh
            self.counters["refresh_ok"] += 1
            return access, refresh

    def mark_sent(self, presented):
        with self.lock:
            if presented in self.tokens:
                self.tokens[presented]["successor_sent"] = True

    def inspect(self, token):
        with self.lock:
            record = self.tokens.get(token)
            if record is None:
                return {"known": False, "live": False}
            return {"known": True, **record}


ledger = Ledger()


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
        self.wfile.flush()

    def client_gone(self):
        """Whether the client closed the connection (a killed client's kernel sends FIN or RST)."""
        readable, _, _ = select.select([self.connection], [], [], 0)
        if not readable:
            return False
        try:
            return self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def authorized(self):
        key = self.headers.get("x-api-key") or self.headers.get("authorization", "").removeprefix("Bearer ")
        return key.startswith("at-") or key.startswith("sk-kimi-")

    def token_reply(self, access, refresh):
        return json.dumps({"access_token": access, "refresh_token": refresh, "expires_in": options.expires_in,
                           "scope": "kimi-code", "token_type": "Bearer"})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode()
        path = self.path.split("?")[0]
        form = dict(urllib.parse.parse_qsl(body))
        if path == "/api/oauth/device_authorization":
            self.reply(200, json.dumps({
                "device_code": "dc-" + uuid.uuid4().hex, "user_code": "BENCH-0001",
                "verification_uri": "https://example.invalid/device",
                "verification_uri_complete": "https://example.invalid/device?user_code=BENCH-0001",
                "expires_in": 600, "interval": options.interval}))
        elif path == "/api/oauth/token" and not options.strict:
            self.reply(200, self.token_reply("at-" + uuid.uuid4().hex, "rt-" + uuid.uuid4().hex))
        elif path == "/api/oauth/token" and form.get("grant_type") == "refresh_token":
            time.sleep(options.request_delay)
            if options.request_delay and self.client_gone():
                with ledger.lock:
                    ledger.counters["refresh_dropped_in_transit"] += 1
                self.close_connection = True
                return
            time.sleep(options.refresh_delay)
            presented = form.get("refresh_token", "")
            pair = ledger.spend(presented)
            if pair is None:
                return self.reply(400, '{"error":"invalid_grant","error_description":"refresh token is invalid or was already used"}')
            time.sleep(options.reply_delay)
            try:
                self.reply(200, self.token_reply(*pair))
            except OSError:
                return
            ledger.mark_sent(presented)
        elif path == "/api/oauth/token" and form.get("grant_type") == "urn:ietf:params:oauth:grant-type:device_code":
            time.sleep(options.device_delay)
            with ledger.lock:
                ledger.counters["device_grants"] += 1
            self.reply(200, self.token_reply(*ledger.new_account("device")))
        elif path == "/api/oauth/token":
            self.reply(400, '{"error":"unsupported_grant_type"}')
        elif path == "/_fake/inspect" and options.strict:
            self.reply(200, json.dumps(ledger.inspect(json.loads(body).get("refresh_token", ""))))
        elif path == "/_fake/issue" and options.strict:
            with ledger.lock:
                ledger.counters["issued_for_seeding"] += 1
            access, refresh = ledger.new_account("seed")
            self.reply(200, json.dumps({"access_token": access, "refresh_token": refresh,
                                        "expires_in": options.expires_in}))
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
        elif self.path == "/_fake/stats" and options.strict:
            with ledger.lock:
                stats = dict(ledger.counters, live=sum(1 for r in ledger.tokens.values() if r["live"]))
            self.reply(200, json.dumps(stats))
        else:
            self.reply(404, "{}")


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
