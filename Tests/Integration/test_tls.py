"""TLS 1.3 against OpenSSL: the product's own TLS client and certificate checks, end to end.

* Interop matrix: `backfill-from-dolt --fetch https://localhost:PORT/ -v` against a short-lived
  `openssl s_server -www -naccept 1` per case: every cipher suite x key exchange (x25519; P-256,
  which needs a HelloRetryRequest because our first ClientHello carries an x25519 share only; a
  server preferring P-256 that must not ask for a retry) x certificate (ECDSA P-256, RSA-2048)
  x session tickets (OpenSSL's default 2 vs none). The client's report (stderr) is checked against
  the server's own view (its status page on stdout) and its message trace (`-msg`).
* Refusals: one server per defect of the test PKI (tls-pki.sh) and a TLS 1.2-only server; each
  must end with exit 1, its own reason, and nothing fetched.
* The nginx TLS front of servers-up.sh (tls-front-up.sh): a full backfill over HTTPS, and --check.
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import os
import re
import subprocess
import time

import pytest

import harness
from conftest import free_port
from harness import BOTH, by_month, db_rows, verify_object

SUITES = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"]
# name -> (s_server -groups, group the client must report, HelloRetryRequest expected)
GROUPS = {
    "x25519": ("X25519", "x25519", False),
    "p256-after-hrr": ("P-256", "secp256r1", True),
    "server-prefers-p256": ("P-256:X25519", "x25519", False),
}
CERTS = {"ecdsa": "Test Intermediate ECDSA", "rsa": "Test Intermediate RSA"}


@pytest.fixture(scope="session")
def pki(settings) -> str:
    path = settings.get("TLS_PKI_DIR")
    if not path or not os.path.isfile(os.path.join(path, "ca.pem")):
        pytest.fail("TLS_PKI_DIR missing from env.sh or without ca.pem: run servers-up.sh (it runs "
                    "tls-front-up.sh and tls-pki.sh)", pytrace=False)
    return path


@dataclasses.dataclass
class Server:
    port: int
    proc: subprocess.Popen
    log: str

    def trace(self) -> str:
        """The server's output once it has finished (it serves one connection)."""
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        with open(self.log, encoding="utf-8", errors="replace") as f:
            return f.read()

    def received(self, message: str) -> int:
        return len(re.findall(rf"^<<< TLS 1\.3, Handshake \[length [0-9a-f]+\], {message}$", self.trace(), re.M))

    def sent(self, message: str) -> int:
        return len(re.findall(rf"^>>> TLS 1\.3, Handshake \[length [0-9a-f]+\], {message}$", self.trace(), re.M))


@contextlib.contextmanager
def s_server(pki: str, cert: str, tmp_path, *options: str):
    """`openssl s_server` for one connection on a free loopback port, serving `cert` with its chain;
    its working directory (for -WWW) is tmp_path."""
    port = free_port()
    log = str(tmp_path / f"s_server-{cert}-{port}.log")
    chain = os.path.join(pki, f"{cert}-chain.pem")
    cmd = ["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-naccept", "1", "-www", "-msg",
           "-cert", os.path.join(pki, f"{cert}.pem"), "-key", os.path.join(pki, f"{cert}.key")]
    if os.path.getsize(chain):
        cmd += ["-cert_chain", chain]
    cmd += list(options)
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while True:
            with open(log, "rb") as f:
                if b"ACCEPT" in f.read():
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                with open(log, encoding="utf-8", errors="replace") as f:
                    pytest.fail(f"openssl s_server did not start: {' '.join(cmd)}\n{f.read()}")
            time.sleep(0.01)
        yield Server(port, proc, log)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def fetch(run, port: int, ca: str) -> harness.Result:
    return run("--fetch", f"https://localhost:{port}/", "-v", db=False, env={"R2_CA_BUNDLE": ca})


# ------------------------------------------------------------------------------ interop matrix
@pytest.mark.parametrize("tickets", ["tickets", "no-tickets"])
@pytest.mark.parametrize("cert", list(CERTS))
@pytest.mark.parametrize("group", list(GROUPS))
@pytest.mark.parametrize("suite", SUITES)
def test_handshake_with_openssl(run, pki, tmp_path, suite, group, cert, tickets):
    server_groups, want_group, hrr = GROUPS[group]
    options = ["-tls1_3", "-ciphersuites", suite, "-groups", server_groups]
    if tickets == "no-tickets":
        options += ["-num_tickets", "0"]
    with s_server(pki, cert, tmp_path, *options) as server:
        result = fetch(run, server.port, os.path.join(pki, "ca.pem"))
        assert result.rc == 0, f"{result}\n--- server ---\n{server.trace()}"
        # what our client reports ...
        assert f"TLS 1.3, {suite}, {want_group}\n" in result.stderr, result
        assert re.search(rf"^server certificate: subject CN=localhost, O=Backfill Test PKI, issuer CN={CERTS[cert]}, "
                         r"O=Backfill Test PKI, expires \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$", result.stderr, re.M), result
        assert re.search(r"^HTTP 200 ok, [\d,]+ bytes$", result.stderr, re.M), result
        # ... is what the server negotiated (its status page is the body we fetched) ...
        assert f"New, TLSv1.3, Cipher is {suite}\n" in result.stdout, result
        # ... and the message flow is the expected one.
        assert server.received("ClientHello") == (2 if hrr else 1), server.trace()
        assert server.sent("ServerHello") == (2 if hrr else 1), server.trace()  # a HelloRetryRequest is a ServerHello
        assert server.sent("NewSessionTicket") == (2 if tickets == "tickets" else 0), server.trace()
        assert server.received("Finished") == 1, server.trace()


@pytest.mark.parametrize("suite", SUITES)
def test_one_mebibyte_download_spans_many_records_and_arrives_intact(run, pki, tmp_path, suite):
    # s_server -WWW serves files from its working directory; the body (64+ records of 16 KiB)
    # ends with the connection, after the server's close_notify.
    body = os.urandom(1024 * 1024 + 1)
    (tmp_path / "big.bin").write_bytes(body)
    with s_server(pki, "rsa", tmp_path, "-tls1_3", "-ciphersuites", suite, "-WWW") as server:
        proc = subprocess.run([harness.BIN, "--fetch", f"https://localhost:{server.port}/big.bin"],
                              env={**run.base_env(), "R2_CA_BUNDLE": os.path.join(pki, "ca.pem")},
                              cwd=tmp_path, stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
        trace = server.trace()
    assert proc.returncode == 0, f"{proc.stderr.decode(errors='replace')}\n--- server ---\n{trace[-2000:]}"
    assert len(proc.stdout) == len(body) and proc.stdout == body


# ------------------------------------------------------------------------------ refusals
# name -> (certificate, s_server options, pattern of the reason)
REFUSALS = {
    "expired": ("expired", [], r"the certificate for localhost expired on 2021-01-01 00:00:00 UTC"),
    "not-yet-valid": ("notyet", [], r"the certificate for localhost is not valid before 2040-01-01 00:00:00 UTC"),
    "wrong-name": ("wrongname", [], r"the certificate is for example\.com, www\.example\.com, not for localhost"),
    "untrusted-ca": ("untrusted", [], r"no trusted root issued the certificate of Unrelated Intermediate "
                                      r"\(issuer: CN=Unrelated Root"),
    "self-signed-leaf": ("selfsigned", [], r"the server's certificate for localhost is self-signed and not among the "
                                          r"trusted certificates"),
    "intermediate-not-a-ca": ("notca", [], r"the intermediate certificate Not A CA has basicConstraints cA=FALSE, "
                                           r"so it cannot issue certificates"),
    "leaf-without-serverauth": ("eku", [], r"not valid for TLS servers \(its extendedKeyUsage lacks serverAuth\)"),
    "sha1-signature": ("sha1", [], r"the certificate of SHA-1 Intermediate is signed with [^,]*SHA-1[^,]*, which is "
                                   r"no longer secure"),
    "rsa-1024": ("rsa1024", [], r"the server's certificate for localhost has a 1024-bit RSA key; at least 2048 bits "
                                r"are required"),
    "tls-1.2-only": ("ecdsa", ["-tls1_2"], r"server localhost only offers TLS 1\.2 or lower; this client speaks "
                                          r"TLS 1\.3 only"),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_refused_server(run, pki, tmp_path, case):
    cert, options, reason = REFUSALS[case]
    if "-tls1_2" not in options:
        options = options + ["-tls1_3"]
    # Security level 0: Debian's OpenSSL would not even load an RSA-1024 key or a SHA-1 chain.
    with s_server(pki, cert, tmp_path, "-cipher", "DEFAULT:@SECLEVEL=0", *options) as server:
        result = fetch(run, server.port, os.path.join(pki, "ca.pem"))
        trace = server.trace()
    assert result.rc == 1, f"{result}\n--- server ---\n{trace}"
    assert result.stdout == "", result                     # nothing fetched
    assert "HTTP " not in result.stderr, result            # no request was answered
    assert re.search(reason, result.stderr), result
    # its own reason: no other case's reason matches
    others = [name for name, (_, _, pattern) in REFUSALS.items() if name != case and re.search(pattern, result.stderr)]
    assert others == [], f"{case} also matches the reasons of {others}: {result}"
    # The handshake never completed: no request reached the server (it would print the GET line).
    assert server.received("Finished") == 0, trace
    assert "GET / HTTP/1.1" not in trace, trace


# ------------------------------------------------------------------------------ the nginx TLS front
@pytest.fixture
def https(settings, pki) -> dict[str, str]:
    """Settings that send the product's S3 traffic through the TLS front."""
    return {"R2_ENDPOINT": settings["TLS_ENDPOINT"], "R2_CA_BUNDLE": os.path.join(pki, "ca.pem")}


def front_log_lines() -> list[str]:
    path = os.path.join(harness.STATE_DIR, "tls-front", "access.log")
    with open(path, encoding="utf-8") as f:
        return f.read().splitlines()


def test_backfill_over_https_through_the_tls_front(run, bucket, db, https):
    before = len(front_log_lines())
    start = dt.date(2024, 1, 1)  # 2 tickers x 2 datasets, 32 objects: enough for TLS, quick to verify
    result = run("--tickers", "AAPL", "MSFT", "--start-date", start.isoformat(), env=https)
    assert result.rc == 0, result
    assert "\nFailed:" not in result.stdout, result
    expected: dict[str, tuple[str, list]] = {}
    for ticker in ("AAPL", "MSFT"):
        for dataset in BOTH:
            for key, rows in by_month(dataset, ticker, db_rows(db, dataset, ticker, start)).items():
                expected[key] = (dataset, rows)
    assert bucket.keys() == sorted(expected)
    for key, (dataset, rows) in expected.items():
        verify_object(bucket.get(key), dataset, rows, key)
    # Every object went through nginx over TLS 1.3 (and the S3 server accepted the signatures).
    lines = front_log_lines()[before:]
    puts = [line for line in lines if '"PUT /market-data/' in line]
    assert len(puts) == len(expected), "\n".join(lines)
    assert all(" 200 " in line and "tls=TLSv1.3 " in line and "sni=localhost" in line for line in puts), "\n".join(puts)


def test_check_over_https_reports_the_tls_session_and_certificate(run, https):
    result = run("--check", "--tickers", "AAPL", env=https)
    assert result.rc == 0, result
    out = result.stdout
    assert re.search(r"^  ✓ TLS 1\.3, TLS_(AES_128_GCM_SHA256|AES_256_GCM_SHA384|CHACHA20_POLY1305_SHA256), "
                     r"(x25519|secp256r1)$", out, re.M), result
    assert re.search(r"^  ✓ server certificate: subject CN=localhost, O=Backfill Test PKI, issuer CN=Test Intermediate "
                     r"ECDSA, O=Backfill Test PKI, expires \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$", out, re.M), result
    assert "  ✓ credentials accepted, bucket reachable" in out, result
    assert out.rstrip().endswith("All checks passed."), result


def test_check_with_the_wrong_ca_fails_and_says_why(run, pki, https):
    result = run("--check", "--tickers", "AAPL", env={**https, "R2_CA_BUNDLE": os.path.join(pki, "wrong-ca.pem")})
    assert result.rc == 1, result
    assert "TLS connection to localhost refused: the server's certificate is not acceptable: no trusted root issued " \
           "the certificate of Test Intermediate ECDSA" in result.stderr, result
    assert "credentials accepted" not in result.stdout, result
    assert "Some checks failed" in result.stdout, result
