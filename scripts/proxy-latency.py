#!/usr/bin/env python3
"""Measures the credential proxy's added latency, for scripts/bench.

Run under `kimi-profiles exec` for an OAuth profile: it times small requests and the first
byte of streamed ones, straight to the fake Kimi (argv[1], a base URL, with an `sk-kimi-` key
it accepts) and through the proxy ($KIMI_BASE_URL with the session secret), interleaved, and
prints one JSON object of medians and 99th percentiles in milliseconds.
"""
import http.client
import json
import os
import sys
import time
import urllib.parse

N = int(os.environ.get("PROXY_RUNS", "300"))


def measure(base, key, stream):
    url = urllib.parse.urlparse(base)
    body = json.dumps({"stream": stream})
    start = time.perf_counter()
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    conn.request("POST", url.path + "/messages", body, {"x-api-key": key, "content-type": "application/json"})
    response = conn.getresponse()
    first = response.read(1)
    elapsed = time.perf_counter() - start
    response.read()
    conn.close()
    assert response.status == 200 and first, response.status
    return elapsed * 1000


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


direct = (sys.argv[1], "sk-kimi-bench")
proxied = (os.environ["KIMI_BASE_URL"], os.environ["KIMI_API_KEY"])
results = {}
for stream in (False, True):
    times = {"direct": [], "proxy": []}
    for _ in range(20):  # warm-up
        measure(*direct, stream), measure(*proxied, stream)
    for _ in range(N):
        times["direct"].append(measure(*direct, stream))
        times["proxy"].append(measure(*proxied, stream))
    kind = "sse_first_byte" if stream else "request"
    for name, values in times.items():
        results[f"{kind}_{name}_p50"] = percentile(values, 50)
        results[f"{kind}_{name}_p99"] = percentile(values, 99)
print(json.dumps(results))
