"""--dolt-ssl-mode / --dolt-ssl-ca against a real MariaDB with TLS 1.3 and a throwaway CA
(servers-up.sh → mariadb-tls-up.sh: DOLT_TLS_PORT, DOLT_TLS_CA), and against the main MariaDB,
which has no TLS (like Dolt's default configuration).

What the server saw is checked on the server: MariaDB's global `Ssl_accepts` counter (TLS
handshakes accepted) is read with PyMySQL over a plain connection before and after each run.
"""
from __future__ import annotations

import datetime as dt
import socket
import subprocess
import threading

import pytest

import harness
from load_sample_data import load_sample_data



@pytest.fixture(scope="session")
def tls_server(settings) -> dict[str, str]:
    port, ca = settings.get("DOLT_TLS_PORT"), settings.get("DOLT_TLS_CA")
    if not port or not ca:
        pytest.fail("env.sh has no DOLT_TLS_PORT/DOLT_TLS_CA: servers-up.sh did not start the MariaDB with TLS "
                    "(run make up again)", pytrace=False)
    load_sample_data("127.0.0.1", int(port))
    return {"port": port, "ca": ca}


@pytest.fixture(scope="session")
def tls_db(tls_server):
    import pymysql
    conn = pymysql.connect(host="127.0.0.1", port=int(tls_server["port"]), user="root", password="",
                           database="market_data", autocommit=True)
    yield conn
    conn.close()


def ssl_accepts(conn) -> int:
    with conn.cursor() as cur:
        cur.execute("SHOW GLOBAL STATUS LIKE 'Ssl_accepts'")
        return int(cur.fetchone()[1])


@pytest.fixture(scope="session")
def wrong_ca(tmp_path_factory) -> str:
    """A CA that did not issue the server's certificate (same subject, different key)."""
    d = tmp_path_factory.mktemp("wrong-ca")
    key, cert = d / "ca.key", d / "ca.pem"
    subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", str(key)],
                   check=True, capture_output=True)
    subprocess.run(["openssl", "req", "-x509", "-new", "-key", str(key), "-sha256", "-days", "2",
                    "-subj", "/CN=backfill-from-dolt test CA", "-addext", "basicConstraints=critical,CA:TRUE",
                    "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", str(cert)],
                   check=True, capture_output=True)
    return str(cert)


class Forwarder:
    """Accepts on 127.0.0.2 and relays bytes to 127.0.0.1:port, so that the product connects to
    the TLS server under an address its certificate does not name (the SAN has 127.0.0.1)."""

    def __init__(self, port: int) -> None:
        self.target = port
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.2", 0))
        self.listener.listen(4)
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        while not self.stop.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                continue
            upstream = socket.create_connection(("127.0.0.1", self.target), timeout=10)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self.pump, args=(a, b), daemon=True).start()

    @staticmethod
    def pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=2)
        self.listener.close()


def check(run, port: str, *flags: str, host: str = "127.0.0.1", **kwargs) -> harness.Result:
    return run("--dolt-host", host, "--dolt-port", port, *flags, "--check", db=False, **kwargs)


# mode, pass the right CA, TLS expected, what --check says about the certificate
WORKING = [
    ("disabled", False, False, None),
    ("preferred", False, True, "certificate NOT verified (--dolt-ssl-mode preferred)"),
    ("required", False, True, "certificate NOT verified (--dolt-ssl-mode required)"),
    ("verify-ca", True, True, "certificate chain verified (host name not checked"),
    ("verify-identity", True, True, "certificate verified (trusted chain, name {host})"),
]


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
@pytest.mark.parametrize("mode,with_ca,tls,cert_line", WORKING, ids=[w[0] for w in WORKING])
def test_every_working_mode_against_the_tls_server(run, tls_server, tls_db, mode, with_ca, tls, cert_line, host):
    flags = ["--dolt-ssl-mode", mode] + (["--dolt-ssl-ca", tls_server["ca"]] if with_ca else [])
    before = ssl_accepts(tls_db)
    r = check(run, tls_server["port"], *flags, host=host)
    assert r.rc == 0, r
    assert "authentication mysql_native_password" in r.stdout, r
    if tls:
        assert ", TLS\n" in r.stdout, r
        assert "✓ TLS 1.3, TLS_" in r.stdout, r
        assert cert_line.format(host=host) in r.stdout, r
    else:
        assert "no TLS (plain TCP)" in r.stdout, r
        assert "TLS 1.3" not in r.stdout, r
    # --check opens exactly one database connection: the server accepted one TLS handshake or none.
    assert ssl_accepts(tls_db) - before == (1 if tls else 0), r


def test_the_default_mode_is_preferred(run, tls_server, tls_db):
    before = ssl_accepts(tls_db)
    r = check(run, tls_server["port"])
    assert r.rc == 0, r
    assert "certificate NOT verified (--dolt-ssl-mode preferred)" in r.stdout, r
    assert ssl_accepts(tls_db) - before == 1


def test_a_ca_alone_means_verify_ca(run, tls_server):
    r = check(run, tls_server["port"], "--dolt-ssl-ca", tls_server["ca"])
    assert r.rc == 0, r
    assert "certificate chain verified (host name not checked: --dolt-ssl-mode verify-ca)" in r.stdout, r


@pytest.mark.parametrize("mode", ["verify-ca", "verify-identity"])
def test_a_ca_that_did_not_issue_the_certificate_is_refused(run, tls_server, wrong_ca, mode):
    r = check(run, tls_server["port"], "--dolt-ssl-mode", mode, "--dolt-ssl-ca", wrong_ca)
    assert r.rc == 1, r
    assert f"TLS to the database failed (--dolt-ssl-mode {mode})" in r.stderr, r
    assert "signature on the certificate of localhost does not verify" in r.stderr \
        or "no trusted root issued" in r.stderr, r
    assert "✓ connected" not in r.stdout, r


def test_verify_ca_without_a_ca_uses_the_system_store_and_refuses_the_private_ca(run, tls_server):
    r = check(run, tls_server["port"], "--dolt-ssl-mode", "verify-ca", drop_env=("SSL_CERT_FILE", "SSL_CERT_DIR"))
    assert r.rc == 1, r
    assert "no trusted root issued the certificate of" in r.stderr, r


def test_verify_identity_refuses_a_name_not_in_the_certificate(run, tls_server):
    fwd = Forwarder(int(tls_server["port"]))
    try:
        # verify-ca through the same address works: the chain is fine, only the name differs.
        ok = check(run, str(fwd.port), "--dolt-ssl-mode", "verify-ca", "--dolt-ssl-ca", tls_server["ca"], host="127.0.0.2")
        assert ok.rc == 0, ok
        r = check(run, str(fwd.port), "--dolt-ssl-mode", "verify-identity", "--dolt-ssl-ca", tls_server["ca"],
                  host="127.0.0.2")
    finally:
        fwd.close()
    assert r.rc == 1, r
    assert "the certificate is for localhost, 127.0.0.1, not for 127.0.0.2" in r.stderr, r


@pytest.mark.parametrize("mode", ["required", "verify-ca", "verify-identity"])
def test_modes_that_require_tls_refuse_a_server_without_it(run, settings, tls_server, db, mode):
    extra = ["--dolt-ssl-ca", tls_server["ca"]] if mode.startswith("verify") else []
    r = check(run, settings["DOLT_PORT"], "--dolt-ssl-mode", mode, *extra)
    assert r.rc == 1, r
    assert (f"--dolt-ssl-mode {mode} requires TLS, but the server at 127.0.0.1:{settings['DOLT_PORT']} "
            "does not offer it (no CLIENT_SSL in its greeting); nothing was sent") in r.stderr, r
    # a run fails the same way, before any work
    run_result = run("--dolt-host", "127.0.0.1", "--dolt-port", settings["DOLT_PORT"], "--dolt-ssl-mode", mode, *extra,
                     "--tickers", "AAPL", db=False)
    assert run_result.rc == 1, run_result
    assert "does not offer it" in run_result.stderr, run_result
    assert "BACKFILL SUMMARY" not in run_result.stdout, run_result


def test_preferred_falls_back_to_plain_tcp_when_the_server_has_no_tls(run, settings):
    r = check(run, settings["DOLT_PORT"], "--dolt-ssl-mode", "preferred")
    assert r.rc == 0, r
    assert "no TLS (plain TCP)" in r.stdout, r


@pytest.mark.parametrize("args,message", [
    (["--dolt-ssl-mode", "verify_full"], "--dolt-ssl-mode 'verify_full' is not one of disabled, preferred, required, verify-ca, verify-identity"),
    (["--dolt-ssl-mode", "required", "--dolt-ssl-ca", "/x.pem"], "--dolt-ssl-ca is only used by --dolt-ssl-mode verify-ca or verify-identity, not required"),
    (["--dolt-ssl-ca", "/nonexistent/ca.pem"], "/nonexistent/ca.pem"),
])
def test_bad_tls_settings_are_usage_errors(run, args, message):
    r = run(*args, "--tickers", "AAPL")
    assert r.rc == 2, r
    assert message in r.stderr, r


def test_mysql_spelling_of_the_modes_is_accepted(run, tls_server):
    r = check(run, tls_server["port"], "--dolt-ssl-mode", "VERIFY_IDENTITY", "--dolt-ssl-ca", tls_server["ca"])
    assert r.rc == 0, r
    assert "certificate verified (trusted chain, name 127.0.0.1)" in r.stdout, r


def test_full_backfill_over_verified_tls(run, tls_server, tls_db, bucket):
    tickers = ["AAPL", "MSFT"]
    start, end = dt.date(2024, 1, 1), dt.date(2024, 3, 31)
    expected, plans = harness.expected_output(tls_db, tickers, start=start, end=end)
    assert sum(p.fetched for p in plans) > 0
    before = ssl_accepts(tls_db)
    r = run("--dolt-host", "localhost", "--dolt-port", tls_server["port"], "--dolt-ssl-mode", "verify-identity",
            "--dolt-ssl-ca", tls_server["ca"], "--dolt-user", "backfill", "--tickers", *tickers,
            "--start-date", str(start), "--end-date", str(end), db=False, env={"DOLT_PASSWORD": "s3cr3t"})
    assert r.rc == 0, r
    harness.assert_same_text(r.stdout, expected, r)
    assert ssl_accepts(tls_db) - before >= 1
    keys = bucket.keys()
    want_keys = sorted(f.key for p in plans for f in p.files)
    assert keys == want_keys
    for dataset in harness.BOTH:
        for t in tickers:
            for key, rows in harness.by_month(dataset, t, harness.db_rows(tls_db, dataset, t, start, end)).items():
                harness.verify_object(bucket.get(key), dataset, rows, key)
