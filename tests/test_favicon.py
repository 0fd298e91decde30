"""A favicon on every page, staff and public, and /favicon.ico answers for pages naming none."""

from pathlib import Path

from django.conf import settings

STATIC = Path(settings.BASE_DIR) / "static"


def test_favicon_ico_answers_with_the_icon(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("/favicon.ico")
    assert response["Location"].startswith(settings.STATIC_URL)
    # a real ICO file (16, 32 and 48 px), not a renamed SVG
    assert (STATIC / "favicon.ico").read_bytes()[:4] == b"\x00\x00\x01\x00"


def test_staff_and_public_pages_link_the_icons(client, receptionist, practice_a):
    pages = ["/login/", "/p/centrum/book/"]
    for path in pages:
        html = client.get(path).content.decode()
        assert 'rel="icon" href="/static/favicon.ico"' in html, path
        assert 'href="/static/favicon.svg" type="image/svg+xml"' in html, path
        assert 'rel="apple-touch-icon"' in html, path
    client.force_login(receptionist.user)
    html = client.get("/calendar/").content.decode()
    assert 'href="/static/favicon.svg"' in html
    for name in ("favicon.ico", "favicon.svg", "apple-touch-icon.png"):
        assert (STATIC / name).exists()
