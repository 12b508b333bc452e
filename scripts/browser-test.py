#!/usr/bin/env python3
"""make test, browser tier: the web UI in headless Chromium (Debian's chromium and chromium-driver, driven by
selenium through the system chromedriver) against the real hub and firmware-sim.

  hub    firmware-sim plays `live`; vitals run --http serves the dashboard. The page is open before the
         crisis-level reading is measured; the alert must arrive over the event stream (not a reload), be
         acknowledged in the page, and the API and the store must say acknowledged, by the name typed.
  kiosk  firmware-sim plays `kiosk-bp` (a cuff measured on demand); vitals run --kiosk. Patient 1 goes through
         consent, rest, three readings and the result, prints it, and ends the session; patient 2 starts and
         measures. After the end, neither the page (DOM, storage) nor the API holds anything of patient 1.

Each test has a check that must fail on purpose (a wrong acknowledger; the isolation check run on the result
page before the end), so a check that accepts anything fails the tier. Screenshots go to --out.

  browser-test.py --bin BIN_DIR --out DIR [hub] [kiosk]
"""
import argparse
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

os.environ.setdefault("SE_OFFLINE", "true")  # selenium must never fetch a driver or a browser
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")


class Failure(Exception):
    pass


def check(cond, message):
    if not cond:
        raise Failure(message)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(base, path, method="GET", body=None):
    req = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"} if body is not None else {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


class Processes:
    """firmware-sim and the hub, with their logs; stopped (SIGTERM, then SIGKILL) on exit."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.procs = []

    def start(self, name, args):
        log = open(os.path.join(self.workdir, name + ".log"), "w")
        p = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.procs.append((name, p, log))
        return p

    def log(self, name):
        with open(os.path.join(self.workdir, name + ".log")) as f:
            return f.read()

    def stop(self):
        for _, p, _ in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
        for name, p, log in reversed(self.procs):
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            log.close()
        self.procs = []


class TestRun:
    """One browser test's work folder (0700), its processes and its browser. On a failure: a screenshot
    (NAME-FAILED.png), the end of the hub's log, and the folder kept for its logs and database; on success the
    folder is removed. The browser and the processes are stopped either way."""

    def __init__(self, name, out):
        self.name, self.out = name, out
        self.work = tempfile.mkdtemp(prefix=f"ov-browser-{name}-")
        os.chmod(self.work, 0o700)
        self.procs = Processes(self.work)
        self.driver = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is not None:
                if self.driver:
                    shot(self.driver, self.out, f"{self.name}-FAILED.png")
                print(self.procs.log("hub")[-4000:], file=sys.stderr)
                print(f"   kept {self.work} (logs, database)", file=sys.stderr)
        finally:
            if self.driver:
                self.driver.quit()
            self.procs.stop()
        if exc_type is None:
            shutil.rmtree(self.work, ignore_errors=True)
        return False


def start_hub(procs, bin_dir, scenario, extra):
    sock = os.path.join(procs.workdir, "sim.sock")
    db = os.path.join(procs.workdir, "vitals.sqlite")
    port = free_port()
    procs.start("firmware-sim", [os.path.join(bin_dir, "firmware-sim"), "run", scenario, "--socket", sock])
    for _ in range(100):
        if os.path.exists(sock):
            break
        time.sleep(0.05)
    procs.start("hub", [os.path.join(bin_dir, "vitals"), "run", "--sim", sock, "--db", db, "--http", f"127.0.0.1:{port}"] + extra)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            if get_json(base, "/healthz")[0] == 200:
                return base, db
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.1)
    raise Failure("the hub's API did not come up:\n" + procs.log("hub"))


def browser():
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1024,600",
              "--hide-scrollbars", "--no-first-run", "--disable-extensions", "--lang=en-GB"]:
        opts.add_argument(a)
    d = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)
    # Exactly the touchscreen: 1024×600 CSS pixels.
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 1024, "height": 600, "deviceScaleFactor": 1, "mobile": False})
    d.set_script_timeout(20)
    return d


def wait(driver, seconds, cond, message):
    try:
        # The page re-renders lists as events arrive: an element found in one poll may be replaced
        # before it is read, so a stale element means "look again", not a failure.
        return WebDriverWait(driver, seconds, poll_frequency=0.2,
                             ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)).until(lambda d: cond(d))
    except Exception as e:  # TimeoutException
        raise Failure(f"{message} (waited {seconds} s): {type(e).__name__}")


def shot(driver, out, name):
    path = os.path.join(out, name)
    driver.save_screenshot(path)
    print(f"   screenshot {path}")


def fits_touchscreen(driver, what):
    w, h = driver.execute_script("return [document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
    check(w <= 1024 and h <= 600, f"{what}: the page is {w}×{h}, larger than the 1024×600 screen")
    small = driver.execute_script(
        "return [...document.querySelectorAll('button')].filter(b => b.offsetParent !== null)"
        ".map(b => b.getBoundingClientRect()).filter(r => r.height < 44 || r.width < 44).length")
    check(small == 0, f"{what}: {small} visible buttons are smaller than 44×44 px (touch targets)")


# ---------------------------------------------------------------- hub dashboard

def acknowledged_in_store(db, alert_id, by):
    """The store's own record: the alert's state and who acknowledged it."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        state = con.execute("SELECT state FROM alerts WHERE id = ?", (alert_id,)).fetchone()
        who = [r[0] for r in con.execute("SELECT acted_by FROM alert_acknowledgements WHERE alert_id = ?", (alert_id,))]
    finally:
        con.close()
    check(state is not None and state[0] == "acknowledged", f"store: alert {alert_id} is {state}, not acknowledged")
    check(who == [by], f"store: acknowledged by {who}, expected [{by!r}]")


def hub_test(bin_dir, out):
    print("== browser-test: hub dashboard (firmware-sim run live; vitals run --http)")
    with TestRun("hub", out) as run:
        procs = run.procs
        t0 = time.time()
        base, db = start_hub(procs, bin_dir, "live", [])
        driver = run.driver = browser()
        driver.get(base + "/")
        wait(driver, 15, lambda d: d.find_element(By.ID, "live").get_attribute("data-state") == "live", "the event stream did not connect")
        crisis = "li.alert[data-rule='bp.hypertensive-crisis']"
        check(not driver.find_elements(By.CSS_SELECTOR, crisis),
              f"the crisis alert was there before the page was live ({time.time() - t0:.1f} s after the start): start-up too slow to test the live path")
        print(f"   page live {time.time() - t0:.1f} s after the start; waiting for the crisis reading (measured at 20 s)")
        wait(driver, 60, lambda d: d.find_elements(By.CSS_SELECTOR, crisis), "the crisis alert did not appear")
        # Read in one step in the page: the list may be re-rendered between two WebDriver calls.
        li = driver.execute_script(
            "const e = document.querySelector(arguments[0]);"
            "return e && {via: e.dataset.via, id: e.dataset.alertId, state: e.dataset.state};", crisis)
        check(li is not None, "the crisis alert went away")
        check(li["via"] == "live", f"the alert came by {li['via']}, not over the event stream")
        alert_id = li["id"]
        check(li["state"] == "raised", f"state {li['state']}")
        check(driver.execute_script("return performance.getEntriesByType('navigation').length") == 1, "the page was reloaded")
        # The charts were drawn from the stored data (CGM AGP, the ECG strip with its beats, the BP trend).
        wait(driver, 20, lambda d: d.find_elements(By.CSS_SELECTOR, "#agp-chart polygon.band-outer") and d.find_elements(By.CSS_SELECTOR, "#ecg-chart circle.beat-dot")
             and len(d.find_elements(By.CSS_SELECTOR, "#bp-chart circle.sys-dot")) >= 2,
             "the AGP, ECG and BP charts were not drawn (the BP trend with the live reading)")
        fits_touchscreen(driver, "dashboard")
        shot(driver, out, "hub-1-alert-live.png")

        by = "Pharmacist Ada Lovelace"
        field = driver.find_element(By.ID, "ack-by")
        field.clear()
        field.send_keys(by)
        # Found afresh: the list may have been re-rendered since the alert arrived.
        driver.find_element(By.CSS_SELECTOR, f"li.alert[data-alert-id='{alert_id}'] button.ack").click()
        wait(driver, 15, lambda d: d.find_element(By.CSS_SELECTOR, f"li.alert[data-alert-id='{alert_id}']").get_attribute("data-state") == "acknowledged",
             "the page does not show the alert acknowledged")
        text = wait(driver, 5, lambda d: d.find_element(By.CSS_SELECTOR, f"li.alert[data-alert-id='{alert_id}'] .acked").text,
                    "the page does not say who acknowledged the alert")
        check(by in text, f"the page says {text!r}, not who acknowledged it")
        shot(driver, out, "hub-2-acknowledged.png")

        status, body = get_json(base, "/api/v1/alerts?state=acknowledged")
        check(status == 200 and alert_id in [a["id"] for a in body["alerts"]], f"API: the alert is not acknowledged: {body}")
        status, body = get_json(base, "/api/v1/alerts/" + urllib.request.quote(alert_id, safe="") + "/acknowledge", "POST", {"by": "someone else"})
        check(status == 409, f"API: a second acknowledgement was answered {status}")
        acknowledged_in_store(db, alert_id, by)
        # The check must be able to fail: the same record with another name is refused.
        try:
            acknowledged_in_store(db, alert_id, "Somebody Else")
        except Failure:
            pass
        else:
            raise Failure("the store check accepted the wrong acknowledger")
        print(f"hub: ok (alert {alert_id.split('/')[0]} arrived live, acknowledged in the page by {by!r}; API and store agree)")


# ---------------------------------------------------------------- kiosk

def page_state(driver):
    """Everything of the page a next patient could see or a script could read: the DOM, the visible text,
    the storage, and the page's address and history length."""
    return driver.execute_script("""
        return JSON.stringify({
          dom: document.documentElement.outerHTML,
          text: document.body.innerText,
          session: Object.entries(sessionStorage), local: Object.entries(localStorage),
          url: location.href, title: document.title });
    """)


def leaks(driver, base, previous):
    """The previous patient's values found in the page or in the kiosk API."""
    _, current = get_json(base, "/api/v1/kiosk")
    haystack = page_state(driver) + json.dumps(current)
    return [v for v in previous if v in haystack]


def kiosk_step(driver):
    return driver.find_element(By.ID, "screen").get_attribute("data-step")


def bp_patient(driver, base, out, n, expect_headline, seconds):
    """Chooses the blood-pressure test, consents and follows the protocol to the result."""
    wait(driver, 15, lambda d: d.find_elements(By.XPATH, "//button[normalize-space()='Blood pressure']"), "the choose-a-test screen is not shown")
    driver.find_element(By.XPATH, "//button[normalize-space()='Blood pressure']").click()
    wait(driver, 10, lambda d: kiosk_step(d) == "consent", "the consent screen did not come")
    text = driver.find_element(By.ID, "screen").text
    for words in ["three times", "stored in this pharmacy", "screening, not a diagnosis"]:
        check(words in text, f"the consent screen does not say {words!r}")
    if n == 1:
        fits_touchscreen(driver, "kiosk consent")
        shot(driver, out, "kiosk-1-consent.png")
    driver.find_element(By.XPATH, "//button[normalize-space()='I agree, start']").click()
    wait(driver, 10, lambda d: kiosk_step(d) == "resting", "the rest did not start")
    countdown = driver.find_element(By.ID, "countdown").text
    check(countdown.count(":") == 1, f"no countdown on the rest screen: {countdown!r}")
    if n == 1:
        shot(driver, out, "kiosk-2-resting.png")
    wait(driver, 30, lambda d: kiosk_step(d) == "measure", "the rest did not end")
    check("Reading 1 of 3" in driver.find_element(By.ID, "screen").text, "the first reading is not asked for")
    if n == 1:
        shot(driver, out, "kiosk-3-measure.png")
    wait(driver, seconds, lambda d: kiosk_step(d) == "result", "no result: the cuff's readings were not counted (consent too late?)")
    text = driver.find_element(By.ID, "result").text
    check(expect_headline in text, f"the result does not read {expect_headline!r}:\n{text}")
    return text


def kiosk_test(bin_dir, out):
    print("== browser-test: kiosk screen (firmware-sim run kiosk-bp; vitals run --kiosk --http)")
    with TestRun("kiosk", out) as run:
        procs = run.procs
        base, db = start_hub(procs, bin_dir, "kiosk-bp", ["--kiosk", "--kiosk-rest-seconds", "8", "--kiosk-interval-seconds", "6"])
        driver = run.driver = browser()
        driver.get(base + "/kiosk")

        # Patient 1: readings 142/91, 138/88, 134/86 → mean of the last two 136/87.
        text = bp_patient(driver, base, out, 1, "136/87 mmHg", 60)
        for words in ["stage-1", "high-normal", "Whelton", "Mancia", "screening, not a diagnosis"]:
            check(words in text, f"the result does not show {words!r}")
        fits_touchscreen(driver, "kiosk result")
        shot(driver, out, "kiosk-4-result.png")
        _, current = get_json(base, "/api/v1/kiosk")
        first_id = current["session"]["id"]
        previous = [first_id, "142/91", "138/88", "134/86", "136/87", "stage-1", "high-normal"]

        # The print view: the result page only.
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        check(not any(b.is_displayed() for b in driver.find_elements(By.TAG_NAME, "button")), "buttons show in the print view")
        check(driver.find_elements(By.CSS_SELECTOR, "#result .print-only") and driver.find_element(By.CSS_SELECTOR, "#result .print-only").is_displayed(),
              "the print header is not shown in the print view")
        shot(driver, out, "kiosk-5-print.png")
        pdf = driver.execute_cdp_cmd("Page.printToPDF", {"printBackground": False})
        with open(os.path.join(out, "kiosk-result.pdf"), "wb") as f:
            import base64
            f.write(base64.b64decode(pdf["data"]))
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})

        # The isolation check must be able to fail: on the result page it finds every value.
        found = leaks(driver, base, previous)
        check(len(found) == len(previous), f"the isolation check does not see the values on the result page itself: {found}")

        driver.find_element(By.XPATH, "//button[normalize-space()='Done / next patient']").click()
        wait(driver, 15, lambda d: d.find_elements(By.XPATH, "//button[normalize-space()='Blood pressure']"), "the screen was not wiped to the start")
        found = leaks(driver, base, previous)
        check(not found, f"after the end the page or the API still holds patient 1's {found}")
        check(get_json(base, "/api/v1/kiosk")[1] == {"session": None}, "the API still shows a session")
        check(driver.execute_script("return history.length") <= 2, "the session left history entries")
        shot(driver, out, "kiosk-6-wiped.png")

        # Patient 2: a new session that knows nothing of patient 1, and measures 118/76, 116/74, 114/72 → 115/73.
        text = bp_patient(driver, base, out, 2, "115/73 mmHg", 100)
        check("normal" in text, "patient 2's result is not normal")
        _, current = get_json(base, "/api/v1/kiosk")
        check(current["session"]["id"] != first_id, "patient 2 got patient 1's session id")
        found = leaks(driver, base, previous)
        check(not found, f"patient 2's screen or API holds patient 1's {found}")
        shot(driver, out, "kiosk-7-next-patient.png")
        driver.find_element(By.XPATH, "//button[normalize-space()='Done / next patient']").click()
        wait(driver, 15, lambda d: d.find_elements(By.XPATH, "//button[normalize-space()='Blood pressure']"), "the screen was not wiped after patient 2")
        check(not leaks(driver, base, ["115/73", "118/76"]), "patient 2's values stayed on the screen")

        # The store filed each patient's readings under their own session, nothing under the other's.
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
        try:
            rows = con.execute("SELECT subject_id, COUNT(*) FROM readings GROUP BY subject_id ORDER BY subject_id").fetchall()
        finally:
            con.close()
        check(len(rows) == 2 and all(n == 3 for _, n in rows) and f"kiosk/{first_id}" in [s for s, _ in rows],
              f"store: readings by subject {rows}, expected 3 under each of the two sessions")
        print(f"kiosk: ok (two patients, consent → rest → 3 readings → result; print view; after each end nothing of the last remains)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("tests", nargs="*", default=["hub", "kiosk"])
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    tests = {"hub": hub_test, "kiosk": kiosk_test}
    failed = 0
    for name in a.tests:
        try:
            tests[name](a.bin, a.out)
        except Failure as e:
            failed += 1
            print(f"{name}: FAILED: {e}", file=sys.stderr)
    print(f"browser-test: {len(a.tests) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
