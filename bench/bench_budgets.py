"""Benchmark: the page budgets of issue 18 on a weak phone connection, against the release before it, in one run.

Chromium (Debian's, through Playwright) with slow-3G network emulation (CDP ``Network.emulateNetworkConditions``:
400 ms round trip, 400 kbit/s down, 400 kbit/s up) and 4× CPU throttling (``Emulation.setCPUThrottlingRate``),
a fresh profile (empty cache) for each run, as the homeroom teacher of 4A of the demo school:

- **login → home**: the login page opened until its ``load``, plus the form sent until the home page's ``load``
  (the typing between is the user's time and is not counted; "sign-in → home" is the second part alone, most of
  it the server checking the password: Argon2 with Django's parameters, 0.6–1.2 s on a loaded 2-core machine);
- **grid ready**: the Toán year-end grid of 4A opened (same profile, so the site's CSS/JS may be cached from the
  login page) until its rows are drawn (``GRID_READY`` below);
- **autosave**: the round trip of a save, from the grid sending the typed rating (the POST to ``/api/…``) until
  it says saved (``SAVED`` below); "key → saved" adds the grid's wait before it sends (its debounce, 700 ms);
- **qualities sheet**: the Phẩm chất – năng lực grid of 4A until its rows are drawn.

Each is measured on two servers over the same database, interleaved run by run: **this tree** and **the
release before issue 18** (commit ``BASELINE``, 2d20957 by default: no compression, no favicon; extracted with
``git archive`` into a temporary folder and served by the same Python). Both are ``hocbaso serve`` (Django's
threaded development server, static files from the apps' folders: WhiteNoise for this tree, Django's static
handler for the baseline), so the difference is the code. Budgets: login → home ≤ 3 s, grid ready ≤ 3 s,
autosave ≤ 1 s (the qualities sheet is reported, against the grid budget).

    .venv/bin/python bench/bench_budgets.py [--runs 3] [--baseline 2d20957] [--data-dir /tmp/hocbaso-bench-budgets]

The demo school is built once into the data folder (``hocbaso demo --no-issue``, a few minutes) and reused. After
the entry grid changes, adjust ``GRID_READY``, ``SAVED`` and ``type_rating`` if its markup changed.
"""

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SLOW_3G = {"offline": False, "latency": 400, "downloadThroughput": 400 * 1000 / 8,
           "uploadThroughput": 400 * 1000 / 8}  # bytes per second; 400 kbit/s
CPU_RATE = 4
BUDGETS_S = {"login → home": 3.0, "grid ready": 3.0, "autosave": 1.0, "qualities sheet": 3.0}
REPORTED = {"sign-in → home": None, "key → saved": None}  # printed, no budget of their own
USERNAME, PASSWORD = "gvcn.4a", "hocbaso@2025"
GRID_READY = "#grid tbody tr td[data-col]"  # a drawn cell of the grid
SAVED = "#sync-state[data-state='saved']"
UNSAVED = "#sync-state:not([data-state='saved'])"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(tree: Path, data_dir: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "HOCBASO_DATA_DIR": str(data_dir), "PYTHONPATH": str(tree), "LOG_LEVEL": "ERROR"}
    env.pop("DATABASE_URL", None)
    process = subprocess.Popen([sys.executable, "-m", "hocbaso", "serve", f"127.0.0.1:{port}", "--no-demo"],
                               cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.5)
    process.kill()
    sys.exit(f"the server of {tree} did not start on port {port}")


def class_4a(data_dir: Path) -> int:
    code = ("import django, os; django.setup(); from hocbaso.directory.models import SchoolClass; "
            "print(SchoolClass.objects.filter(name='4A', school_year__school__code='67000101')"
            ".order_by('-school_year__name').values_list('pk', flat=True).first())")
    env = {**os.environ, "HOCBASO_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "hocbaso.settings",
           "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)
    return int(subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True, capture_output=True,
                              text=True).stdout.strip())


def throttled_page(browser):
    context = browser.new_context(locale="vi-VN", viewport={"width": 360, "height": 740}, is_mobile=True,
                                  has_touch=True)
    context.set_default_timeout(120_000)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_RATE})
    return context, page


def type_rating(page, letter: str):
    """Select the first pupil's rating cell and type a letter (the grid's keyboard entry)."""
    page.locator('#grid tbody tr:nth-child(1) td[data-col="s:rating"]').click()
    page.keyboard.type(letter)


def measure_once(browser, base: str, class_id: int) -> dict[str, float]:
    out = {}
    context, page = throttled_page(browser)
    sent = []
    page.on("request", lambda r: sent.append(time.perf_counter()) if r.method == "POST" and "/api/" in r.url else None)
    try:
        start = time.perf_counter()
        page.goto(base + "/dang-nhap/", wait_until="load")
        login_page = time.perf_counter() - start
        page.fill("#id_username", USERNAME)  # typing is the user's time, not the site's: not counted
        page.fill("#id_password", PASSWORD)
        start = time.perf_counter()
        page.click("button.primary")
        page.wait_for_url(base + "/", wait_until="load")
        out["sign-in → home"] = time.perf_counter() - start
        out["login → home"] = login_page + out["sign-in → home"]

        start = time.perf_counter()
        page.goto(f"{base}/lop/{class_id}/nhap/cuoi_nam/toan/", wait_until="commit")
        page.wait_for_selector(GRID_READY)
        out["grid ready"] = time.perf_counter() - start

        page.wait_for_selector(SAVED, state="attached")
        current = page.locator('#grid tbody tr:nth-child(1) td[data-col="s:rating"]').inner_text().strip()
        sent.clear()
        start = time.perf_counter()
        type_rating(page, "H" if current == "T" else "T")
        try:
            page.wait_for_selector(UNSAVED, state="attached", timeout=5_000)
        except Exception:  # noqa: BLE001 - already saved by the time we looked
            pass
        page.wait_for_selector(SAVED, state="attached")
        end = time.perf_counter()
        out["key → saved"] = end - start
        out["autosave"] = end - (sent[0] if sent else start)  # the round trip: the save sent → the grid says saved

        start = time.perf_counter()
        page.goto(f"{base}/lop/{class_id}/nhap/cuoi_nam/pham_chat_nang_luc/", wait_until="commit")
        page.wait_for_selector(GRID_READY)
        out["qualities sheet"] = time.perf_counter() - start
        out["qualities sheet bytes"] = page.evaluate(
            "performance.getEntriesByType('navigation')[0].transferSize")
    finally:
        context.close()
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline", default="2d20957")
    parser.add_argument("--data-dir", default="/tmp/hocbaso-bench-budgets")
    args = parser.parse_args()
    data_dir = Path(args.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "HOCBASO_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", "hocbaso", "demo", "--no-issue", "--if-missing"], cwd=ROOT, env=env,
                   check=True, stdout=subprocess.DEVNULL)
    class_id = class_4a(data_dir)
    baseline = Path(tempfile.mkdtemp(prefix="hocbaso-baseline-"))
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.baseline], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(baseline)], input=archive.stdout, check=True)
    servers = {}
    try:
        servers["this tree"] = (serve(ROOT, data_dir, port := free_port()), f"http://127.0.0.1:{port}")
        servers[f"before ({args.baseline})"] = (serve(baseline, data_dir, port := free_port()),
                                                f"http://127.0.0.1:{port}")
        from playwright.sync_api import sync_playwright

        results = {name: [] for name in servers}
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for run in range(args.runs + 1):  # the first round warms both servers up and is not counted
                for name, (_process, base) in servers.items():
                    figures = measure_once(browser, base, class_id)
                    if run:
                        results[name].append(figures)
            browser.close()
    finally:
        for process, _base in servers.values():
            process.terminate()
            process.wait(timeout=30)
        shutil.rmtree(baseline, ignore_errors=True)

    load = os.getloadavg()
    print(f"Slow 3G ({SLOW_3G['latency']} ms RTT, 400 kbit/s down and up), CPU ×{CPU_RATE}, fresh profile per run, "
          f"{args.runs} runs each after a warm-up, medians; load average {load[0]:.1f} {load[1]:.1f}")
    names = list(servers)
    print(f"{'':18}" + "".join(f"{n:>22}" for n in names) + f"{'budget':>10}  verdict (this tree)")
    for metric, budget in {**BUDGETS_S, **REPORTED}.items():
        medians = [statistics.median(r[metric] for r in results[n]) for n in names]
        verdict = ("PASS" if medians[0] <= budget else "FAIL") if budget else ""
        limit = f"{budget:>8.1f} s" if budget else f"{'':>10}"
        print(f"{metric:18}" + "".join(f"{m:>20.2f} s" for m in medians) + f"{limit}  {verdict}")
    sizes = [statistics.median(r["qualities sheet bytes"] for r in results[n]) for n in names]
    print(f"{'qualities bytes':18}" + "".join(f"{s / 1000:>19.1f} kB" for s in sizes) + "   (HTML on the wire)")


if __name__ == "__main__":
    main()
