"""The static binary (make static) in an empty root: only the binary, /proc and what each test adds
(/etc/hosts, /etc/resolv.conf). Run with chroot against the test servers; names resolve through
/etc/hosts and through the binary's own DNS client (a scripted DNS server on 127.83.83.83:53)."""
from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import ipaddress
import os
import re
import shutil
import socket
import ssl
import struct
import subprocess
import threading

import pytest

import harness
from harness import assert_same_text, expected_output
from load_sample_data import load_sample_data
from test_backfill_guide import verify_bucket

STATIC_BIN = os.environ.get("BACKFILL_STATIC_BIN") or os.path.join(harness.REPO, ".build", "static", "backfill-from-dolt")
MAX_SIZE = 16 << 20
DNS_ADDRESS = "127.83.83.83"   # any 127/8 address is loopback; port 53 is what resolv.conf implies
TICKERS = ["AAPL", "MSFT"]
CHROOT = shutil.which("chroot") or "/usr/sbin/chroot"


@pytest.fixture(scope="session")
def static_binary() -> str:
    if not os.access(STATIC_BIN, os.X_OK):
        pytest.fail(f"static binary not found at {STATIC_BIN}: run `make static` (or set BACKFILL_STATIC_BIN)",
                    pytrace=False)
    if os.geteuid() != 0:
        pytest.fail("the static binary tests chroot and mount /proc: run them as root", pytrace=False)
    return STATIC_BIN


class EmptyRoot:
    """A temporary root holding only /backfill-from-dolt, /proc (unless proc=False) and added files."""

    def __init__(self, path: str, binary: str, settings: dict[str, str], proc: bool) -> None:
        self.path, self.settings, self.proc = path, settings, proc
        shutil.copy2(binary, os.path.join(path, "backfill-from-dolt"))
        if proc:
            os.mkdir(os.path.join(path, "proc"))
            subprocess.run(["mount", "-t", "proc", "proc", os.path.join(path, "proc")], check=True)

    def write(self, name: str, text: str) -> None:
        target = os.path.join(self.path, name.lstrip("/"))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w", encoding="utf-8") as f:
            f.write(text)

    def run(self, *args: str, endpoint: str | None = None, db_host: str | None = "127.0.0.1",
            env: dict[str, str] | None = None) -> harness.Result:
        argv = list(args)
        if db_host is not None:
            argv = ["--dolt-host", db_host, "--dolt-port", self.settings["DOLT_PORT"]] + argv
        run_env = {k: v for k, v in self.settings.items() if k.startswith("R2_")}
        if endpoint is not None:
            run_env["R2_ENDPOINT"] = endpoint
        run_env.update(env or {})
        env = run_env
        proc = subprocess.run([CHROOT, self.path, "/backfill-from-dolt"] + argv, env=env,
                              stdin=subprocess.DEVNULL, capture_output=True, timeout=harness.RUN_TIMEOUT)
        return harness.Result(argv, proc.returncode, proc.stdout.decode("utf-8", "replace"),
                              proc.stderr.decode("utf-8", "replace"))

    def close(self) -> None:
        if self.proc:
            subprocess.run(["umount", os.path.join(self.path, "proc")], check=False)


@pytest.fixture
def make_root(static_binary, settings, tmp_path):
    roots: list[EmptyRoot] = []

    def make(proc: bool = True) -> EmptyRoot:
        path = tmp_path / f"root{len(roots)}"
        path.mkdir()
        root = EmptyRoot(str(path), static_binary, settings, proc)
        roots.append(root)
        return root

    yield make
    for root in roots:
        root.close()


def s3_port(settings) -> str:
    return settings["R2_ENDPOINT"].rsplit(":", 1)[1]


def assert_no_crash(result: harness.Result) -> None:
    assert result.rc in (0, 1, 2), f"killed by a signal or crashed\n{result}"
    for marker in ("Fatal error", "Unable to obtain", "Aborted", "Segmentation"):
        assert marker not in result.text, result


# ------------------------------------------------------------------------------ the file itself
def test_binary_is_static_stripped_and_at_most_16_mib(static_binary):
    kind = subprocess.run(["file", "-b", static_binary], capture_output=True, text=True, check=True).stdout
    assert "statically linked" in kind and "stripped" in kind and "not stripped" not in kind, kind
    assert "x86-64" in kind, kind
    ldd = subprocess.run(["ldd", static_binary], capture_output=True, text=True)
    assert ldd.returncode != 0 and "not a dynamic executable" in ldd.stdout + ldd.stderr, ldd
    assert os.path.getsize(static_binary) <= MAX_SIZE, os.path.getsize(static_binary)


def test_help_and_version_name_the_commit_it_was_built_from(make_root):
    root = make_root()
    help_ = root.run("--help", db_host=None)
    assert help_.rc == 0 and "USAGE:" in help_.stdout and help_.stderr == "", help_
    version = root.run("--version", db_host=None)
    assert version.rc == 0, version
    match = re.fullmatch(r"backfill-from-dolt \d+\.\d+\.\d+ \(commit ([0-9a-f]{12})(-dirty)?\)\n", version.stdout)
    assert match, version
    head = subprocess.run(["git", "-C", harness.REPO, "rev-parse", "--short=12", "HEAD"],
                          capture_output=True, text=True)
    if head.returncode == 0:   # a source tarball has no git: then only the format is checked
        assert match.group(1) == head.stdout.strip(), f"built from {match.group(1)}, HEAD is {head.stdout}"


# ------------------------------------------------------------------------------ full runs
def run_and_verify(root: EmptyRoot, bucket, db, endpoint: str, db_host: str, env: dict[str, str] | None = None) -> None:
    result = root.run("--tickers", *TICKERS, endpoint=endpoint, db_host=db_host, env=env)
    assert result.rc == 0, result
    want, _ = expected_output(db, TICKERS)
    assert_same_text(result.stdout, want, result)
    verify_bucket(bucket, db, TICKERS)


def test_backfill_by_ip_address_needs_nothing_but_the_binary_and_proc(make_root, settings, bucket, db):
    root = make_root()
    run_and_verify(root, bucket, db, settings["R2_ENDPOINT"], "127.0.0.1")
    assert sorted(os.listdir(root.path)) == ["backfill-from-dolt", "proc"], "the run wrote into its root"


def test_backfill_by_names_from_etc_hosts(make_root, settings, bucket, db):
    root = make_root()
    # The S3 host is one label: the test S3 server (moto) reads "bucket.host" as a virtual-hosted bucket.
    root.write("/etc/hosts", "# test\n127.0.0.1 localhost\n127.0.0.1\tdolt.internal objects\n")
    run_and_verify(root, bucket, db, f"http://objects:{s3_port(settings)}", "dolt.internal")


def test_backfill_without_proc(make_root, settings, bucket, db):
    root = make_root(proc=False)
    version = root.run("--version", db_host=None)
    assert version.rc == 0 and version.stdout.startswith("backfill-from-dolt "), version
    result = root.run("--tickers", "MSFT", "--prices-only", "--start-date", "2024-12-01")
    assert result.rc == 0, result
    assert bucket.keys() == ["prices/v1/MSFT/2024/12/data.parquet"], result


def test_a_name_without_hosts_or_resolv_conf_is_a_clear_error(make_root, settings, bucket):
    root = make_root()
    result = root.run("--tickers", "AAPL", db_host="dolt.internal")
    assert_no_crash(result)
    assert result.rc == 1, result
    assert "cannot resolve host dolt.internal:" in result.stderr, result
    assert "neither /etc/hosts nor /etc/resolv.conf" in result.stderr and "use an IP address" in result.stderr, result
    assert bucket.keys() == []


# ------------------------------------------------------------------------------ DNS
class FakeDNS:
    """Answers A queries for names in `zone` over UDP and TCP; AAAA queries get an empty NOERROR;
    names in `truncate` get a truncated UDP answer (TC) so the client must retry over TCP;
    everything else is NXDOMAIN. Records what was asked."""

    def __init__(self, zone: dict[str, str], truncate: set[str]) -> None:
        self.zone, self.truncate = zone, truncate
        self.asked: list[tuple[str, str, int]] = []   # (transport, name, qtype)
        try:
            self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.udp.bind((DNS_ADDRESS, 53))
            self.tcp = socket.socket()
            self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.tcp.bind((DNS_ADDRESS, 53))
            self.tcp.listen(8)
        except OSError as error:
            pytest.fail(f"cannot listen on {DNS_ADDRESS}:53 for the scripted DNS server: {error}", pytrace=False)
        self.udp.settimeout(0.2)
        self.tcp.settimeout(0.2)
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.serve_udp, daemon=True),
                        threading.Thread(target=self.serve_tcp, daemon=True)]
        for t in self.threads:
            t.start()

    def answer(self, query: bytes, over_tcp: bool) -> bytes:
        qid, _flags, qdcount = struct.unpack("!HHH", query[:6])
        labels, i = [], 12
        while query[i]:
            labels.append(query[i + 1:i + 1 + query[i]].decode())
            i += 1 + query[i]
        question = query[12:i + 5]
        qtype = struct.unpack("!H", query[i + 1:i + 3])[0]
        name = ".".join(labels).lower()
        self.asked.append(("tcp" if over_tcp else "udp", name, qtype))
        if name in self.truncate and not over_tcp:
            return struct.pack("!HHHHHH", qid, 0x8380, 1, 0, 0, 0) + question
        if name not in self.zone:
            return struct.pack("!HHHHHH", qid, 0x8183, 1, 0, 0, 0) + question
        if qtype != 1:
            return struct.pack("!HHHHHH", qid, 0x8180, 1, 0, 0, 0) + question
        record = struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + socket.inet_aton(self.zone[name])
        return struct.pack("!HHHHHH", qid, 0x8180, 1, 1, 0, 0) + question + record

    def serve_udp(self) -> None:
        while not self.stop.is_set():
            try:
                query, peer = self.udp.recvfrom(4096)
            except socket.timeout:
                continue
            # a response with the wrong ID first: the client must ignore it and keep waiting
            wrong_id = (struct.unpack("!H", query[:2])[0] + 1) & 0xFFFF
            self.udp.sendto(struct.pack("!HH", wrong_id, 0x8180) + query[4:], peer)
            self.udp.sendto(self.answer(query, over_tcp=False), peer)

    def serve_tcp(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.tcp.accept()
            except socket.timeout:
                continue
            with conn:
                conn.settimeout(5)
                with contextlib.suppress(OSError):
                    length = struct.unpack("!H", conn.recv(2, socket.MSG_WAITALL))[0]
                    reply = self.answer(conn.recv(length, socket.MSG_WAITALL), over_tcp=True)
                    conn.sendall(struct.pack("!H", len(reply)) + reply)

    def close(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join()
        self.udp.close()
        self.tcp.close()


@pytest.fixture
def fake_dns():
    server = FakeDNS({"dolt.db.test": "127.0.0.1", "objects.db.test": "127.0.0.1"}, truncate={"objects.db.test"})
    yield server
    server.close()


def test_backfill_by_names_from_dns_with_search_list_and_tcp_fallback(make_root, settings, bucket, db, fake_dns):
    root = make_root()
    root.write("/etc/resolv.conf", f"nameserver {DNS_ADDRESS}\nsearch db.test\noptions timeout:2 attempts:1\n")
    # "objects" has fewer dots than ndots (1): the search list makes it objects.db.test, whose UDP
    # answer is truncated. "dolt.db.test" has enough dots to be asked as given first.
    run_and_verify(root, bucket, db, f"http://objects:{s3_port(settings)}", "dolt.db.test")
    assert ("udp", "dolt.db.test", 1) in fake_dns.asked and ("udp", "dolt.db.test.db.test", 1) not in fake_dns.asked
    assert ("tcp", "objects.db.test", 1) in fake_dns.asked, "a truncated answer must be retried over TCP"


def test_a_name_dns_does_not_know_is_reported_with_what_was_tried(make_root, settings, bucket, fake_dns):
    root = make_root()
    root.write("/etc/resolv.conf", f"nameserver {DNS_ADDRESS}\nsearch db.test\n")
    result = root.run("--tickers", "AAPL", db_host="nosuch")
    assert_no_crash(result)
    assert result.rc == 1, result
    assert "cannot resolve host nosuch:" in result.stderr and "nosuch.db.test, nosuch" in result.stderr, result
    assert bucket.keys() == []


def test_a_silent_nameserver_times_out_with_a_clear_error(make_root, settings, bucket):
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)   # bound, never answers
    try:
        silent.bind(("127.83.83.84", 53))
    except OSError as error:
        pytest.fail(f"cannot bind 127.83.83.84:53 for the silent nameserver: {error}", pytrace=False)
    with silent:
        root = make_root()
        root.write("/etc/resolv.conf", "nameserver 127.83.83.84\noptions timeout:1 attempts:2\n")
        result = root.run("--tickers", "AAPL", db_host="dolt.db.test")
    assert_no_crash(result)
    assert result.rc == 1, result
    assert "no answer from 127.83.83.84 within 1 s" in result.stderr, result
    assert bucket.keys() == []


# ------------------------------------------------------------------------------ HTTPS
def make_pki(directory: str) -> tuple[str, str, str]:
    """A test CA and a server certificate for "objects" and 127.0.0.1 (ECDSA P-256), as PEM files:
    (ca.pem, server.pem, server.key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.timezone.utc)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "backfill-from-dolt test CA")])

    def usage(**on: bool) -> x509.KeyUsage:
        names = ["digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
                 "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only"]
        return x509.KeyUsage(**{n: on.get(n, False) for n in names})

    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(usage(key_cert_sign=True, crl_sign=True), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    server = (x509.CertificateBuilder()
              .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "objects")]))
              .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
              .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=1))
              .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
              .add_extension(usage(digital_signature=True), critical=True)
              .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
              .add_extension(x509.SubjectAlternativeName([x509.DNSName("objects"),
                                                          x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                             critical=False)
              .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
              .sign(ca_key, hashes.SHA256()))
    paths = tuple(os.path.join(directory, n) for n in ("ca.pem", "server.pem", "server.key"))
    with open(paths[0], "wb") as f:
        f.write(ca.public_bytes(serialization.Encoding.PEM))
    with open(paths[1], "wb") as f:
        f.write(server.public_bytes(serialization.Encoding.PEM))
    with open(paths[2], "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return paths


class TLSFront:
    """A TLS 1.3 terminating proxy on 127.0.0.1 (a free port) in front of the plain-HTTP test S3
    server, the way R2 is reached: bytes are relayed unchanged, so SigV4 is still verified."""

    def __init__(self, upstream_port: int, certfile: str, keyfile: str) -> None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_3
        context.load_cert_chain(certfile, keyfile)

        async def pipe(reader, writer) -> None:
            try:
                while data := await reader.read(65536):
                    writer.write(data)
                    await writer.drain()
            except (ConnectionError, ssl.SSLError, OSError):
                pass
            finally:
                with contextlib.suppress(Exception):
                    writer.close()

        async def handle(reader, writer) -> None:
            try:
                up_reader, up_writer = await asyncio.open_connection("127.0.0.1", upstream_port)
            except OSError:
                writer.close()
                return
            await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        start = asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)
        self.server = asyncio.run_coroutine_threadsafe(start, self.loop).result(10)
        self.port = self.server.sockets[0].getsockname()[1]

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.server.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture
def tls_front(settings, tmp_path):
    ca, cert, key = make_pki(str(tmp_path))
    front = TLSFront(int(s3_port(settings)), cert, key)
    front.ca = ca
    yield front
    front.close()


def https_root(make_root, tls_front) -> EmptyRoot:
    root = make_root()
    root.write("/etc/hosts", "127.0.0.1 objects\n")
    shutil.copy(tls_front.ca, os.path.join(root.path, "ca.pem"))
    return root


def test_backfill_over_https_trusting_the_ca_bundle_named_by_ssl_cert_file(make_root, tls_front, bucket, db):
    root = https_root(make_root, tls_front)
    run_and_verify(root, bucket, db, f"https://objects:{tls_front.port}", "127.0.0.1", env={"SSL_CERT_FILE": "/ca.pem"})


def test_check_over_https_in_an_empty_root(make_root, tls_front, bucket):
    root = https_root(make_root, tls_front)
    result = root.run("--check", endpoint=f"https://objects:{tls_front.port}", env={"SSL_CERT_FILE": "/ca.pem"})
    assert result.rc == 0, result
    assert bucket.keys() == []


def test_https_without_a_ca_bundle_is_a_clear_error(make_root, tls_front, bucket):
    root = https_root(make_root, tls_front)
    result = root.run("--tickers", "AAPL", endpoint=f"https://objects:{tls_front.port}")
    assert_no_crash(result)
    assert result.rc in (1, 2), result
    assert "no CA bundle found" in result.stderr and "SSL_CERT_FILE" in result.stderr, result
    assert bucket.keys() == []


def test_dolt_over_tls_verify_identity_with_the_ca_in_the_root(make_root, settings, bucket):
    port, ca = settings.get("DOLT_TLS_PORT"), settings.get("DOLT_TLS_CA")
    if not port or not ca:
        pytest.fail("env.sh has no DOLT_TLS_PORT/DOLT_TLS_CA: run servers-up.sh again", pytrace=False)
    load_sample_data("127.0.0.1", int(port))
    root = make_root()
    shutil.copy(ca, os.path.join(root.path, "dolt-ca.pem"))
    result = root.run("--dolt-host", "localhost", "--dolt-port", port, "--dolt-ssl-mode", "verify-identity",
                      "--dolt-ssl-ca", "/dolt-ca.pem", "--tickers", "MSFT", "--prices-only", "--start-date", "2024-12-01",
                      db_host=None)
    assert result.rc == 0, result
    assert bucket.keys() == ["prices/v1/MSFT/2024/12/data.parquet"], result
