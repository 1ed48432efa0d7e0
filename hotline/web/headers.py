"""Security headers on every response: the page may run only its own scripts and styles,
may not be framed, does not leak its URLs to other sites, and names no server version."""

from __future__ import annotations

from flask import Flask, Response

# Every script, style, font and image is served by the app itself (vendored, no CDN); no
# inline script or handler runs (a data block such as <script type="application/json"> is
# not run, so it is allowed); no page may be framed (clickjacking).
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    # Werkzeug and gunicorn otherwise announce themselves with their versions.
    "Server": "hotline",
}


def install_security_headers(app: Flask) -> None:
    @app.after_request
    def _secure(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response
