#!/usr/bin/env python3
"""Does a photo stall the server? /healthz latency alone and while 4 worst-case photo uploads run.

Usage: bench_photos.py BASE_URL DATA_DIR SERVER_PID [SECONDS]

The server runs the demo data (`server serve --demo`, SMS sink in DATA_DIR/sms.log). Four verified
residents each upload, over and over, the worst photo the server decodes: a PNG declaring just
under the pixel budget (a few KB on the wire, ~160 MB once decoded). Meanwhile one client asks
/healthz one request after the other. Prints Markdown: p50/p99 alone and under load, uploads done,
and the server's peak memory (VmHWM). Standard library only.
"""
import os
import base64
import http.cookiejar
import re
import struct
import sys
import threading
import time
import urllib.parse
import urllib.request
import zlib

BASE, DATA, PID = sys.argv[1], sys.argv[2], int(sys.argv[3])
SECONDS = float(sys.argv[4]) if len(sys.argv) > 4 else 20.0
RESIDENTS = ["13800000001", "13800000002", "13800000004", "13800000005"]
# Just under photo::MAX_PIXELS (40 million).
SIDE = 6300


def png(w, h):
    """A valid PNG of w×h grey pixels (compresses to almost nothing)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    row = b"\x00" + b"\x80" * (w * 3)
    raw = zlib.compress(row * h, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def opener():
    jar = http.cookiejar.CookieJar()
    o = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    o.addheaders = [("Origin", BASE)]
    return o, jar


def post(o, path, fields, timeout=120):
    body = urllib.parse.urlencode(fields).encode()
    req = urllib.request.Request(BASE + path, data=body, headers={"Content-Type": "application/x-www-form-urlencoded", "Origin": BASE})
    try:
        with o.open(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def login(phone):
    o, jar = opener()
    post(o, "/api/account/request_code", {"phone": phone})
    with open(f"{DATA}/sms.log", encoding="utf-8") as f:
        code = [re.search(r"验证码是 (\d{6})", l).group(1) for l in f if l.startswith(phone)][-1]
    status, body = post(o, "/api/account/verify_code", {"phone": phone, "code": code})
    assert status == 200, (phone, status, body)
    # The session cookies are `Secure`: urllib would not send them over http, so send them by hand.
    cookies = "; ".join(f"{c.name}={c.value}" for c in jar)
    o.addheaders = [("Origin", BASE), ("Cookie", cookies)]
    return o


def healthz_latencies(seconds):
    out = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        t = time.perf_counter()
        with urllib.request.urlopen(BASE + "/healthz", timeout=30) as r:
            r.read()
        out.append((time.perf_counter() - t) * 1000)
    return out


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))]


def main():
    photo = base64.b64encode(png(SIDE, SIDE)).decode()
    alone = healthz_latencies(SECONDS)
    sessions = [login(p) for p in RESIDENTS]
    stop = threading.Event()
    results = []

    def uploader(o):
        while not stop.is_set():
            t = time.perf_counter()
            status, body = post(o, "/api/needs/upload_photo", {"data_b64": photo})
            results.append((status, (time.perf_counter() - t) * 1000, body[:80]))

    threads = [threading.Thread(target=uploader, args=(o,), daemon=True) for o in sessions]
    for t in threads:
        t.start()
    time.sleep(1)
    loaded = healthz_latencies(SECONDS)
    stop.set()
    for t in threads:
        t.join(timeout=120)
    hwm = 0
    with open(f"/proc/{PID}/status") as f:
        for line in f:
            if line.startswith("VmHWM"):
                hwm = int(line.split()[1]) // 1024
    decoded = [r for r in results if r[0] == 200]
    refused = [r for r in results if r[0] != 200]
    print(f"### /healthz while photos are decoded ({SIDE}×{SIDE} PNG = {SIDE * SIDE / 1e6:.1f} MP, {len(photo) // 1024} KB as base64; "
          f"4 residents uploading in a loop; {SECONDS:.0f} s each)")
    print()
    print("| | requests | p50 | p99 | max |")
    print("|---|---:|---:|---:|---:|")
    for name, xs in [("alone", alone), ("during 4 uploads", loaded)]:
        print(f"| {name} | {len(xs)} | {pct(xs, 0.5):.2f} ms | {pct(xs, 0.99):.2f} ms | {max(xs):.2f} ms |")
    print()
    ratio = pct(loaded, 0.99) / pct(alone, 0.99)
    print(f"- p99 under load / alone: {ratio:.2f}× (target: within 2×)")
    if decoded:
        print(f"- photos decoded and stored: {len(decoded)}, median {pct([r[1] for r in decoded], 0.5):.0f} ms each ({max(1, min(2, (os.cpu_count() or 2) - 1))} decoded at a time: all cores but one, at most 2)")
    if refused:
        print(f"- uploads refused: {len(refused)} (e.g. {refused[0][0]} {refused[0][2]!r}; a resident may park 20 photos a day)")
    print(f"- server peak memory (VmHWM) after the run: {hwm} MiB")


main()
