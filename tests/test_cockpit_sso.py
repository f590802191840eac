"""Company SSO through ``st.login`` (OIDC), against an identity provider served by this test.

The provider is a few standard-library HTTP handlers on localhost (discovery document,
authorization endpoint that signs the user in at once, token endpoint, JWKS) that sign ID
tokens with a fresh RSA key (joserfc, which Authlib brings). The real cockpit runs with an
``[auth]`` secrets section pointing at it; Chromium clicks the SSO button, goes through the
authorization code flow (state, nonce and PKCE checked by Streamlit's Authlib client) and must
land on the role's home page as the user the email maps to. An email without a user entry
gets no access.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from test_cockpit_browser import chromium, serve

from dashboards import audit, users

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CLIENT_ID = "medops-cockpit"
CLIENT_SECRET = "a client secret for the test provider"


class Provider:
    """An OIDC provider that signs in ``email`` whoever asks (the test's SSO)."""

    def __init__(self) -> None:
        from joserfc.jwk import RSAKey

        self.key = RSAKey.generate_key(2048, parameters={"kid": "test", "use": "sig"})
        self.email = ""
        self.codes: dict[str, dict] = {}
        self.token_requests = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def _json(self, body: dict, status: int = 200) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                url = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                if url.path == "/.well-known/openid-configuration":
                    self._json(provider.discovery())
                elif url.path == "/jwks":
                    self._json({"keys": [provider.key.as_dict(private=False)]})
                elif url.path == "/authorize":
                    code = secrets.token_urlsafe(16)
                    provider.codes[code] = query
                    back = (
                        query["redirect_uri"]
                        + "?"
                        + urllib.parse.urlencode({"code": code, "state": query["state"]})
                    )
                    self.send_response(302)
                    self.send_header("Location", back)
                    self.end_headers()
                else:
                    self._json({"error": "not_found"}, 404)

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length", 0))
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                provider.token_requests += 1
                self._json(*provider.token(form, self.headers.get("Authorization", "")))

        return Handler

    def discovery(self) -> dict:
        return {
            "issuer": self.url,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "jwks_uri": f"{self.url}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        }

    def token(self, form: dict, authorization: str) -> tuple[dict, int]:
        """The token endpoint: the code once, the client's secret, the PKCE verifier."""
        from joserfc import jwt

        request = self.codes.pop(form.get("code", ""), None)
        basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        client_ok = authorization == f"Basic {basic}" or (
            form.get("client_id") == CLIENT_ID and form.get("client_secret") == CLIENT_SECRET
        )
        if request is None or not client_ok:
            return {"error": "invalid_grant"}, 400
        if "code_challenge" in request:
            verifier = form.get("code_verifier", "").encode()
            digest = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
            if digest.decode() != request["code_challenge"]:
                return {"error": "invalid_grant"}, 400
        now = int(time.time())
        claims = {
            "iss": self.url,
            "sub": self.email,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "email": self.email,
            "email_verified": True,
        }
        if "nonce" in request:
            claims["nonce"] = request["nonce"]
        id_token = jwt.encode({"alg": "RS256", "kid": "test"}, claims, self.key)
        body = {"access_token": secrets.token_urlsafe(16), "token_type": "Bearer"}
        return body | {"expires_in": 300, "id_token": id_token}, 200


@contextmanager
def provider() -> Iterator[Provider]:
    running = Provider()
    thread = threading.Thread(target=running.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield running
    finally:
        running.server.shutdown()
        running.server.server_close()


def _secrets(path: Path, provider_url: str, port: int) -> Path:
    path.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(16)}"\n'
        f'client_id = "{CLIENT_ID}"\n'
        f'client_secret = "{CLIENT_SECRET}"\n'
        f'server_metadata_url = "{provider_url}/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )
    return path


def test_sso_signs_in_the_user_the_email_maps_to(
    cockpit_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from playwright.sync_api import expect

    monkeypatch.setenv("MEDOPS_AUDIT_DB", str(cockpit_home / "audit.sqlite"))  # the server's
    users_file = tmp_path / "users.yaml"
    users.add_user("li.na", "李娜", "executive", None, email="li.na@example.com", path=users_file)
    with provider() as idp:
        with (
            serve(
                cockpit_home,
                users_file,
                tmp_path / "streamlit.log",
                secrets=lambda port: _secrets(tmp_path / "secrets.toml", idp.url, port),
            ) as url,
            chromium(url, also_allowed=(urllib.parse.urlsplit(idp.url).netloc,)) as b,
        ):
            page = b.new_page(viewport={"width": 1600, "height": 1200}, locale="zh-CN")
            b.watch(page)

            idp.email = "li.na@example.com"
            page.goto(url, wait_until="domcontentloaded")
            expect(page.get_by_label("密码")).to_have_count(0, timeout=60_000)  # no password
            page.get_by_role("button", name="使用公司统一身份认证登录").click()
            expect(page.locator("h1", has_text="经营总览")).to_be_visible(timeout=60_000)
            expect(page.get_by_text("李娜", exact=False).first).to_be_visible()
            assert idp.token_requests == 1
            page.screenshot(path=str(tmp_path / "sso_executive.png"))
            logins = audit.entries(username="li.na", event="login_ok")
            assert len(logins) == 1 and "sso" in logins["detail"].iloc[0]

            # signed in at the provider, but no user entry for this email: no access
            idp.email = "stranger@example.com"
            other = b.new_page(viewport={"width": 1600, "height": 1200}, locale="zh-CN")
            b.watch(other)
            other.context.clear_cookies()
            other.goto(url, wait_until="domcontentloaded")
            other.get_by_role("button", name="使用公司统一身份认证登录").click()
            expect(other.get_by_text("stranger@example.com")).to_be_visible(timeout=60_000)
            expect(other.locator("h1", has_text="经营总览")).to_have_count(0)
            assert len(audit.entries(username="stranger@example.com", event="login_failed")) == 1
