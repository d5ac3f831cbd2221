"""Fault-injecting proxies for the integration tests, loopback only, run as threads in pytest.

HTTPFaultProxy sits in front of the S3 server. For every request it asks `plan(request)` what to
do: forward it, answer with an error status (an S3 error document, like R2 sends), reset the
connection before or after forwarding (the write lands but its answer is lost), delay, trickle the
answer byte by byte, or hang. TCPFaultProxy sits in front of MariaDB and can cut a connection
after a number of server bytes (mid-result) and stop accepting (the server "died").

Every loop is bounded by the proxy's stop event and socket timeouts, so a test can never hang on
the proxy itself.
"""
from __future__ import annotations

import dataclasses
import random
import socket
import struct
import threading
import time
from typing import Callable

IO_TIMEOUT = 30.0
MAX_HEADER = 64 * 1024
MAX_BODY = 256 * 1024 * 1024

ERROR_CODES = {429: "TooManyRequests", 500: "InternalError", 502: "BadGateway", 503: "SlowDown",
               504: "GatewayTimeout"}


@dataclasses.dataclass
class Request:
    method: str
    target: str
    headers: dict[str, str]
    raw: bytes
    index: int          # 0-based, over all requests the proxy saw
    per_key: int        # 0-based, over requests with the same method and target path

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]


@dataclasses.dataclass(frozen=True)
class Action:
    kind: str           # forward | status | reset | forward_reset | delay | trickle | hang
    status: int = 0
    seconds: float = 0.0
    retry_after: str | None = None


FORWARD = Action("forward")


def status(code: int, retry_after: str | None = None) -> Action:
    return Action("status", status=code, retry_after=retry_after)


def seeded_share(seed: int, share: float, actions: list[Action],
                 only: Callable[[Request], bool] = lambda r: True) -> Callable[[Request], Action]:
    """A plan that hits a fixed-seed share of requests. The draw depends only on the seed, the
    method, the path and how often that request was seen, so it does not depend on thread timing."""
    def plan(request: Request) -> Action:
        if not only(request):
            return FORWARD
        rng = random.Random(f"{seed}:{request.method}:{request.path}:{request.per_key}")
        if rng.random() < share:
            return actions[rng.randrange(len(actions))]
        return FORWARD
    return plan


def first_n_per_key(n: int, action: Action, only: Callable[[Request], bool] = lambda r: True):
    def plan(request: Request) -> Action:
        return action if only(request) and request.per_key < n else FORWARD
    return plan


def _reset(sock: socket.socket) -> None:
    """Close with RST instead of FIN (SO_LINGER 0), like a crashed peer or middlebox."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()


class _Reader:
    """Buffered reads from a socket with bounds."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = b""

    def _fill(self) -> bool:
        data = self.sock.recv(65536)
        if not data:
            return False
        self.buf += data
        return True

    def head(self) -> bytes | None:
        while b"\r\n\r\n" not in self.buf:
            if len(self.buf) > MAX_HEADER or not self._fill():
                return None
        end = self.buf.index(b"\r\n\r\n") + 4
        out, self.buf = self.buf[:end], self.buf[end:]
        return out

    def exactly(self, n: int) -> bytes:
        if n > MAX_BODY:
            raise ValueError("body too large")
        while len(self.buf) < n:
            if not self._fill():
                raise ConnectionError("peer closed mid-body")
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def line(self) -> bytes:
        while b"\r\n" not in self.buf:
            if len(self.buf) > MAX_HEADER or not self._fill():
                raise ConnectionError("peer closed mid-line")
        end = self.buf.index(b"\r\n") + 2
        out, self.buf = self.buf[:end], self.buf[end:]
        return out

    def rest(self) -> bytes:
        while self._fill():
            if len(self.buf) > MAX_BODY:
                raise ValueError("body too large")
        out, self.buf = self.buf, b""
        return out


def _parse_head(head: bytes) -> tuple[str, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    return lines[0], headers


def _read_body(reader: _Reader, headers: dict[str, str], no_body: bool) -> bytes:
    if no_body:
        return b""
    if "chunked" in headers.get("transfer-encoding", "").lower():
        out = b""
        while True:
            size_line = reader.line()
            out += size_line
            size = int(size_line.split(b";")[0].strip(), 16)
            out += reader.exactly(size + 2)
            if size == 0:
                # trailers end with an empty line (already consumed "\r\n" above when none)
                return out
    if "content-length" in headers:
        return reader.exactly(int(headers["content-length"]))
    return reader.rest()


class HTTPFaultProxy:
    def __init__(self, upstream_port: int, plan: Callable[[Request], Action]) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.plan = plan
        self.lock = threading.Lock()
        self.counts: dict[tuple[str, str], int] = {}
        self.injected: dict[str, int] = {}
        self.upstream_statuses: dict[int, int] = {}
        self.requests = 0
        self.stop_event = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.threads: list[threading.Thread] = []
        self.acceptor = threading.Thread(target=self._accept, daemon=True)
        self.acceptor.start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.stop_event.set()
        self.acceptor.join(5)
        self.listener.close()
        for t in self.threads:
            t.join(5)

    def __enter__(self) -> "HTTPFaultProxy":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _accept(self) -> None:
        while not self.stop_event.is_set():
            try:
                conn, _ = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            t = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self.threads.append(t)
            t.start()

    def _note(self, kind: str) -> None:
        with self.lock:
            self.injected[kind] = self.injected.get(kind, 0) + 1

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(IO_TIMEOUT)
        reader = _Reader(conn)
        try:
            while not self.stop_event.is_set():
                head = reader.head()
                if head is None:
                    break
                line, headers = _parse_head(head)
                method, target = line.split(" ")[:2]
                body = _read_body(reader, headers, no_body=False) if "content-length" in headers else b""
                with self.lock:
                    key = (method, target.split("?", 1)[0])
                    per_key = self.counts.get(key, 0)
                    self.counts[key] = per_key + 1
                    index = self.requests
                    self.requests += 1
                request = Request(method, target, headers, head + body, index, per_key)
                action = self.plan(request)
                if action.kind != "forward":
                    self._note(action.kind if action.kind != "status" else str(action.status))
                if action.kind == "status":
                    conn.sendall(self._error_response(action, target))
                    continue
                if action.kind == "reset":
                    _reset(conn)
                    return
                if action.kind == "hang":
                    self.stop_event.wait(IO_TIMEOUT * 4)
                    break
                if action.kind == "delay":
                    if self.stop_event.wait(action.seconds):
                        break
                response, keep = self._forward(request)
                if action.kind == "forward_reset":
                    _reset(conn)
                    return
                if action.kind == "trickle":
                    for i in range(len(response)):
                        if self.stop_event.wait(action.seconds):
                            break
                        conn.sendall(response[i:i + 1])
                    break
                conn.sendall(response)
                if not keep:
                    break
        except (OSError, ValueError, ConnectionError):
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def _forward(self, request: Request) -> tuple[bytes, bool]:
        with socket.create_connection(self.upstream, timeout=IO_TIMEOUT) as up:
            up.sendall(request.raw)
            reader = _Reader(up)
            head = reader.head()
            if head is None:
                raise ConnectionError("upstream closed")
            line, headers = _parse_head(head)
            code = int(line.split(" ")[1])
            with self.lock:
                self.upstream_statuses[code] = self.upstream_statuses.get(code, 0) + 1
            no_body = request.method == "HEAD" or code in (204, 304) or 100 <= code < 200
            body = _read_body(reader, headers, no_body)
            if "content-length" not in headers and "chunked" not in headers.get("transfer-encoding", "") \
                    and not no_body:
                # close-delimited upstream body: re-frame it so the client connection can be kept
                head = head[:-2] + f"Content-Length: {len(body)}\r\n\r\n".encode()
            keep = headers.get("connection", "").lower() != "close"
            return head + body, keep

    @staticmethod
    def _error_response(action: Action, target: str) -> bytes:
        code = ERROR_CODES.get(action.status, "InternalError")
        body = (f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
                f"<Message>injected by the fault proxy</Message><Resource>{target}</Resource>"
                f"<RequestId>fault-proxy</RequestId></Error>").encode()
        reason = {429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
                  503: "Service Unavailable", 504: "Gateway Timeout"}.get(action.status, "Error")
        head = f"HTTP/1.1 {action.status} {reason}\r\nContent-Type: application/xml\r\n" \
               f"Content-Length: {len(body)}\r\n"
        if action.retry_after is not None:
            head += f"Retry-After: {action.retry_after}\r\n"
        return head.encode() + b"\r\n" + body


class TCPFaultProxy:
    """Forwards bytes to MariaDB. `cut_after`: the first connection whose server-to-client bytes
    pass this many is cut there (both sides reset), once. `die_on_cut`: after the cut the proxy
    stops accepting and drops every open connection, as if the server had stopped."""

    def __init__(self, upstream_port: int, cut_after: int | None = None, die_on_cut: bool = False) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.cut_after = cut_after
        self.die_on_cut = die_on_cut
        self.lock = threading.Lock()
        self.cuts = 0
        self.connections = 0
        self.stop_event = threading.Event()
        self.dead = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.open: list[socket.socket] = []
        self.threads: list[threading.Thread] = []
        self.acceptor = threading.Thread(target=self._accept, daemon=True)
        self.acceptor.start()

    def stop(self) -> None:
        self.stop_event.set()
        self.acceptor.join(5)
        self._close_listener()
        self._drop_all()
        for t in self.threads:
            t.join(5)

    def __enter__(self) -> "TCPFaultProxy":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _close_listener(self) -> None:
        try:
            self.listener.close()
        except OSError:
            pass

    def _drop_all(self) -> None:
        with self.lock:
            socks, self.open = self.open, []
        for s in socks:
            _reset(s)

    def _accept(self) -> None:
        while not self.stop_event.is_set() and not self.dead.is_set():
            try:
                client, _ = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            if self.dead.is_set():
                _reset(client)
                return
            try:
                server = socket.create_connection(self.upstream, timeout=IO_TIMEOUT)
            except OSError:
                _reset(client)
                continue
            with self.lock:
                self.connections += 1
                self.open += [client, server]
            state = {"down": 0}
            for src, dst, down in ((client, server, False), (server, client, True)):
                t = threading.Thread(target=self._pump, args=(src, dst, down, state), daemon=True)
                self.threads.append(t)
                t.start()
        if self.dead.is_set():
            self._close_listener()

    def _pump(self, src: socket.socket, dst: socket.socket, down: bool, state: dict) -> None:
        try:
            src.settimeout(0.2)
            while not self.stop_event.is_set():
                try:
                    data = src.recv(4096)
                except socket.timeout:
                    continue
                if not data:
                    break
                if down and self.cut_after is not None:
                    with self.lock:
                        cut = self.cuts == 0 and state["down"] + len(data) > self.cut_after
                        if cut:
                            self.cuts += 1
                    if cut:
                        dst.sendall(data[:max(0, self.cut_after - state["down"])])
                        _reset(src)
                        _reset(dst)
                        if self.die_on_cut:
                            self.dead.set()
                            self._close_listener()
                            self._drop_all()
                        return
                    state["down"] += len(data)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
