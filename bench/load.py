"""The load generator: a separate process that requests pages over HTTP and reports latencies.

Standard library only (``http.client`` and threads): each simulated user is a thread with its own
connection and its own signed-in sessions (it signs in through the login form once, as a
physician and as a front-desk user, when it starts). Run by ``bench/run.py``:

    python bench/load.py --base http://127.0.0.1:8123 --plan plan.json --concurrency 8 --seconds 5

``plan.json``: {"password": ..., "physicians": [...], "frontdesk": [...], "pages": [{"name",
"method", "path", "role", "data"}...]}. Prints one JSON object per page on stdout: name,
latencies in ms, elapsed seconds, errors.

A page with ``"method": "search"`` posts ``data`` to ``path`` (the patient search keeps its terms
in the session) and follows the redirect: one search as the person waits for it, two requests.
A page with ``"tokens"`` has ``{token}`` in its path: a survey link (see ``bench/surveys.py``);
``"submit"`` tokens are used once each, from ``--skip`` on, and a last JSON line
``{"name": "_tokens", "submit_used": n}`` says how many this run used. When they run out, the
page's users stop early (its result says ``"exhausted": true`` and rps counts the time it ran).
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import threading
import time
import urllib.parse
from typing import Any

CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


class Session:
    """One browser: a connection and its cookies."""

    def __init__(self, base: str) -> None:
        parts = urllib.parse.urlsplit(base)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        self.cookies: dict[str, str] = {}
        self.csrf_token = ""

    def request(self, method: str, path: str, body: dict[str, str] | None = None) -> tuple[int, bytes, str]:
        headers = {"Host": self.host}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
                content = response.read()
                break
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                if attempt:
                    raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
        return response.status, content, response.getheader("Location", "")

    def csrf(self, path: str) -> str:
        status, content, _ = self.request("GET", path)
        match = CSRF_FIELD.search(content)
        if status != 200 or not match:
            raise RuntimeError(f"no form at {path} (HTTP {status})")
        return match.group(1).decode()

    def login(self, username: str, password: str) -> None:
        token = self.csrf("/accounts/login/")
        status, _, location = self.request(
            "POST", "/accounts/login/", {"csrfmiddlewaretoken": token, "username": username, "password": password}
        )
        if status != 302 or "login" in location:
            raise RuntimeError(f"sign-in of {username} failed (HTTP {status} to {location!r})")


class Exhausted(Exception):
    """No single-use survey token left."""


class TokenPool:
    """The plan's survey tokens. ``page`` tokens: one per simulated patient, reused. ``submit``
    tokens: each used once (a submitted survey's link is spent), handed out under a lock."""

    def __init__(self, tokens: dict[str, list[str]], skip: int) -> None:
        self.page = tokens.get("page", [])
        self.submit = tokens.get("submit", [])
        self.next = skip
        self.start = skip
        self.lock = threading.Lock()

    def take(self) -> str:
        with self.lock:
            if self.next >= len(self.submit):
                raise Exhausted
            self.next += 1
            return self.submit[self.next - 1]

    def path(self, page: dict[str, Any], k: int) -> str:
        kind = page.get("tokens")
        if kind is None:
            return str(page["path"])
        token = self.take() if kind == "submit" else self.page[k % len(self.page)]
        return str(page["path"]).replace("{token}", token)

    @property
    def used(self) -> int:
        return self.next - self.start


def one(session: Session, page: dict[str, Any], path: str) -> None:
    method = page["method"]
    if method == "search":
        token = session.csrf_token
        status, _, location = session.request("POST", path, {"csrfmiddlewaretoken": token, **page["data"]})
        if status != 302:
            raise RuntimeError(f"search: HTTP {status}")
        status, _, _ = session.request("GET", location or path)
    elif method == "form-post":
        status, _, _ = session.request("POST", path, {"csrfmiddlewaretoken": session.csrf_token, **page["data"]})
    else:
        status, _, _ = session.request("GET", path)
    if status not in page.get("ok", [200]):
        raise RuntimeError(f"{page['name']}: HTTP {status}")


def run(base: str, plan: dict[str, Any], concurrency: int, seconds: float, skip: int = 0) -> list[dict[str, Any]]:
    pool = TokenPool(plan.get("tokens", {}), skip)
    users: list[dict[str, Session]] = []
    for k in range(concurrency):
        anonymous = Session(base)
        anonymous.csrf_token = anonymous.csrf("/accounts/login/")  # the patient's browser: a CSRF cookie, no sign-in
        sessions = {"anonymous": anonymous}
        for role in ("physician", "frontdesk"):
            names = plan[f"{role}s" if role == "physician" else role]
            session = Session(base)
            session.login(names[k % len(names)], plan["password"])
            session.csrf_token = session.csrf("/patients/")
            sessions[role] = session
        users.append(sessions)
    results = []
    for page in plan["pages"]:
        latencies: list[list[float]] = [[] for _ in range(concurrency)]
        errors = [0] * concurrency
        barrier = threading.Barrier(concurrency + 1)
        go = threading.Event()
        deadline = [0.0]
        finished = [0.0] * concurrency
        exhausted = [False]

        def worker(
            k: int,
            page: dict[str, Any] = page,
            barrier: threading.Barrier = barrier,
            go: threading.Event = go,
            deadline: list[float] = deadline,
            errors: list[int] = errors,
            latencies: list[list[float]] = latencies,
            finished: list[float] = finished,
            exhausted: list[bool] = exhausted,
        ) -> None:
            session = users[k][page.get("role", "physician")]
            try:
                one(session, page, pool.path(page, k))  # warm: the first request of a connection is not measured
            except Exhausted:
                exhausted[0] = True
            barrier.wait()
            go.wait()
            while time.perf_counter() < deadline[0]:
                try:
                    path = pool.path(page, k)
                except Exhausted:
                    exhausted[0] = True
                    break
                start = time.perf_counter()
                try:
                    one(session, page, path)
                except Exception:  # noqa: BLE001 - counted and reported, never hidden
                    errors[k] += 1
                    continue
                latencies[k].append((time.perf_counter() - start) * 1000)
            finished[k] = time.perf_counter()

        threads = [threading.Thread(target=worker, args=(k,)) for k in range(concurrency)]
        for thread in threads:
            thread.start()
        barrier.wait()
        started = time.perf_counter()
        deadline[0] = started + seconds
        go.set()
        for thread in threads:
            thread.join()
        elapsed = max(finished) - started
        flat = [x for part in latencies for x in part]
        results.append(
            {"name": page["name"], "latencies": flat, "elapsed": elapsed, "errors": sum(errors), "exhausted": exhausted[0]}
        )
    results.append({"name": "_tokens", "submit_used": pool.used})
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--plan", required=True)
    parser.add_argument("--concurrency", type=int, required=True)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--skip", type=int, default=0, help="single-use survey tokens already used by earlier runs")
    args = parser.parse_args()
    with open(args.plan, encoding="utf-8") as f:
        plan = json.load(f)
    for result in run(args.base, plan, args.concurrency, args.seconds, args.skip):
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
