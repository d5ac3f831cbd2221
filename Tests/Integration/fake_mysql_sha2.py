"""A scripted MySQL 8.4-style server for the caching_sha2_password flows, which MariaDB lacks.

It follows the MySQL client/server protocol byte for byte (MySQL internals "Connection Phase",
"caching_sha2_password information exchange"; research note dolt-mysql-protocol.md §5):

  greeting (seq 0) → [SSLRequest (seq 1) → TLS 1.3 via Python's ssl module] → HandshakeResponse41
  → [AuthSwitchRequest → switched response] → caching_sha2_password:
      fast path:  01 03, OK
      full path:  01 04; over TLS the client sends password‖00; over plain TCP it sends 02, gets
                  01 + PEM public key, and sends RSA-OAEP-SHA1((password‖00) XOR nonce)
  → OK / ERR 1045, then COM_QUERY with a tiny `prices` table, COM_PING, COM_QUIT.

Every scramble the client sends is compared with PyMySQL's own functions
(pymysql._auth.scramble_caching_sha2 / scramble_native_password), the RSA ciphertext is decrypted
with Python's `cryptography` and the server's private key, and every sequence id is checked; what
the server saw is recorded in `FakeServer.connections` for the tests to assert on.

Loopback only and bounded: at most `max_connections` connections, 10 s socket timeouts, packets
up to 1 MiB. Usable as a module (FakeServer) or stand-alone for manual tries:
  python3 fake_mysql_sha2.py --password s3cr3t [--full] [--tls CERT KEY] [--switch PLUGIN]   (prints its port)
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import socket
import ssl
import struct
import threading
from decimal import Decimal

import pymysql._auth as pyauth
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

NATIVE = "mysql_native_password"
SHA2 = "caching_sha2_password"

# Capability bits (MySQL include/mysql_com.h)
LONG_PASSWORD, FOUND_ROWS, LONG_FLAG, CONNECT_WITH_DB = 0x1, 0x2, 0x4, 0x8
PROTOCOL_41, SSL, TRANSACTIONS, SECURE_CONNECTION = 0x200, 0x800, 0x2000, 0x8000
MULTI_RESULTS, PLUGIN_AUTH, CONNECT_ATTRS, PLUGIN_AUTH_LENENC = 1 << 17, 1 << 19, 1 << 20, 1 << 21
DEPRECATE_EOF = 1 << 24
SERVER_CAPS = (LONG_PASSWORD | FOUND_ROWS | LONG_FLAG | CONNECT_WITH_DB | PROTOCOL_41 | TRANSACTIONS
               | SECURE_CONNECTION | MULTI_RESULTS | PLUGIN_AUTH | CONNECT_ATTRS | PLUGIN_AUTH_LENENC | DEPRECATE_EOF)
MAX_PACKET = 1 << 20
STATUS_AUTOCOMMIT = 0x0002

# The `prices` table the fake serves: the guide's columns and two AAPL rows.
PRICE_ROWS = [
    {"ticker": "AAPL", "date": dt.date(2024, 1, 2), "open": Decimal("187.1500"), "high": Decimal("188.4400"),
     "low": Decimal("183.8850"), "close": Decimal("185.6400"), "adj_close": Decimal("184.9381"), "volume": 82488700},
    {"ticker": "AAPL", "date": dt.date(2024, 1, 3), "open": Decimal("184.2200"), "high": Decimal("185.8800"),
     "low": Decimal("183.4300"), "close": Decimal("184.2500"), "adj_close": None, "volume": None},
]
# name, type, flags (NOT_NULL 1), length, decimals, charset
PRICE_COLUMNS = [("ticker", 0xFD, 0x1, 80, 0, 255), ("date", 0x0A, 0x1, 10, 0, 63)] + \
    [(n, 0xF6, 0x0, 22, 4, 63) for n in ("open", "high", "low", "close", "adj_close")] + [("volume", 0x08, 0x0, 20, 0, 63)]


class ProtocolError(Exception):
    """The client broke the protocol (recorded, connection closed)."""


@dataclasses.dataclass
class Scenario:
    password: str = "s3cr3t"
    greeting_plugin: str = SHA2
    cached: bool = False            # fast path (01 03) instead of full authentication (01 04)
    switch_to: str | None = None    # send an AuthSwitchRequest to this plugin after the first response
    tls: tuple[str, str] | None = None  # (cert, key): advertise CLIENT_SSL and serve TLS 1.3
    pem_format: str = "spki"        # "spki" (BEGIN PUBLIC KEY) or "pkcs1" (BEGIN RSA PUBLIC KEY)
    version: str = "8.4.3"


@dataclasses.dataclass
class Seen:
    """What one connection did, for the tests."""
    tls: bool = False
    ssl_request: bool = False
    user: str = ""
    database: str | None = None
    client_plugin: str = ""
    plugins: list[str] = dataclasses.field(default_factory=list)  # plugins whose responses were checked
    scrambles_ok: list[bool] = dataclasses.field(default_factory=list)
    full_auth: str | None = None   # "tls" or "rsa"
    key_requested: bool = False
    password_ok: bool | None = None
    authenticated: bool = False
    queries: list[str] = dataclasses.field(default_factory=list)
    quit: bool = False
    error: str | None = None


def lenenc_int(n: int) -> bytes:
    if n < 251:
        return bytes([n])
    if n < 1 << 16:
        return b"\xfc" + struct.pack("<H", n)
    if n < 1 << 24:
        return b"\xfd" + struct.pack("<I", n)[:3]
    return b"\xfe" + struct.pack("<Q", n)


def lenenc_str(b: bytes) -> bytes:
    return lenenc_int(len(b)) + b


def nonce20() -> bytes:
    # MySQL's generate_user_salt: printable-ish bytes, never NUL or '$'.
    out = bytearray(b & 0x7F for b in os.urandom(20))
    for i, b in enumerate(out):
        if b in (0, ord("$")):
            out[i] = b + 1
    return bytes(out)


class Conn:
    def __init__(self, sock: socket.socket, scenario: Scenario, key: rsa.RSAPrivateKey, seen: Seen) -> None:
        self.sock, self.sc, self.key, self.seen = sock, scenario, key, seen
        self.seq = 0
        self.caps = 0

    # -- framing
    def recv_exact(self, n: int) -> bytes:
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise EOFError("client closed the connection")
            buf += chunk
        return buf

    def read(self) -> bytes:
        header = self.recv_exact(4)
        length = header[0] | header[1] << 8 | header[2] << 16
        if length > MAX_PACKET:
            raise ProtocolError(f"packet of {length} bytes")
        if header[3] != self.seq:
            raise ProtocolError(f"sequence id {header[3]}, expected {self.seq}")
        self.seq = (self.seq + 1) & 0xFF
        return self.recv_exact(length)

    def write(self, payload: bytes) -> None:
        self.sock.sendall(struct.pack("<I", len(payload))[:3] + bytes([self.seq]) + payload)
        self.seq = (self.seq + 1) & 0xFF

    def ok(self, header: int = 0) -> None:
        self.write(bytes([header, 0, 0]) + struct.pack("<HH", STATUS_AUTOCOMMIT, 0))

    def err(self, code: int, state: str, message: str) -> None:
        self.write(b"\xff" + struct.pack("<H", code) + b"#" + state.encode() + message.encode())

    # -- connection phase
    def greeting(self, nonce: bytes) -> None:
        caps = SERVER_CAPS | (SSL if self.sc.tls else 0)
        p = b"\x0a" + self.sc.version.encode() + b"\0" + struct.pack("<I", 11) + nonce[:8] + b"\0"
        p += struct.pack("<H", caps & 0xFFFF) + bytes([255]) + struct.pack("<H", STATUS_AUTOCOMMIT)
        p += struct.pack("<H", caps >> 16) + bytes([21]) + b"\0" * 10 + nonce[8:] + b"\0"
        p += self.sc.greeting_plugin.encode() + b"\0"
        self.write(p)

    def parse_response(self, p: bytes) -> tuple[bytes, str]:
        if len(p) < 32 or p[9:32] != b"\0" * 23:
            raise ProtocolError("HandshakeResponse41 shorter than 32 bytes or filler not zero")
        caps = struct.unpack_from("<I", p)[0]
        if not caps & PROTOCOL_41 or caps & ~(SERVER_CAPS | SSL):
            raise ProtocolError(f"client capabilities {caps:#x} not a subset of the server's")
        if bool(caps & SSL) != self.seen.tls:
            raise ProtocolError("CLIENT_SSL in the response does not match the connection")
        self.caps = caps
        i = 32
        end = p.index(b"\0", i)
        self.seen.user = p[i:end].decode()
        i = end + 1
        if caps & PLUGIN_AUTH_LENENC:
            n = p[i]
            if n >= 251:
                raise ProtocolError("auth response longer than 250 bytes")
            auth, i = p[i + 1:i + 1 + n], i + 1 + n
        else:
            n = p[i]
            auth, i = p[i + 1:i + 1 + n], i + 1 + n
        if caps & CONNECT_WITH_DB:
            end = p.index(b"\0", i)
            self.seen.database, i = p[i:end].decode(), end + 1
        plugin = ""
        if caps & PLUGIN_AUTH:
            end = p.index(b"\0", i)
            plugin, i = p[i:end].decode(), end + 1
        if caps & CONNECT_ATTRS:
            total = p[i]
            i += 1 + total
        if i != len(p):
            raise ProtocolError("trailing bytes after the HandshakeResponse41")
        return auth, plugin

    def check_scramble(self, plugin: str, auth: bytes, nonce: bytes) -> None:
        pw = self.sc.password.encode()
        if plugin == NATIVE:
            expected = pyauth.scramble_native_password(pw, nonce) if pw else b""
        elif plugin == SHA2:
            expected = pyauth.scramble_caching_sha2(pw, nonce) if pw else b""
        else:
            raise ProtocolError(f"response for unexpected plugin {plugin!r}")
        self.seen.plugins.append(plugin)
        self.seen.scrambles_ok.append(auth == expected)

    def public_pem(self) -> bytes:
        fmt = (serialization.PublicFormat.PKCS1 if self.sc.pem_format == "pkcs1"
               else serialization.PublicFormat.SubjectPublicKeyInfo)
        return self.key.public_key().public_bytes(serialization.Encoding.PEM, fmt)

    def authenticate(self) -> bool:
        nonce = nonce20()
        self.greeting(nonce)
        p = self.read()
        if self.sc.tls and len(p) == 32 and struct.unpack_from("<I", p)[0] & SSL:
            self.seen.ssl_request = True
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.minimum_version = ssl.TLSVersion.TLSv1_3
            ctx.load_cert_chain(*self.sc.tls)
            self.sock = ctx.wrap_socket(self.sock, server_side=True)
            self.seen.tls = True
            p = self.read()
        auth, plugin = self.parse_response(p)
        self.seen.client_plugin = plugin
        self.check_scramble(plugin, auth, nonce)
        if self.sc.switch_to:
            nonce = nonce20()
            self.write(b"\xfe" + self.sc.switch_to.encode() + b"\0" + nonce + b"\0")
            auth = self.read()
            plugin = self.sc.switch_to
            self.check_scramble(plugin, auth, nonce)
        elif plugin != self.sc.greeting_plugin:
            raise ProtocolError(f"client answered with {plugin!r}, the greeting offered {self.sc.greeting_plugin!r}")
        if plugin == NATIVE or not self.sc.password:
            return self.finish(self.seen.scrambles_ok[-1])
        if self.sc.cached:
            if not self.seen.scrambles_ok[-1]:
                return self.finish(False)
            self.write(b"\x01\x03")
            return self.finish(True)
        self.write(b"\x01\x04")
        p = self.read()
        if self.seen.tls:
            self.seen.full_auth = "tls"
            return self.finish(p == self.sc.password.encode() + b"\0")
        if p != b"\x02":
            # Anything else on plain TCP would be the password in clear (or garbage): refuse.
            self.seen.full_auth = "cleartext!" if self.sc.password.encode() in p else "garbage"
            return self.finish(False)
        self.seen.key_requested = True
        self.seen.full_auth = "rsa"
        self.write(b"\x01" + self.public_pem())
        cipher = self.read()
        oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None)
        try:
            plain = self.key.decrypt(cipher, oaep)
        except ValueError:
            raise ProtocolError("the RSA ciphertext does not decrypt with OAEP-SHA1")
        password = bytes(b ^ nonce[i % len(nonce)] for i, b in enumerate(plain))
        return self.finish(password == self.sc.password.encode() + b"\0")

    def finish(self, ok: bool) -> bool:
        self.seen.password_ok = ok
        if ok:
            self.ok()
            self.seen.authenticated = True
        else:
            self.err(1045, "28000", f"Access denied for user '{self.seen.user}'@'localhost' (using password: YES)")
        return ok

    # -- command phase
    def result(self, columns: list[tuple], rows: list[list[bytes | None]]) -> None:
        self.write(lenenc_int(len(columns)))
        for name, typ, flags, length, decimals, charset in columns:
            p = b"".join(lenenc_str(s) for s in (b"def", b"market_data", b"prices", b"prices", name.encode(), name.encode()))
            p += b"\x0c" + struct.pack("<HIBHB", charset, length, typ, flags, decimals) + b"\0\0"
            self.write(p)
        deprecate_eof = bool(self.caps & DEPRECATE_EOF)
        if not deprecate_eof:
            self.write(b"\xfe" + struct.pack("<HH", 0, STATUS_AUTOCOMMIT))
        for row in rows:
            self.write(b"".join(b"\xfb" if v is None else lenenc_str(v) for v in row))
        if deprecate_eof:
            self.ok(header=0xFE)
        else:
            self.write(b"\xfe" + struct.pack("<HH", 0, STATUS_AUTOCOMMIT))

    @staticmethod
    def cell(v) -> bytes | None:
        return None if v is None else str(v).encode()

    def query(self, sql: str) -> None:
        self.seen.queries.append(sql)
        if sql.startswith("SELECT * FROM `prices`"):
            rows = [] if sql.endswith("LIMIT 0") else [[self.cell(r[c[0]]) for c in PRICE_COLUMNS] for r in PRICE_ROWS]
            if "`ticker` = 'AAPL'" not in sql and not sql.endswith("LIMIT 0"):
                rows = []
            self.result(PRICE_COLUMNS, rows)
        elif sql.startswith("SELECT COUNT(*), COUNT(DISTINCT `ticker`) FROM `prices`"):
            self.result([("COUNT(*)", 0x08, 0x1, 21, 0, 63), ("COUNT(DISTINCT ticker)", 0x08, 0x1, 21, 0, 63)],
                        [[str(len(PRICE_ROWS)).encode(), b"1"]])
        elif sql.startswith("SELECT DISTINCT `ticker` FROM `prices`"):
            self.result([PRICE_COLUMNS[0]], [[b"AAPL"]])
        else:
            self.err(1064, "42000", "this fake server only knows the prices table")

    def serve(self) -> None:
        if not self.authenticate():
            return
        while True:
            self.seq = 0
            try:
                p = self.read()
            except EOFError:
                return
            if not p:
                raise ProtocolError("empty command packet")
            if p[0] == 0x01:
                self.seen.quit = True
                return
            if p[0] == 0x0E:
                self.ok()
            elif p[0] == 0x03:
                self.query(p[1:].decode())
            else:
                self.err(1047, "08S01", f"unknown command {p[0]:#x}")


class FakeServer:
    """Serves `scenario` on 127.0.0.1:<ephemeral port> from a daemon thread."""

    def __init__(self, scenario: Scenario, max_connections: int = 8) -> None:
        self.scenario = scenario
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.connections: list[Seen] = []
        self.max_connections = max_connections
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.stopping = threading.Event()
        self.workers: list[threading.Thread] = []
        self.thread = threading.Thread(target=self.accept_loop, daemon=True)
        self.thread.start()

    def accept_loop(self) -> None:
        while not self.stopping.is_set() and len(self.connections) < self.max_connections:
            try:
                sock, _ = self.listener.accept()
            except OSError:
                continue
            sock.settimeout(10)
            seen = Seen()
            self.connections.append(seen)
            t = threading.Thread(target=self.handle, args=(sock, seen), daemon=True)
            self.workers.append(t)
            t.start()

    def handle(self, sock: socket.socket, seen: Seen) -> None:
        conn = Conn(sock, self.scenario, self.key, seen)
        try:
            conn.serve()
        except EOFError as e:
            seen.error = seen.error or f"eof: {e}"
        except (ProtocolError, ValueError, IndexError, OSError, ssl.SSLError) as e:
            seen.error = f"{type(e).__name__}: {e}"
        finally:
            try:
                conn.sock.close()
            except OSError:
                pass

    def close(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=2)
        for t in self.workers:
            t.join(timeout=5)
        self.listener.close()

    def __enter__(self) -> "FakeServer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--password", default="s3cr3t")
    ap.add_argument("--full", action="store_true", help="full authentication instead of the fast path")
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--switch", choices=[NATIVE, SHA2])
    ap.add_argument("--greeting-plugin", default=SHA2, choices=[NATIVE, SHA2])
    args = ap.parse_args()
    sc = Scenario(password=args.password, greeting_plugin=args.greeting_plugin, cached=not args.full,
                  switch_to=args.switch, tls=tuple(args.tls) if args.tls else None)
    server = FakeServer(sc, max_connections=100)
    print(f"listening on 127.0.0.1:{server.port}", flush=True)
    try:
        server.thread.join()
    except KeyboardInterrupt:
        pass
    server.close()
    for seen in server.connections:
        print(seen)


if __name__ == "__main__":
    main()
