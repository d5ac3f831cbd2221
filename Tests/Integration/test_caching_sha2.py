"""caching_sha2_password (MySQL 8.4/9 default) against the scripted server fake_mysql_sha2.py:
fast path, full path over TLS, full path over plain TCP with the server's RSA key (both PEM
forms), auth switches in both directions, an unknown plugin, a wrong password. The fake checks
every scramble with PyMySQL's functions and decrypts the RSA ciphertext with `cryptography`;
the product runs `--check --prices-only` (or a tiny backfill) against it."""
from __future__ import annotations

import os

import pytest

import harness
from fake_mysql_sha2 import NATIVE, PRICE_ROWS, SHA2, FakeServer, Scenario

PASSWORD = "s3cr3t-ü€"  # non-ASCII: the password is hashed and encrypted as UTF-8


@pytest.fixture(scope="session")
def tls_files(settings) -> tuple[str, str]:
    """The throwaway CA's server certificate and key from mariadb-tls-up.sh (SAN 127.0.0.1)."""
    ca = settings.get("DOLT_TLS_CA")
    if not ca:
        pytest.fail("env.sh has no DOLT_TLS_CA: servers-up.sh did not make the test CA (run make up again)",
                    pytrace=False)
    pki = os.path.dirname(ca)
    return os.path.join(pki, "server.pem"), os.path.join(pki, "server.key")


def check(run, server: FakeServer, *flags: str, password: str = PASSWORD) -> harness.Result:
    return run("--dolt-host", "127.0.0.1", "--dolt-port", str(server.port), "--dolt-user", "app",
               *flags, "--prices-only", "--check", db=False, env={"DOLT_PASSWORD": password})


def only(server: FakeServer):
    server.close()
    assert len(server.connections) == 1, server.connections
    return server.connections[0]


def assert_logged_in(seen, plugins: list[str]) -> None:
    assert seen.error is None, seen
    assert seen.plugins == plugins, seen
    assert all(seen.scrambles_ok), f"a scramble differs from PyMySQL's: {seen}"
    assert seen.password_ok and seen.authenticated, seen
    assert seen.user == "app" and seen.database == "market_data", seen
    assert seen.quit, f"no COM_QUIT: {seen}"
    assert seen.queries[0] == "SELECT * FROM `prices` LIMIT 0", seen


def test_fast_path(run):
    server = FakeServer(Scenario(password=PASSWORD, cached=True))
    r = check(run, server)
    seen = only(server)
    assert r.rc == 0, r
    assert "authentication caching_sha2_password, no TLS (plain TCP)" in r.stdout, r
    assert "✓ prices: 2 rows in all, 1 distinct ticker(s)" in r.stdout, r
    assert_logged_in(seen, [SHA2])
    assert seen.full_auth is None and not seen.key_requested


@pytest.mark.parametrize("pem_format", ["spki", "pkcs1"])
def test_full_path_over_plain_tcp_uses_the_servers_rsa_key(run, pem_format):
    server = FakeServer(Scenario(password=PASSWORD, pem_format=pem_format))
    r = check(run, server)
    seen = only(server)
    assert r.rc == 0, r
    assert "authentication caching_sha2_password, no TLS (plain TCP)" in r.stdout, r
    assert_logged_in(seen, [SHA2])
    assert seen.key_requested and seen.full_auth == "rsa", seen


def test_full_path_over_tls_sends_the_password_inside_tls(run, settings, tls_files):
    server = FakeServer(Scenario(password=PASSWORD, tls=tls_files))
    r = check(run, server, "--dolt-ssl-mode", "verify-identity", "--dolt-ssl-ca", settings["DOLT_TLS_CA"])
    seen = only(server)
    assert r.rc == 0, r
    assert "authentication caching_sha2_password, TLS" in r.stdout, r
    assert "✓ TLS 1.3, TLS_" in r.stdout and "certificate verified (trusted chain, name 127.0.0.1)" in r.stdout, r
    assert seen.ssl_request and seen.tls, seen
    assert_logged_in(seen, [SHA2])
    assert seen.full_auth == "tls" and not seen.key_requested, seen


def test_disabled_mode_ignores_the_servers_tls_and_uses_rsa(run, tls_files):
    server = FakeServer(Scenario(password=PASSWORD, tls=tls_files))
    r = check(run, server, "--dolt-ssl-mode", "disabled")
    seen = only(server)
    assert r.rc == 0, r
    assert not seen.ssl_request and not seen.tls, seen
    assert seen.full_auth == "rsa", seen


@pytest.mark.parametrize("greeting,switch_to,cached", [
    (NATIVE, SHA2, False),   # MySQL 8.4 with a native default, account on caching_sha2: RSA full path
    (NATIVE, SHA2, True),    # ... fast path after the switch
    (SHA2, NATIVE, False),   # MySQL 8.0 account still on mysql_native_password
])
def test_auth_switch_in_both_directions(run, greeting, switch_to, cached):
    server = FakeServer(Scenario(password=PASSWORD, greeting_plugin=greeting, switch_to=switch_to, cached=cached))
    r = check(run, server)
    seen = only(server)
    assert r.rc == 0, r
    assert f"authentication {switch_to}, no TLS" in r.stdout, r
    assert seen.client_plugin == greeting, seen
    assert_logged_in(seen, [greeting, switch_to])
    if switch_to == SHA2 and not cached:
        assert seen.full_auth == "rsa", seen


def test_unknown_plugin_is_named(run):
    server = FakeServer(Scenario(password=PASSWORD, switch_to="client_ed25519"))
    r = check(run, server)
    seen = only(server)
    assert r.rc == 1, r
    assert "'client_ed25519', which this client does not support" in r.stderr, r
    assert not seen.authenticated, seen


@pytest.mark.parametrize("cached", [False, True])
def test_wrong_password_is_access_denied(run, cached):
    server = FakeServer(Scenario(password=PASSWORD, cached=cached))
    r = check(run, server, password="wrong")
    seen = only(server)
    assert r.rc == 1, r
    assert "Access denied for user 'app'@'localhost'" in r.stderr, r
    assert seen.password_ok is False and not seen.authenticated, seen
    assert "wrong" not in r.text.replace("'wrong'", "")


def test_required_refuses_the_plain_fake_before_authenticating(run):
    server = FakeServer(Scenario(password=PASSWORD))
    r = check(run, server, "--dolt-ssl-mode", "required")
    seen = only(server)
    assert r.rc == 1, r
    assert "does not offer it (no CLIENT_SSL in its greeting); nothing was sent" in r.stderr, r
    assert seen.user == "" and seen.plugins == [], seen


def test_tiny_backfill_with_rsa_full_authentication(run, bucket):
    server = FakeServer(Scenario(password=PASSWORD))
    r = run("--dolt-host", "127.0.0.1", "--dolt-port", str(server.port), "--dolt-user", "app", "--tickers", "AAPL",
            "--prices-only", db=False, env={"DOLT_PASSWORD": PASSWORD})
    server.close()
    assert r.rc == 0, r
    assert "✓ Wrote 2 rows to prices/v1/AAPL/2024/01/data.parquet" in r.stdout, r
    assert server.connections and all(c.full_auth == "rsa" and c.authenticated for c in server.connections), \
        server.connections
    assert all(all(c.scrambles_ok) for c in server.connections)
    key = harness.object_key("prices", "AAPL", 2024, 1)
    assert bucket.keys() == [key]
    harness.verify_object(bucket.get(key), "prices", PRICE_ROWS, key)
