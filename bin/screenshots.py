"""Screenshot staff pages at desktop and phone width, for looking at what we build.

Usage (with the app served on :8000, e.g. by bin/start):
    .venv/bin/python bin/screenshots.py [--base http://127.0.0.1:8000] [--user reception]
        [--password demo1234] PATH [PATH ...]
PNGs land in screenshots/ (git-ignored).
"""

import argparse
import re
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WIDTHS = {"desktop": (1366, 900), "phone": (390, 844)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--user", default="reception")
    parser.add_argument("--password", default="demo1234")
    parser.add_argument("--click", help="CSS selector to click after loading (e.g. a panel)")
    parser.add_argument("--full", action="store_true", help="full-page screenshot")
    args = parser.parse_args()
    out = Path("screenshots")
    out.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for label, (width, height) in WIDTHS.items():
            page = browser.new_page(viewport={"width": width, "height": height})
            if args.user:
                page.goto(f"{args.base}/login/")
                page.fill("#id_username", args.user)
                page.fill("#id_password", args.password)
                page.click("button.primary")
            for path in args.paths:
                page.goto(args.base + path)
                if args.click:
                    page.click(args.click)
                    page.wait_for_timeout(600)
                name = re.sub(r"[^a-z0-9]+", "_", path.lower()).strip("_") or "root"
                if args.click:
                    name += "_" + re.sub(r"[^a-z0-9]+", "_", args.click.lower()).strip("_")
                target = out / f"{name}_{label}.png"
                page.screenshot(path=str(target), full_page=args.full)
                print(target)
        browser.close()


if __name__ == "__main__":
    main()
