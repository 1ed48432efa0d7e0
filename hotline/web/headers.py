"""Security headers on every response: the page may run only its own scripts and styles,
may not be framed, does not leak its URLs to other sites, and names no server version."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response


# Every script, style, font and image is served by the app itself (vendored, no CDN); no
# inline script or handler runs (a data block such as <script type="application/json"> is
# not run, so it is allowed); no page may be framed (clickjacking).
def content_security_policy(tile_url: str = "") -> str:
    """The policy; a centre's map tile server (HOTLINE_MAP_TILE_URL) may serve images."""
    images = "img-src 'self' data: blob:"
    tiles = urlsplit(tile_url.replace("{s}", "*"))
    if tiles.scheme in ("http", "https") and tiles.netloc:
        images += f" {tiles.scheme}://{tiles.netloc}"
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            images,
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    # Werkzeug and gunicorn otherwise announce themselves with their versions.
    "Server": "hotline",
}


def install_security_headers(app: Flask) -> None:
    headers = {"Content-Security-Policy": content_security_policy(app.config["HOTLINE_MAP_TILE_URL"]), **HEADERS}

    @app.after_request
    def _secure(response: Response) -> Response:
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response
