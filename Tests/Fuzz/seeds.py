#!/usr/bin/env python3
"""Writes the fuzzers' seed corpora into OUT/<target>/ from Fixtures (and a few small hand-written
messages where Fixtures has none). Each target's first input byte is a selector (chunk size,
method), so seeds get one prepended. Usage: seeds.py OUT"""
from __future__ import annotations

import base64
import glob
import hashlib
import json
import os
import re
import sys

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
FIX = os.path.join(REPO, "Fixtures")
MAX_SEED = 64 * 1024


def write(out: str, target: str, data: bytes) -> None:
    if len(data) > MAX_SEED:
        return
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def packet(seq: int, payload: bytes) -> bytes:
    return len(payload).to_bytes(3, "little") + bytes([seq]) + payload


def lenenc(b: bytes) -> bytes:
    return bytes([len(b)]) + b


def mysql(out: str) -> None:
    with open(os.path.join(FIX, "mysql", "mariadb-10.11-greeting.hex")) as f:
        greeting = bytes.fromhex(f.read().strip())
    ok = b"\x00\x00\x00\x02\x00\x00\x00"
    column = lenenc(b"def") + lenenc(b"market_data") + lenenc(b"prices") + lenenc(b"prices") + \
        lenenc(b"close") + lenenc(b"close") + b"\x0c" + b"\x3f\x00" + b"\x16\x00\x00\x00" + b"\xf6" + \
        b"\x00\x00" + b"\x04" + b"\x00\x00"
    eof = b"\xfe\x00\x00\x02\x00"
    rows = [lenenc(b"123.4500"), b"\xfb"]
    session = greeting + packet(2, ok)
    result = packet(1, b"\x01") + packet(2, column) + packet(3, eof)
    for i, r in enumerate(rows):
        result += packet(4 + i, r)
    result += packet(4 + len(rows), eof)
    for selector in (0, 3, 15):
        write(out, "mysql", bytes([selector]) + greeting)
        write(out, "mysql", bytes([selector]) + session + result)
    write(out, "mysql", b"\x00" + packet(0, b"\xff\x15\x04#28000Access denied for user"))


def http(out: str) -> None:
    msgs = [
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nETag: \"abc\"\r\n\r\nhello",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n0\r\nTrailer: x\r\n\r\n",
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
        b"HTTP/1.1 503 Slow Down\r\nRetry-After: 2\r\nContent-Length: 0\r\n\r\n"
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
        b"HTTP/1.0 200 OK\r\nConnection: close\r\n\r\nbody until close",
    ]
    for m in msgs:
        for selector in (0x00, 0x07, 0x80):
            write(out, "http", bytes([selector]) + m)


def s3xml(out: str) -> None:
    write(out, "s3xml", b'<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
          b"<Name>b</Name><IsTruncated>true</IsTruncated><Contents><Key>a&amp;b&#x2F;c</Key><ETag>&quot;e&quot;</ETag>"
          b"<Size>12</Size></Contents><NextContinuationToken>t</NextContinuationToken></ListBucketResult>")
    write(out, "s3xml", b'<?xml version="1.0"?><Error><Code>SignatureDoesNotMatch</Code><Message>m</Message>'
          b"<CanonicalRequest>GET\n/\n</CanonicalRequest><StringToSign>s</StringToSign><RequestId>r</RequestId></Error>")
    write(out, "s3xml", b"<!-- c --><a><![CDATA[x]]><b/></a>")


def parquet(out: str) -> None:
    for path in sorted(glob.glob(os.path.join(FIX, "parquet", "**", "*.parquet"), recursive=True)):
        with open(path, "rb") as f:
            write(out, "parquet", f.read())


def pem_blocks(text: str) -> list[bytes]:
    return [base64.b64decode("".join(m.split()))
            for m in re.findall(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", text, re.S)]


def x509(out: str) -> None:
    for path in sorted(glob.glob(os.path.join(FIX, "x509", "**", "*"), recursive=True)):
        if os.path.isdir(path) or path.endswith((".py", "LICENSE", ".md")):
            continue
        with open(path, "rb") as f:
            data = f.read()
        text = data.decode("latin-1")
        ders = pem_blocks(text.replace("\\n", "\n"))
        for der in ders[:4]:
            write(out, "x509", der)
        if ders and len(data) < MAX_SEED and "BEGIN CERTIFICATE" in text and not path.endswith(".json"):
            write(out, "x509", data)
    with open(os.path.join(FIX, "tls", "rfc8448-simple-1rtt.json")) as f:
        write(out, "x509", bytes.fromhex(json.load(f)["server_certificate_der"]))


def tls(out: str) -> None:
    with open(os.path.join(FIX, "tls", "rfc8448-simple-1rtt.json")) as f:
        doc = json.load(f)
    server = b"".join(bytes.fromhex(r["record"]) for r in doc["records"] if r["direction"] == "server->client")
    for selector in (0x3F, 0x04):
        write(out, "tls", bytes([selector]) + server)
    for name, body in doc["handshake_messages"].items():
        if isinstance(body, str) and re.fullmatch(r"[0-9a-f]+", body):
            write(out, "tls", b"\x3f" + bytes.fromhex(body)[4:])
    for path in sorted(glob.glob(os.path.join(FIX, "tls", "openssl", "*.transcript"))):
        with open(path) as f:
            flight = b"".join(bytes.fromhex(line[2:].strip()) for line in f if line.startswith("< "))
        write(out, "tls", b"\x3f" + flight)


if __name__ == "__main__":
    target_dir = sys.argv[1]
    for make in (mysql, http, s3xml, parquet, x509, tls):
        make(target_dir)
