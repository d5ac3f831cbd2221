#!/usr/bin/env python3
"""Our TLS 1.3 stack beside curl (OpenSSL) on the same nginx TLS front (make bench-tls).

Needs the servers of Tests/Integration/servers-up.sh (S3 + nginx TLS front; settings in
$STATE_DIR/env.sh) and release builds of backfill-from-dolt and tls-bench.

1. Handshakes, one process per connection: N x `backfill-from-dolt --fetch https://localhost:PORT/healthz`
   vs N x `curl https://localhost:PORT/healthz` (process start + TCP + full TLS 1.3 handshake with
   certificate verification + one GET), and the same minus each tool's bare start-up
   (`--version`), to isolate the connection.
2. Handshakes inside one process: `tls-bench handshakes N URL` (our code, a new connection each
   time) vs one curl with N URLs, `Connection: close` and no session reuse (--no-sessionid).
3. PutObject of 1 MiB bodies over ONE connection: `tls-bench puts N 1048576` (our S3 client, SigV4
   with the payload's SHA-256, our TLS) vs one curl with N uploads (`--aws-sigv4`, same
   x-amz-content-sha256). Both end at the same moto S3 server behind nginx, which bounds both.

Prints a Markdown table (also written to --out if given).
"""
from __future__ import annotations

import argparse
import hashlib
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
STATE_DIR = os.environ.get("STATE_DIR") or os.path.join(REPO, ".state")


def load_env() -> dict[str, str]:
    path = os.path.join(STATE_DIR, "env.sh")
    with open(path, encoding="utf-8") as f:
        env = dict(re.findall(r"^export (\w+)=(.*)$", f.read(), re.M))
    if "TLS_ENDPOINT" not in env:
        sys.exit(f"{path} has no TLS_ENDPOINT: start the servers with Tests/Integration/servers-up.sh")
    return env


def timed(cmd: list[str], env: dict[str, str], runs: int) -> list[float]:
    """Wall seconds of each of `runs` sequential runs (each must exit 0)."""
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        proc = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
        out.append(time.perf_counter() - t)
        if proc.returncode != 0:
            sys.exit(f"{' '.join(cmd)} failed: {proc.stderr.decode(errors='replace')}")
    return out


def kv(line: str) -> dict[str, str]:
    return dict(re.findall(r'(\w+)=("[^"]*"|\S+)', line))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=30, help="handshakes per measurement (default 30)")
    ap.add_argument("--puts", type=int, default=32, help="1 MiB PUTs per measurement (default 32)")
    ap.add_argument("--bin", default=os.path.join(REPO, ".build", "release", "backfill-from-dolt"))
    ap.add_argument("--bench-bin", default=os.path.join(REPO, ".build", "release", "tls-bench"))
    ap.add_argument("--out", help="also write the Markdown table here")
    a = ap.parse_args()
    for b in (a.bin, a.bench_bin):
        if not os.access(b, os.X_OK):
            sys.exit(f"{b} not found: swift build -c release --product backfill-from-dolt / --product tls-bench")
    s = load_env()
    ca, url = s["TLS_CA_BUNDLE"], s["TLS_ENDPOINT"] + "/healthz"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("R2_", "AWS_", "SSL_"))}
    env.update({"R2_CA_BUNDLE": ca, "R2_ENDPOINT": s["TLS_ENDPOINT"], "R2_ACCESS_KEY_ID": s["R2_ACCESS_KEY_ID"],
                "R2_SECRET_ACCESS_KEY": s["R2_SECRET_ACCESS_KEY"], "R2_BUCKET": s["R2_BUCKET"], "R2_REGION": "auto"})
    curl_tls = ["curl", "-sS", "--fail", "--tlsv1.3", "--cacert", ca]
    rows: list[tuple[str, str, str]] = []

    # 1. one process per handshake (warm-up run first: page cache, nginx worker)
    timed([a.bin, "--fetch", url], env, 2)
    timed(curl_tls + ["-o", "/dev/null", url], env, 2)
    ours = statistics.median(timed([a.bin, "--fetch", url], env, a.runs))
    theirs = statistics.median(timed(curl_tls + ["-o", "/dev/null", url], env, a.runs))
    ours0 = statistics.median(timed([a.bin, "--version"], env, a.runs))
    theirs0 = statistics.median(timed(["curl", "--version"], env, a.runs))
    rows.append((f"connect + TLS 1.3 handshake + GET, new process each (median of {a.runs})",
                 f"{ours * 1000:.1f} ms", f"{theirs * 1000:.1f} ms"))
    rows.append(("  same minus bare process start (`--version`)",
                 f"{(ours - ours0) * 1000:.1f} ms", f"{(theirs - theirs0) * 1000:.1f} ms"))

    # 2. handshakes in one process
    n = a.runs * 4
    line = subprocess.run([a.bench_bin, "handshakes", str(n), url], env=env, check=True,
                          capture_output=True, text=True).stdout
    ours_each = float(kv(line)["ms_each"])
    session = kv(line)["session"].strip('"')
    t = time.perf_counter()
    subprocess.run(curl_tls + ["--no-sessionid", "-H", "Connection: close"] + [arg for _ in range(n) for arg in ("-o", "/dev/null", url)],
                   env=env, check=True)
    theirs_each = (time.perf_counter() - t) * 1000 / n
    rows.append((f"connect + TLS 1.3 handshake + GET, {n} in one process, no session reuse",
                 f"{ours_each:.2f} ms each", f"{theirs_each:.2f} ms each"))

    # 3. 1 MiB PUTs over one connection
    body = os.urandom(1024 * 1024)
    line = subprocess.run([a.bench_bin, "puts", str(a.puts), str(len(body))], env=env, check=True,
                          capture_output=True, text=True).stdout
    r = kv(line)
    if r.get("connections") != "1":
        sys.exit(f"tls-bench used {r.get('connections')} connections, expected 1: {line}")
    ours_mib = float(r["mib_per_s"])
    with tempfile.NamedTemporaryFile(suffix=".bin") as f:
        f.write(body)
        f.flush()
        base = s["TLS_ENDPOINT"] + "/" + s["R2_BUCKET"] + "/tls-bench-curl/"
        cmd = curl_tls + ["--aws-sigv4", "aws:amz:auto:s3", "--user", f"{s['R2_ACCESS_KEY_ID']}:{s['R2_SECRET_ACCESS_KEY']}",
                          "-H", f"x-amz-content-sha256: {hashlib.sha256(body).hexdigest()}", "-o", "/dev/null",
                          "-w", "%{num_connects}\n"]
        for i in range(a.puts):
            cmd += ["-T", f.name, f"{base}{i}.bin"]
        t = time.perf_counter()
        proc = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
        seconds = time.perf_counter() - t
    connects = sum(int(x) for x in proc.stdout.split())
    if connects != 1:
        sys.exit(f"curl opened {connects} connections for {a.puts} PUTs, expected 1")
    theirs_mib = a.puts / seconds
    rows.append((f"PutObject 1 MiB x {a.puts} over one connection (SigV4, payload SHA-256)",
                 f"{ours_mib:.1f} MiB/s", f"{theirs_mib:.1f} MiB/s"))

    table = [f"Negotiated by our client: {session}; nginx TLS 1.3 front, ECDSA P-256 certificate, moto S3 behind it.", "",
             "| measurement | backfill-from-dolt (own TLS) | curl (OpenSSL) |", "|---|---|---|"]
    table += [f"| {m} | {o} | {c} |" for m, o, c in rows]
    text = "\n".join(table) + "\n"
    print(text)
    if a.out:
        with open(a.out, "w", encoding="utf-8") as f:
            f.write(text)


if __name__ == "__main__":
    main()
