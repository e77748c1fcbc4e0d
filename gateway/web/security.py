"""The security headers of every answer, and how files are served.

Every page gets a Content-Security-Policy that allows what our templates load (our scripts and stylesheets,
the npm packages under /static/vendor/, the map tiles of GUICHET_TILE_URL) and nothing else, cannot be
framed (`frame-ancestors 'none'`), sends no path to other sites (`Referrer-Policy`) and is never sniffed
into another type (`nosniff`); HSTS when GUICHET_PUBLIC_URL is https. Files (photos) are served with a CSP
that runs nothing (`default-src 'none'; sandbox`) and a `Content-Disposition`: inline under a name of ours
for the images Guichet re-encoded, as a download for anything else.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response

from gateway.settings import Settings

# What the back office and public pages need. Styles come from files only: Leaflet and Chart.js set styles
# through the DOM's style properties, which a CSP does not govern; no template writes a style attribute.
PAGE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; "
               "img-src 'self' data: blob:{tiles}; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
               "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
FILE_POLICY = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox; frame-ancestors 'none'"
SHOWN_INLINE = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}  # what files.keep_photo writes
HSTS = "max-age=31536000; includeSubDomains"


def install(app: Flask, settings: Settings) -> None:
    """Security headers on every answer of `app`; session cookies `SameSite=Lax`, and `Secure` over https."""
    https = urlsplit(settings.public_url).scheme == "https"
    app.config.update(SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=https, SESSION_COOKIE_HTTPONLY=True,
                      REMEMBER_COOKIE_SAMESITE="Lax", REMEMBER_COOKIE_SECURE=https, REMEMBER_COOKIE_HTTPONLY=True)
    page_policy = PAGE_POLICY.format(tiles=tile_sources(settings.tile_url))

    @app.after_request
    def security_headers(response: Response) -> Response:
        """The headers every answer carries; a file's stricter policy (set by `as_file`) is kept."""
        headers = response.headers
        headers.setdefault("Content-Security-Policy", page_policy)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
        if https:
            headers.setdefault("Strict-Transport-Security", HSTS)
        return response


def as_file(response: Response, *, content_type: str | None, name: str) -> Response:
    """`response` served as a file: nothing in it runs; shown inline only when it is an image Guichet wrote."""
    extension = SHOWN_INLINE.get(content_type or "")
    if extension is None:
        response.mimetype = "application/octet-stream"
        response.headers["Content-Disposition"] = f'attachment; filename="{name}.bin"'
    else:
        response.mimetype = content_type or ""
        response.headers["Content-Disposition"] = f'inline; filename="{name}{extension}"'
    response.headers["Content-Security-Policy"] = FILE_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def tile_sources(tile_url: str) -> str:
    """The map tiles' origin for `img-src` (` https://*.tile.openstreetmap.org`), empty for tiles of our own."""
    parts = urlsplit(tile_url.replace("{s}", "a"))
    if not parts.scheme or not parts.hostname:
        return ""
    host = tile_url.split("//", 1)[1].split("/", 1)[0].replace("{s}", "*")
    return f" {parts.scheme}://{host}"
