"""A local OpenID Connect provider for tests: Streamlit's real ``st.login``, offline.

:func:`oidc_provider` serves, on a free port of 127.0.0.1, the four endpoints an OpenID
Connect client uses: the discovery document, ``/authorize`` (which signs in the one user it
was given at once, with no page, and sends the browser back with a code), ``/token`` (the
code for an ID token signed with a fresh RSA key, carrying the request's nonce) and
``/jwks`` (the key that checks it). Only the authorization code flow; a code is used once.
:func:`auth_secrets` writes the ``[auth]`` section of ``secrets.toml`` that points the app
at it. Nothing here is fit to guard anything real.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

__all__ = ["CLIENT_ID", "OidcProvider", "auth_secrets", "oidc_provider"]

CLIENT_ID = "footprints-test"
_CLIENT_SECRET = "not-a-secret"


@dataclass
class OidcProvider:
    """The running stub: its issuer URL, who it signs in, and the codes it gave out."""

    issuer: str
    email: str
    codes: dict[str, str] = field(default_factory=dict)
    """Code → the nonce of the sign-in it answers (removed when exchanged)."""
    signed_in: list[str] = field(default_factory=list)
    """The e-mail of every ID token issued, in order."""

    @property
    def metadata_url(self) -> str:
        """Return the discovery document's URL (``server_metadata_url``)."""
        return f"{self.issuer}/.well-known/openid-configuration"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _number(value: int) -> str:
    return _b64(value.to_bytes((value.bit_length() + 7) // 8, "big"))


def _id_token(key: rsa.RSAPrivateKey, claims: dict[str, Any]) -> str:
    """Sign ``claims`` as a JWT with RS256 (RFC 7519), as a provider does."""
    header = _b64(json.dumps({"alg": "RS256", "kid": "stub", "typ": "JWT"}).encode())
    body = _b64(json.dumps(claims).encode())
    signed = key.sign(f"{header}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{header}.{body}.{_b64(signed)}"


def _handler(provider: OidcProvider, key: rsa.RSAPrivateKey) -> type[BaseHTTPRequestHandler]:
    numbers = key.public_key().public_numbers()
    public = {
        "kty": "RSA",
        "kid": "stub",
        "use": "sig",
        "alg": "RS256",
        "n": _number(numbers.n),
        "e": _number(numbers.e),
    }

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def _json(self, document: object, status: int = 200) -> None:
            body = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            url = urlparse(self.path)
            if url.path == "/.well-known/openid-configuration":
                base = provider.issuer
                self._json(
                    {
                        "issuer": base,
                        "authorization_endpoint": f"{base}/authorize",
                        "token_endpoint": f"{base}/token",
                        "jwks_uri": f"{base}/jwks",
                        "response_types_supported": ["code"],
                        "subject_types_supported": ["public"],
                        "id_token_signing_alg_values_supported": ["RS256"],
                        "scopes_supported": ["openid", "email", "profile"],
                        "token_endpoint_auth_methods_supported": [
                            "client_secret_basic",
                            "client_secret_post",
                        ],
                    }
                )
            elif url.path == "/jwks":
                self._json({"keys": [public]})
            elif url.path == "/authorize":
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if query.get("client_id") != CLIENT_ID or "redirect_uri" not in query:
                    self._json({"error": "invalid_request"}, 400)
                    return
                code = secrets.token_urlsafe(16)
                provider.codes[code] = query.get("nonce", "")
                back = {"code": code, "state": query.get("state", "")}
                self.send_response(302)
                self.send_header("Location", f"{query['redirect_uri']}?{urlencode(back)}")
                self.end_headers()
            else:
                self._json({"error": "not_found"}, 404)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            nonce = provider.codes.pop(form.get("code", ""), None)
            if urlparse(self.path).path != "/token" or nonce is None:
                self._json({"error": "invalid_grant"}, 400)
                return
            now = int(time.time())
            claims = {
                "iss": provider.issuer,
                "sub": provider.email.split("@")[0],
                "aud": CLIENT_ID,
                "iat": now,
                "exp": now + 3600,
                "nonce": nonce,
                "email": provider.email,
                "email_verified": True,
            }
            token = _id_token(key, claims)
            provider.signed_in.append(provider.email)
            self._json(
                {
                    "access_token": secrets.token_urlsafe(16),
                    "token_type": "Bearer",
                    "expires_in": 3600,
                    "id_token": token,
                }
            )

    return Handler


@contextmanager
def oidc_provider(email: str) -> Iterator[OidcProvider]:
    """Serve the stub on a free port of 127.0.0.1, signing in ``email``; stop it after."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    provider = OidcProvider(issuer=f"http://127.0.0.1:{server.server_address[1]}", email=email)
    server.RequestHandlerClass = _handler(provider, key)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def auth_secrets(path: Path, provider: OidcProvider) -> Path:
    """Write a ``secrets.toml`` whose ``[auth]`` signs in through ``provider``; return it.

    The redirect URI names the app's own port (``{port}``, filled in by Streamlit).
    """
    path.write_text(
        "[auth]\n"
        'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_urlsafe(32)}"\n'
        f'client_id = "{CLIENT_ID}"\n'
        f'client_secret = "{_CLIENT_SECRET}"\n'
        f'server_metadata_url = "{provider.metadata_url}"\n',
        encoding="utf-8",
    )
    return path
