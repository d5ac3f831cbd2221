#!/usr/bin/env python3
"""Local stand-in for Cloudflare R2: moto's S3 in server mode with SigV4 verification switched ON.

Usage: s3_server.py [--host 127.0.0.1] [--port 19000] [--bucket market-data]
Started in the background by servers-up.sh; stopped by servers-down.sh (SIGTERM).
Prints "READY" on stdout once it listens.

Credentials are fixed (R2-shaped: 32 hex key id, 64 hex secret), see ACCESS_KEY_ID / SECRET_ACCESS_KEY.

Why the wrapper around moto:
* moto checks signatures only when IAM authentication is on (settings.INITIAL_NO_AUTH_ACTION_COUNT
  reached); we register an IAM user with our fixed key pair and switch authentication on at once.
* moto recomputes the canonical request from werkzeug's re-quoted URL, which differs from the raw
  request target for keys with '%', '=', '+', ':' ... (e.g. 'RDS%2FA' sent as 'RDS%252FA'), so a
  correct client gets a false SignatureDoesNotMatch. We hand moto the AWS canonical form of the raw
  request target (decode once, encode all but A-Z a-z 0-9 - _ . ~ and '/'; query pairs re-encoded
  and sorted), as S3 and R2 compute it.
* moto trusts x-amz-content-sha256 blindly and answers 500 to unsigned requests; R2 does not. We
  require a signed x-amz-date (clock skew <= 15 min), a signed host header, every x-amz-* header
  signed, and an x-amz-content-sha256 that equals sha256(body) when it is a hex digest.
* On SignatureDoesNotMatch the server-side canonical request and string to sign go to stderr (the
  log file), to debug a hand-written signer.
* POST/PUT/DELETE to /moto-api/* are refused, so nothing can switch verification off or wipe the users.
Conditional PUT (If-Match / If-None-Match -> 412 PreconditionFailed) is moto's own behaviour.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import json
import os
import re
import signal
import sys
import threading
from urllib.parse import quote, unquote_to_bytes
from xml.sax.saxutils import escape

ACCESS_KEY_ID = "8930e724f8d77097aec1caca497b05ca"
SECRET_ACCESS_KEY = "388ae1ed6c321590c7342ea3301b997fa8a54fd1013f8d4c46fb5213a9fa4bc3"
MOTO_ACCOUNT = "123456789012"
MAX_SKEW_SECONDS = 900
AUTH_RE = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<cred>[^,\s]+),\s*SignedHeaders=(?P<signed>[^,\s]+),"
    r"\s*Signature=(?P<sig>[0-9a-f]{64})$")
AMZ_DATE_RE = re.compile(r"^\d{8}T\d{6}Z$")
SHA256_HEX_RE = re.compile(r"^[0-9a-f]{64}$")


def log(message: str) -> None:
    print(f"s3_server: {message}", file=sys.stderr, flush=True)


def aws_encode(raw: bytes, keep_slash: bool) -> str:
    """RFC 3986 encoding as SigV4 wants it: unreserved characters stay, everything else %XX."""
    return quote(raw, safe=("/" if keep_slash else "") + "-_.~")


def canonical_target(raw_target: str) -> str:
    """Canonical 'path?query' of the raw request target (werkzeug gives it to us as latin-1)."""
    raw = raw_target.encode("latin-1")
    if not raw.startswith(b"/"):  # absolute-form request target: drop scheme and authority
        after_scheme = raw.split(b"://", 1)[-1]
        slash = after_scheme.find(b"/")
        raw = after_scheme[slash:] if slash >= 0 else b"/"
    path, _, query = raw.partition(b"?")
    pairs = []
    for item in query.split(b"&"):
        if item:
            name, _, value = item.partition(b"=")
            pairs.append((aws_encode(unquote_to_bytes(name), False), aws_encode(unquote_to_bytes(value), False)))
    pairs.sort()
    canonical_query = "&".join(f"{n}={v}" for n, v in pairs)
    canonical_path = aws_encode(unquote_to_bytes(path), True)
    return canonical_path + ("?" + canonical_query if canonical_query else "")


def install_moto_auth(bucket: str) -> None:
    """Registers our key pair as an IAM user with s3:*, creates the bucket, turns verification on."""
    from moto import settings
    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.iam import access_control
    from moto.iam.models import iam_backends
    from moto.s3.models import s3_backends

    iam = iam_backends[MOTO_ACCOUNT]["aws"]
    iam.create_user("us-east-1", "backfill-tests")
    policy = {"Version": "2012-10-17",
              "Statement": [{"Effect": "Allow", "Action": ["s3:*"], "Resource": "*"}]}
    iam.put_user_policy("backfill-tests", "all-s3", json.dumps(policy))
    key = iam.create_access_key("backfill-tests")  # random pair; replaced by our fixed one
    iam.access_keys.pop(key.access_key_id, None)
    key.access_key_id = ACCESS_KEY_ID
    key.secret_access_key = SECRET_ACCESS_KEY
    iam.access_keys[ACCESS_KEY_ID] = key
    s3_backends[MOTO_ACCOUNT]["aws"].create_bucket(bucket, "us-east-1")

    request_base = access_control.IAMRequestBase
    moto_init = request_base.__init__
    moto_check = request_base.check_signature

    def init_with_canonical_target(self, account_id, method, path, data, body, headers, action):  # noqa: ANN001
        try:
            from flask import request as flask_request
            target = flask_request.environ.get("backfill.canonical_target")
        except RuntimeError:  # outside a request context
            target = None
        moto_init(self, account_id, method, target or path, data, body, headers, action)

    def check_signature_logging(self) -> None:  # noqa: ANN001
        try:
            moto_check(self)
        except Exception:
            try:
                auth = self._create_auth(self._access_key.create_credentials())
                request = self._create_aws_request()
                canonical = auth.canonical_request(request)
                log("SignatureDoesNotMatch; server-side CanonicalRequest:\n" + canonical
                    + "\n---- StringToSign:\n" + auth.string_to_sign(request, canonical) + "\n----")
            except Exception as error:  # noqa: BLE001
                log(f"SignatureDoesNotMatch (canonical request unavailable: {error})")
            raise

    request_base.__init__ = init_with_canonical_target
    request_base.check_signature = check_signature_logging
    settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
    ActionAuthenticatorMixin.request_count = 0


def error_response(start_response, status: str, code: str, message: str):  # noqa: ANN001
    body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
            f"<Message>{escape(message)}</Message><RequestId>local</RequestId></Error>").encode()
    start_response(status, [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))])
    return [body]


def read_body(environ) -> bytes:  # noqa: ANN001
    """Reads the request body once and puts it back for moto."""
    from werkzeug.wsgi import get_input_stream
    if "backfill.body" not in environ:
        data = get_input_stream(environ).read()
        environ["backfill.body"] = data
        environ["wsgi.input"] = io.BytesIO(data)
        environ["CONTENT_LENGTH"] = str(len(data))
        environ.pop("wsgi.input_terminated", None)
        environ.pop("HTTP_TRANSFER_ENCODING", None)
    return environ["backfill.body"]


def precheck(environ) -> tuple[str, str, str] | None:  # noqa: ANN001
    """R2/S3 checks that moto lacks; returns (status, code, message) to refuse the request."""
    auth = environ.get("HTTP_AUTHORIZATION", "").strip()
    if not auth:
        return ("403 Forbidden", "AccessDenied", "Anonymous access is not allowed (no Authorization header)")
    match = AUTH_RE.match(auth)
    if not match:
        return ("400 Bad Request", "AuthorizationHeaderMalformed",
                "expected 'AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=<64 hex>'")
    scope = match["cred"].split("/")
    if len(scope) != 5 or scope[3] != "s3" or scope[4] != "aws4_request" or not re.match(r"^\d{8}$", scope[1]):
        return ("400 Bad Request", "AuthorizationHeaderMalformed",
                "credential scope must be KEYID/yyyymmdd/region/s3/aws4_request")
    signed = match["signed"].split(";")
    if signed != sorted(signed) or any(h != h.lower() for h in signed):
        return ("403 Forbidden", "SignatureDoesNotMatch", "SignedHeaders must be lower-case and sorted")
    if "host" not in signed:
        return ("400 Bad Request", "AuthorizationHeaderMalformed", "'host' must be a signed header")
    amz_date = environ.get("HTTP_X_AMZ_DATE", "")
    if not AMZ_DATE_RE.match(amz_date):
        return ("403 Forbidden", "AccessDenied", "a valid x-amz-date header (yyyymmddThhmmssZ) is required")
    if scope[1] != amz_date[:8]:
        return ("400 Bad Request", "AuthorizationHeaderMalformed",
                "credential scope date differs from the x-amz-date day")
    sent = dt.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.timezone.utc)
    if abs((dt.datetime.now(dt.timezone.utc) - sent).total_seconds()) > MAX_SKEW_SECONDS:
        return ("403 Forbidden", "RequestTimeTooSkewed",
                "The difference between the request time and the current time is too large.")
    present = {name[5:].lower().replace("_", "-") for name in environ if name.startswith("HTTP_X_AMZ_")}
    unsigned = sorted(present - set(signed))
    if unsigned:
        return ("403 Forbidden", "AccessDenied", "x-amz-* headers not signed: " + ", ".join(unsigned))
    content_sha = environ.get("HTTP_X_AMZ_CONTENT_SHA256")
    if content_sha is None:
        return ("400 Bad Request", "InvalidRequest", "Missing required header for this request: x-amz-content-sha256")
    if SHA256_HEX_RE.match(content_sha):
        actual = hashlib.sha256(read_body(environ)).hexdigest()
        if actual != content_sha:
            return ("400 Bad Request", "XAmzContentSHA256Mismatch",
                    f"The provided 'x-amz-content-sha256' header does not match what was computed ({actual}).")
    elif content_sha != "UNSIGNED-PAYLOAD" and not content_sha.startswith("STREAMING-"):
        return ("400 Bad Request", "InvalidArgument",
                "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-... or a lower-case sha256 hex digest")
    return None


class VerifyingFront:
    """WSGI middleware in front of moto's app."""

    def __init__(self, app) -> None:  # noqa: ANN001
        self.app = app

    def __call__(self, environ, start_response):  # noqa: ANN001
        if environ.get("PATH_INFO", "").startswith("/moto-api"):
            return error_response(start_response, "403 Forbidden", "AccessDenied", "the moto API is disabled here")
        raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ.get("PATH_INFO", "/")
        try:
            environ["backfill.canonical_target"] = canonical_target(raw)
        except Exception as error:  # noqa: BLE001
            return error_response(start_response, "400 Bad Request", "InvalidURI", f"bad request target: {error}")
        refusal = precheck(environ)
        if refusal:
            log(f"refused {environ.get('REQUEST_METHOD')} {raw}: {refusal[1]}")
            return error_response(start_response, *refusal)
        return self.app(environ, start_response)


def main() -> None:
    parser = argparse.ArgumentParser(description="SigV4-verifying moto S3 for the integration tests")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=19000)
    parser.add_argument("--bucket", default="market-data")
    args = parser.parse_args()
    try:
        import moto
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
        from werkzeug.serving import WSGIRequestHandler, make_server
        install_moto_auth(args.bucket)
    except Exception as error:  # noqa: BLE001
        log(f"ERROR: moto setup failed: {type(error).__name__}: {error}")
        sys.exit(1)
    WSGIRequestHandler.protocol_version = "HTTP/1.1"
    app = VerifyingFront(DomainDispatcherApplication(create_backend_app))
    try:
        server = make_server(args.host, args.port, app, threaded=True)
    except OSError as error:
        log(f"ERROR: cannot listen on {args.host}:{args.port}: {error}")
        sys.exit(1)

    def stop(*_: object) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log(f"moto {moto.__version__} S3 (SigV4 verified) on http://{args.host}:{args.port} "
        f"bucket={args.bucket} pid={os.getpid()}")
    print("READY", flush=True)
    server.serve_forever()
    log("stopped")


if __name__ == "__main__":
    main()
