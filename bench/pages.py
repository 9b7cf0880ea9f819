"""Every page a role reaches from the home page, timed, next to ``/healthz`` in the same run.

    python bench/pages.py [--url http://127.0.0.1:8000] [--login admin] [--password gridcare-demo]
                          [--pages 800] [--repeat 3] [--top 10] [--json]

Against a running server (the README's ``bash scripts/run.sh`` serves the demo city): signs in,
follows the links of each page it opens (breadth first, paths only, at most ``--pages``), and
loads each page ``--repeat`` times, keeping the fastest. The baseline is ``GET /healthz``
timed the same way. Prints the slowest pages and the ratio of the slowest to the baseline;
the target is a page under 300 ms with the demo data. With ``--json`` the last line is one
JSON object: ``pages``, ``slowest_ms``, ``slowest_path``, ``baseline_ms``, ``ratio``.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections import deque

import httpx

LINK = re.compile(r'href="(/[^"#?]*)"')
SKIP = ("/static", "/logout", "/api", "/r/")


def best_ms(client: httpx.Client, path: str, repeat: int) -> tuple[float, int]:
    times, status = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        status = client.get(path).status_code
        times.append((time.perf_counter() - started) * 1000)
    return min(times), status


def sign_in(client: httpx.Client, login: str, password: str) -> None:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    if token is None:
        raise SystemExit("the login page has no CSRF token: is this a gridcare server?")
    client.post("/login", data={"login": login, "password": password, "csrf_token": token.group(1), "next": "/"})
    if client.get("/", follow_redirects=False).status_code != 200:
        raise SystemExit(f"login: {login!r} could not sign in")


def crawl(client: httpx.Client, *, pages: int, repeat: int) -> list[tuple[float, str, int]]:
    seen: set[str] = set()
    queue = deque(["/"])
    timed = []
    while queue and len(timed) < pages:
        path = queue.popleft()
        if path in seen or path.startswith(SKIP):
            continue
        seen.add(path)
        ms, status = best_ms(client, path, repeat)
        timed.append((ms, path, status))
        if status == 200:
            queue.extend(link for link in LINK.findall(client.get(path).text) if link not in seen)
    return timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="gridcare-demo")
    parser.add_argument("--pages", type=int, default=800)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with httpx.Client(base_url=args.url, follow_redirects=True, timeout=60) as client:
        sign_in(client, args.login, args.password)
        timed = sorted(crawl(client, pages=args.pages, repeat=args.repeat), reverse=True)
        baseline, _ = best_ms(client, "/healthz", max(args.repeat, 20))
    for ms, path, status in timed[: args.top]:
        print(f"{ms:8.1f} ms  {status}  {path}")
    errors = [(path, status) for _, path, status in timed if status >= 500]
    slowest_ms, slowest_path, _ = timed[0]
    print(f"{len(timed)} pages as {args.login}; slowest {slowest_path} {slowest_ms:.1f} ms; /healthz {baseline:.1f} ms; ratio {slowest_ms / baseline:.1f}×; 5xx: {len(errors)}")
    if args.json:
        print(json.dumps({"pages": len(timed), "slowest_ms": round(slowest_ms, 1), "slowest_path": slowest_path, "baseline_ms": round(baseline, 2), "ratio": round(slowest_ms / baseline, 1), "server_errors": errors}))


if __name__ == "__main__":
    main()
