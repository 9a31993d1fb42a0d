#!/usr/bin/python3
"""Browser end-to-end test of the Distributed Data Analysis plugin (headless Chromium).

Runs against a live WordPress with the plugin active and a real dda-server + dda-runner
(scripts/test-wordpress.sh starts them). Steps, in order:
  log in; save the settings; Test connection shows success; create a task with code 100
  from the form and watch it reach `completed` without a page reload; open the result
  dialog, read `raw data`, close it with Esc (focus returns); cancel a pending task (and
  retry it); the runners tab lists the runner; "Create tasks from a file": a CSV with a bad
  row is refused with its line number before anything is sent, a CSV of 2,500 rows shows
  its preview and is created in 3 batches with the progress reaching the end, a JSON Lines
  file too (the tasks are then read back from the API and found in the list); Screen Options
  set 5 tasks per page, Older and Newer page through the list with the API's cursor, the
  search by id prefix and the operation filter narrow it; a bulk Cancel cancels the pending
  tasks checked and names the one it could not cancel, a bulk Retry makes them pending
  again; a runner registered in the test (with the registration token) declares an
  operation whose params_schema has a number with minimum and maximum, an enum and an
  array: the create form lists it with its runners online, shows its fields, refuses a
  number over the maximum in the browser, and creates a task with typed params, one with
  "Run at" scheduled in UTC; the Overview tab and the Dashboard widget draw the chart with
  the run's tasks and its table; that runner is paused and resumed, then removed after a
  confirmation; with the API URL pointed at a closed port (through the settings form, whose
  save tests the connection and keeps the result) the task table says the tasks could not
  be loaded under one error notice, and the settings are restored; the API key appears in
  no page source and no response the browser received, and the browser never contacted the
  API server.
Screenshots in DDA_E2E_SCREENSHOTS: settings.png, tasks.png (after a bulk action), modal.png,
file.png, form.png (the catalog-driven form), overview.png, dashboard.png, runners.png (a
paused runner), server-down.png.

Environment: DDA_E2E_BASE_URL, DDA_E2E_USER, DDA_E2E_PASSWORD, DDA_E2E_API_URL,
DDA_E2E_API_KEY, DDA_E2E_REG_TOKEN (the server's registration token; without it the steps
that register a runner fail with that reason), DDA_E2E_SCREENSHOTS. Prints one line per step and ends with
`e2e: N passed, M failed`; exit status 1 when a step failed.

Debian's python3-selenium imports only under /usr/bin/python3.
"""
import base64
import json
import os
import re
import shutil
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request
import uuid
from urllib.parse import urlencode, urlparse

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

BASE = os.environ["DDA_E2E_BASE_URL"].rstrip("/")
USER = os.environ["DDA_E2E_USER"]
PASSWORD = os.environ["DDA_E2E_PASSWORD"]
API_URL = os.environ["DDA_E2E_API_URL"].rstrip("/")
API_KEY = os.environ["DDA_E2E_API_KEY"]
REG_TOKEN = os.environ.get("DDA_E2E_REG_TOKEN", "")
SHOTS = os.environ.get("DDA_E2E_SCREENSHOTS", ".run/screenshots")
TASKS_URL = BASE + "/wp-admin/admin.php?page=dda-tasks"
SETTINGS_URL = BASE + "/wp-admin/admin.php?page=dda-settings"
# A code no runner registered for: the task stays pending until cancelled.
PENDING_CODE = "424242"


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def api_get(path, query=None):
    """GET on the DDA API with the key (from this test, not from the browser)."""
    url = API_URL + path + ("?" + urlencode(query) if query else "")
    request = urllib.request.Request(url, headers={"X-API-Key": API_KEY, "Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=20) as response:
        return json.loads(response.read().decode("utf-8"))


def api_call(method, path, body=None, headers=None):
    """A request to the DDA API (from this test); returns (status, decoded JSON or None)."""
    data = None if body is None else json.dumps(body).encode("utf-8")
    all_headers = {"Accept": "application/json"}
    if body is not None:
        all_headers["Content-Type"] = "application/json"
    all_headers.update(headers or {"X-API-Key": API_KEY})
    request = urllib.request.Request(API_URL + path, data=data, method=method, headers=all_headers)
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            text = response.read().decode("utf-8")
            return response.status, (json.loads(text) if text else None)
    except urllib.error.HTTPError as error:
        text = error.read().decode("utf-8", "replace")
        try:
            return error.code, json.loads(text)
        except ValueError:
            return error.code, None


def create_api_task(code, params=None, **extra):
    body = {"operation_code": code, "params": params or {}}
    body.update(extra)
    status, answer = api_call("POST", "/task", body)
    check(status == 201, "POST /task answered %s: %r" % (status, answer))
    return answer["task_id"]


def pending_tasks_with(marker, want, pages=10):
    """The pending tasks (newest first) whose params carry e2e == marker, paging through
    GET /tasks/all until `want` are found."""
    found, before = [], None
    for _ in range(pages):
        query = {"status": "pending", "limit": 1000}
        if before:
            query["before"] = before
        page = api_get("/tasks/all", query)
        found += [t for t in page if isinstance(t.get("params"), dict) and t["params"].get("e2e") == marker]
        if len(found) >= want or len(page) < 1000:
            break
        before = page[-1]["task_id"]
    return found


class Browser:
    def __init__(self):
        options = webdriver.ChromeOptions()
        for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                    "--window-size=1280,1000", "--lang=en-US", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--disable-features=Translate,OptimizationHints,MediaRouter"):
            options.add_argument(arg)
        options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        self.driver.set_page_load_timeout(60)
        self.driver.execute_cdp_cmd("Network.enable", {})
        # Everything the browser received, for the key-leak check.
        self.responses = {}      # requestId -> (url, status, mime)
        self.finished = set()
        self.bodies_checked = 0
        self.checked_urls = []
        self.bodies_unavailable = []
        self.request_urls = set()
        self.sources_checked = 0
        self.leaks = []

    def wait(self, seconds=20):
        return WebDriverWait(self.driver, seconds, poll_frequency=0.2,
                             ignored_exceptions=(StaleElementReferenceException,))

    def get(self, url):
        self.harvest()
        self.driver.get(url)
        self.check_source()

    def check_source(self):
        self.sources_checked += 1
        if API_KEY in self.driver.page_source:
            self.leaks.append("page source of " + self.driver.current_url)

    def harvest(self):
        """Reads the performance log and checks every finished response body for the key."""
        for entry in self.driver.get_log("performance"):
            try:
                message = json.loads(entry["message"])["message"]
            except (KeyError, ValueError):
                continue
            method, params = message.get("method"), message.get("params", {})
            if method == "Network.requestWillBeSent":
                self.request_urls.add(params["request"]["url"])
                for header, value in params["request"].get("headers", {}).items():
                    if API_KEY in str(value):
                        self.leaks.append("request header %s to %s" % (header, params["request"]["url"]))
            elif method == "Network.responseReceived":
                response = params["response"]
                self.responses[params["requestId"]] = (response["url"], response.get("status", 0), response.get("mimeType", ""))
                for header, value in response.get("headers", {}).items():
                    if API_KEY in str(value):
                        self.leaks.append("response header %s of %s" % (header, response["url"]))
            elif method == "Network.loadingFinished":
                self.finished.add(params["requestId"])
        for request_id in sorted(self.finished):
            if request_id not in self.responses:
                continue
            url, status, _ = self.responses.pop(request_id)
            self.finished.discard(request_id)
            if url.startswith("data:") or 300 <= status < 400:
                continue
            try:
                body = self.driver.execute_cdp_cmd("Network.getResponseBody", {"requestId": request_id})
            except WebDriverException:
                self.bodies_unavailable.append(url)
                continue
            text = body.get("body", "")
            data = base64.b64decode(text) if body.get("base64Encoded") else text.encode("utf-8", "replace")
            self.bodies_checked += 1
            self.checked_urls.append(url)
            if API_KEY.encode() in data:
                self.leaks.append("response body of " + url)

    def screenshot(self, name):
        os.makedirs(SHOTS, exist_ok=True)
        path = os.path.join(SHOTS, name)
        # Grow the window to the page so the whole screen is in the picture.
        height = self.driver.execute_script(
            "return Math.max(document.documentElement.scrollHeight, document.body.scrollHeight)")
        self.driver.set_window_size(1280, max(1000, min(int(height) + 140, 2400)))
        self.driver.save_screenshot(path)
        self.driver.set_window_size(1280, 1000)
        return path

    def row(self, task_id):
        return self.driver.find_element(By.CSS_SELECTOR, 'tr[data-task-id="%s"]' % task_id)

    def row_status(self, task_id):
        # Read in one script: the table may be re-rendered between two WebDriver calls.
        return self.driver.execute_script(
            "var r = document.querySelector('tr[data-task-id=\"' + arguments[0] + '\"]');"
            "return r ? r.getAttribute('data-status') : null;", task_id)

    def click_row_action(self, task_id, selector):
        """Hovers the row (row actions show on hover, as in wp-admin) and clicks the action.
        The auto-refresh may replace the row between hover and click: then try again."""
        for attempt in range(5):
            try:
                row = self.row(task_id)
                ActionChains(self.driver).move_to_element(row).perform()
                link = row.find_element(By.CSS_SELECTOR, ".row-actions " + selector)
                # Not self.wait(): it ignores a stale element, which would turn a row the
                # refresh replaced into a timeout instead of another try.
                WebDriverWait(self.driver, 5, poll_frequency=0.2).until(lambda d: link.is_displayed())
                link.click()
                return
            except StaleElementReferenceException:
                if attempt == 4:
                    raise

    def create_task(self, operation, params="{}", other_code=None):
        driver = self.driver
        Select(driver.find_element(By.ID, "dda-operation")).select_by_value(operation)
        if other_code is not None:
            field = driver.find_element(By.ID, "dda-operation-other")
            self.wait(5).until(lambda d: field.is_displayed())
            field.clear()
            field.send_keys(other_code)
        if params is not None:  # None: the operation's own fields are filled in already
            textarea = driver.find_element(By.ID, "dda-params")
            textarea.clear()
            textarea.send_keys(params)
        before = {n.get_attribute("data-task-id") for n in driver.find_elements(By.CSS_SELECTOR, "#dda-notices .notice-success[data-task-id]")}
        driver.find_element(By.ID, "dda-create-submit").click()

        def new_notice(d):
            errors = d.find_elements(By.CSS_SELECTOR, "#dda-notices .notice-error")
            if errors:
                raise Failure("creating the task failed: " + errors[0].text)
            for notice in d.find_elements(By.CSS_SELECTOR, "#dda-notices .notice-success[data-task-id]"):
                if notice.get_attribute("data-task-id") not in before:
                    return notice
            return False

        notice = self.wait(20).until(new_notice)
        task_id = notice.get_attribute("data-task-id")
        check(re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", task_id or ""),
              "the notice carries no task id: %r" % task_id)
        return task_id

    def count_batch_requests(self):
        """From now on, counts the page's requests to /dda/v1/tasks/batch and how many run at once."""
        self.driver.execute_script("""
            window.__ddaBatchNow = 0; window.__ddaBatchMax = 0; window.__ddaBatchCount = 0;
            if (!window.__ddaBatchWrapped) {
                window.__ddaBatchWrapped = true;
                var original = window.fetch;
                window.fetch = function (url) {
                    var batch = String(url).indexOf('/dda/v1/tasks/batch') !== -1;
                    if (batch) { window.__ddaBatchNow++; window.__ddaBatchCount++; window.__ddaBatchMax = Math.max(window.__ddaBatchMax, window.__ddaBatchNow); }
                    return original.apply(this, arguments).finally(function () { if (batch) { window.__ddaBatchNow--; } });
                };
            }
        """)

    def choose_file(self, path, operation, other_code=None, priority=None):
        """Fills the file form (without submitting) and waits until the file is read."""
        driver = self.driver
        Select(driver.find_element(By.ID, "dda-file-operation")).select_by_value(operation)
        if other_code is not None:
            field = driver.find_element(By.ID, "dda-file-operation-other")
            self.wait(5).until(lambda d: field.is_displayed())
            field.clear()
            field.send_keys(other_code)
        if priority is not None:
            field = driver.find_element(By.ID, "dda-file-priority")
            field.clear()
            field.send_keys(priority)
        driver.find_element(By.ID, "dda-file").send_keys(path)
        # Read and checked: either the preview or the list of problems is shown.
        self.wait(30).until(lambda d: d.execute_script(
            "var p = document.getElementById('dda-file-preview'), e = document.getElementById('dda-file-error');"
            "return (!p.hidden && p.querySelectorAll('li').length > 0) || !e.hidden;"))

    def preview_rows(self):
        return self.driver.execute_script(
            "return Array.prototype.map.call(document.querySelectorAll('#dda-file-preview-rows li'),"
            " function (li) { return [li.getAttribute('data-line'), li.querySelector('code').textContent]; });")

    def create_from_file(self, total, seconds=120):
        """Presses Create and waits until every task is created (or a batch failed)."""
        driver = self.driver
        self.count_batch_requests()
        driver.find_element(By.ID, "dda-file-submit").click()
        expected = "%s of %s tasks created" % ("{:,}".format(total), "{:,}".format(total))

        def done(d):
            failure = d.find_element(By.ID, "dda-file-failure")
            if failure.is_displayed():
                raise Failure("a batch failed: " + failure.text)
            return d.find_element(By.ID, "dda-file-progress-text").text == expected and \
                d.find_elements(By.CSS_SELECTOR, '#dda-notices .notice-success[data-dda-created="%d"]' % total)

        self.wait(seconds).until(done)
        bar = driver.find_element(By.ID, "dda-file-progress-bar")
        check(bar.tag_name == "progress" and bar.get_attribute("value") == str(total) and bar.get_attribute("max") == str(total),
              "progress bar: value %s of %s" % (bar.get_attribute("value"), bar.get_attribute("max")))
        check(driver.execute_script("return window.__ddaBatchMax") == 1, "batches were sent in parallel")
        return driver.execute_script("return window.__ddaBatchCount")

    def quit(self):
        try:
            self.driver.quit()
        except WebDriverException:
            pass


def main():
    browser = Browser()
    driver = browser.driver
    results = []
    state = {}

    def failure_context(number):
        """The page a step failed on: its URL, its notices, a screenshot's path."""
        try:
            notices = [e.text.strip()[:200] for e in driver.find_elements(By.CSS_SELECTOR, ".wrap .notice, .wrap .settings-error")
                       if e.text.strip()]
            shot = browser.screenshot("failed-%02d.png" % (number + 1))
            return "       page %s\n       notices %s\n       screenshot %s" % (driver.current_url, notices, shot)
        except Exception as error:  # noqa: BLE001 — the report must not hide the failure
            return "       (the page could not be read: %s)" % error

    def mark_page():
        """Marks the current page, for wait_next_page()."""
        driver.execute_script("window.ddaOldPage = true;")

    def wait_next_page(what):
        # Not EC.staleness_of: while the page goes, chromedriver may answer "Node with given id
        # does not belong to the document" (a WebDriverException, not a stale element; seen in
        # CI). The mark is gone once another page is there; errors mid-navigation are waited out.
        WebDriverWait(driver, 20, poll_frequency=0.2, ignored_exceptions=(WebDriverException,)).until(
            lambda d: d.execute_script("return !window.ddaOldPage && document.readyState !== 'loading';"),
            "%s was not sent: the page stayed" % what)

    def submit_and_wait(button, located):
        """Clicks a button that sends a form, waits for the next page to hold `located`."""
        mark_page()
        browser.harvest()
        button.click()
        wait_next_page("the form")
        return browser.wait().until(EC.presence_of_element_located(located), "the page after the form has no %s" % (located,))

    def check_settings_saved(after):
        notices = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".wrap .notice, .wrap .settings-error")]
        check(driver.find_elements(By.ID, "setting-error-settings_updated"), "no \"Settings saved.\" after %s: %s" % (after, notices))

    def fresh(read, tries=3):
        """Runs `read` again when the page's 10-second refresh replaced an element it held
        (rows, paging links and the runners table are replaced; their state is kept)."""
        for attempt in range(tries):
            try:
                return read()
            except StaleElementReferenceException:
                if attempt == tries - 1:
                    raise

    def text_of(css):
        return fresh(lambda: driver.find_element(By.CSS_SELECTOR, css).text)

    def select_box(box):
        if not box.is_selected():
            box.click()

    def step(name):
        def run(fn):
            started = time.time()
            try:
                fn()
                results.append((name, True, ""))
                print("ok     %-62s %5.1fs" % (name, time.time() - started), flush=True)
            except Exception as error:  # noqa: BLE001 — every failure is reported, then the next step runs
                if isinstance(error, TimeoutException):
                    # A timeout says little by itself (and chromedriver's stack is addresses):
                    # name the wait by this file's lines on the way to it, the page and its
                    # notices, and keep a picture.
                    detail = "TimeoutException: %s" % (error.msg or "a wait ran out")
                    here = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == __file__]
                    detail += "".join("\n       at line %d: %s" % (f.lineno, f.line) for f in here[1:])
                    detail += "\n" + failure_context(len(results))
                else:
                    detail = "%s: %s" % (type(error).__name__, error)
                    if not isinstance(error, Failure):
                        detail += "\n" + traceback.format_exc()
                results.append((name, False, detail))
                print("FAILED %-62s %5.1fs\n       %s" % (name, time.time() - started, detail.strip()), flush=True)
            return fn
        return run

    @step("log in to wp-admin")
    def _():
        browser.get(BASE + "/wp-login.php")
        driver.find_element(By.ID, "user_login").send_keys(USER)
        driver.find_element(By.ID, "user_pass").send_keys(PASSWORD)
        browser.harvest()
        driver.find_element(By.ID, "wp-submit").click()
        browser.wait().until(EC.presence_of_element_located((By.ID, "wpadminbar")))
        browser.check_source()

    @step("save the settings (URL, key, timeout)")
    def _():
        browser.get(SETTINGS_URL)
        url = driver.find_element(By.ID, "dda_api_url")
        url.clear()
        url.send_keys(API_URL)
        key = driver.find_element(By.ID, "dda_api_key")
        check(key.get_attribute("type") == "password", "the key field is not a password field")
        check(key.get_attribute("value") == "", "the key field is not empty")
        key.send_keys(API_KEY)
        timeout = driver.find_element(By.ID, "dda_timeout")
        timeout.clear()
        timeout.send_keys("10")
        check(url.get_attribute("value") == API_URL, "typed %s, the field holds %r" % (API_URL, url.get_attribute("value")))
        submit_and_wait(driver.find_element(By.ID, "submit"), (By.ID, "dda-connection-result"))
        check_settings_saved("the first save")
        browser.check_source()
        check(driver.find_element(By.ID, "dda_api_url").get_attribute("value") == API_URL, "the URL was not saved")
        check(driver.find_element(By.ID, "dda_api_key").get_attribute("value") == "", "the stored key is printed back")

    @step("Test connection shows success")
    def _():
        driver.find_element(By.ID, "dda-test-connection").click()
        result = browser.wait().until(EC.presence_of_element_located((By.CSS_SELECTOR, "#dda-connection-result [data-dda-result]")))
        check(result.get_attribute("data-dda-result") == "success", "Test connection failed: " + result.text)
        check("Connected to dda-server" in result.text and "API key was accepted" in result.text, "unexpected text: " + result.text)
        state["settings_shot"] = browser.screenshot("settings.png")

    @step("the create form refuses params that are not a JSON object")
    def _():
        browser.get(TASKS_URL)
        driver.execute_script("window.__ddaNoReload = 'still-the-same-page';")
        textarea = driver.find_element(By.ID, "dda-params")
        textarea.clear()
        textarea.send_keys("[1, 2, 3]")
        driver.find_element(By.ID, "dda-create-submit").click()
        error = driver.find_element(By.ID, "dda-params-error")
        browser.wait(5).until(lambda d: error.is_displayed())
        check("JSON object" in error.text, "unexpected error text: " + error.text)
        check(textarea.get_attribute("aria-invalid") == "true", "the field is not marked invalid")
        check(driver.switch_to.active_element == textarea, "focus did not move to the invalid field")
        check(not driver.find_elements(By.CSS_SELECTOR, "#dda-notices .notice"), "a request was sent anyway")

    @step("create a task with code 100 from the form")
    def _():
        state["done_id"] = browser.create_task("100", "{}")

    @step("the task reaches completed in the table without a reload")
    def _():
        task_id = state["done_id"]
        # The row appears right after creation; the 10 s auto-refresh brings the new status.
        browser.wait(10).until(lambda d: browser.row_status(task_id) is not None)
        browser.wait(40).until(lambda d: browser.row_status(task_id) == "completed")
        check(driver.execute_script("return window.__ddaNoReload") == "still-the-same-page", "the page was reloaded")
        text = driver.execute_script(
            "return document.querySelector('tr[data-task-id=\"' + arguments[0] + '\"]').innerText", task_id)
        check("100 — raw data" in text, "operation column: " + text)
        check("local-runner-1" in text, "runner column does not name the runner: " + text)
        updated = driver.find_element(By.ID, "dda-updated").text
        check(re.fullmatch(r"Updated \d\d:\d\d:\d\d", updated), "no 'updated hh:mm:ss': %r" % updated)

    @step("refreshes never overlap, and the table refreshes itself every 10 s")
    def _():
        # Count the list requests in flight (the page's code calls window.fetch at call time).
        driver.execute_script("""
            window.__ddaNow = 0; window.__ddaMax = 0; window.__ddaCount = 0;
            var original = window.fetch;
            window.fetch = function (url) {
                var list = String(url).indexOf('/dda/v1/tasks?') !== -1;
                if (list) { window.__ddaNow++; window.__ddaCount++; window.__ddaMax = Math.max(window.__ddaMax, window.__ddaNow); }
                return original.apply(this, arguments).finally(function () { if (list) { window.__ddaNow--; } });
            };
            var button = document.getElementById('dda-refresh-now');
            for (var i = 0; i < 5; i++) { button.click(); }
        """)
        browser.wait(20).until(lambda d: d.execute_script("return window.__ddaCount >= 1 && window.__ddaNow === 0"))
        check(driver.execute_script("return window.__ddaMax") == 1, "overlapping refresh requests: %s at once" % driver.execute_script("return window.__ddaMax"))
        count = driver.execute_script("return window.__ddaCount")
        updated = driver.find_element(By.ID, "dda-updated").text
        started = time.time()
        # No interaction from here: the next refresh comes from the 10 s timer.
        browser.wait(16).until(lambda d: d.execute_script("return window.__ddaCount") > count and d.execute_script("return window.__ddaNow") == 0)
        waited = time.time() - started
        check(waited > 5, "the automatic refresh came too early (%.1f s)" % waited)
        browser.wait(5).until(lambda d: d.find_element(By.ID, "dda-updated").text != updated)
        check(driver.execute_script("return window.__ddaNoReload") == "still-the-same-page", "the page was reloaded")

    @step("View result opens the dialog with the result and event log")
    def _():
        task_id = state["done_id"]
        browser.click_row_action(task_id, ".dda-view-result")
        dialog = browser.wait().until(EC.visibility_of_element_located((By.ID, "dda-task-dialog")))
        check(dialog.get_attribute("open") is not None, "the dialog is not open")
        result = browser.wait().until(EC.visibility_of_element_located((By.CSS_SELECTOR, "#dda-task-dialog .dda-details__result")))
        check(result.text.strip() == "raw data", "result text: %r" % result.text)
        events = dialog.find_element(By.CSS_SELECTOR, ".dda-details__events").text
        for word in ("Created", "Leased to a runner", "Result received"):
            check(word in events, "event log lacks %r: %s" % (word, events))
        summary = dialog.find_element(By.CSS_SELECTOR, ".dda-details__summary").text
        check("local-runner-1" in summary, "the dialog does not name the runner: " + summary)
        check("local-runner-1" in events, "the event log does not name the runner: " + events)
        active = driver.switch_to.active_element
        check(driver.execute_script("return arguments[0].contains(arguments[1])", dialog, active), "focus is not in the dialog")
        state["modal_shot"] = browser.screenshot("modal.png")

    @step("Esc closes the dialog and focus returns to the row")
    def _():
        task_id = state["done_id"]
        driver.switch_to.active_element.send_keys(Keys.ESCAPE)
        browser.wait(5).until(lambda d: d.find_element(By.ID, "dda-task-dialog").get_attribute("open") is None)
        active = driver.switch_to.active_element
        check(active.get_attribute("data-task-id") == task_id and "dda-view-result" in (active.get_attribute("class") or ""),
              "focus did not return to View result (active: %s)" % active.get_attribute("outerHTML")[:200])

    @step("cancel a pending task")
    def _():
        task_id = browser.create_task("other", "{\"note\": \"waits for a runner that never comes\"}", other_code=PENDING_CODE)
        state["pending_id"] = task_id
        browser.wait(20).until(lambda d: browser.row_status(task_id) == "pending")
        browser.click_row_action(task_id, '[data-dda-action="cancel"]')
        browser.wait(20).until(lambda d: browser.row_status(task_id) == "cancelled")
        check(driver.execute_script("return window.__ddaNoReload") == "still-the-same-page", "the page was reloaded")

    @step("retry the cancelled task, then cancel it again")
    def _():
        task_id = state["pending_id"]
        browser.click_row_action(task_id, '[data-dda-action="retry"]')
        browser.wait(20).until(lambda d: browser.row_status(task_id) == "pending")
        browser.click_row_action(task_id, '[data-dda-action="cancel"]')
        browser.wait(20).until(lambda d: browser.row_status(task_id) == "cancelled")
        ActionChains(driver).move_to_element(driver.find_element(By.TAG_NAME, "h1")).perform()
        state["tasks_shot"] = browser.screenshot("tasks.png")

    @step("the status filter shows only cancelled tasks")
    def _():
        browser.get(TASKS_URL + "&status=cancelled")
        rows = driver.find_elements(By.CSS_SELECTOR, "#the-list tr[data-task-id]")
        check(rows, "no rows under Cancelled")
        statuses = {r.get_attribute("data-status") for r in rows}
        check(statuses == {"cancelled"}, "statuses under Cancelled: %s" % statuses)
        check(browser.row_status(state["pending_id"]) == "cancelled", "the cancelled task is not listed")

    @step("the runners tab lists the runner")
    def _():
        browser.get(TASKS_URL + "&tab=runners")
        table = browser.wait().until(EC.presence_of_element_located((By.CSS_SELECTOR, "#dda-table tbody tr[data-runner-id]")))
        text = driver.find_element(By.ID, "dda-table").text
        check("local-runner-1" in text, "runner name missing: " + text)
        check(re.search(r"Idle|Busy", text), "runner state missing: " + text)
        check(table is not None, "no runner row")

    files = tempfile.mkdtemp(prefix="dda-e2e-files-")

    @step("a file with a bad row is refused with its line number, nothing is sent")
    def _():
        browser.get(TASKS_URL)
        path = os.path.join(files, "bad.csv")
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write("name,value\r\nfirst,1\r\nsecond,2\r\nthird,3,extra\r\n")
        browser.count_batch_requests()
        browser.choose_file(path, "100")
        error = driver.find_element(By.ID, "dda-file-error")
        check(error.is_displayed(), "no error shown for a bad row")
        check("Line 4: 3 cells, but the header row has 2 columns." in error.text, "error text: " + error.text)
        check(driver.find_element(By.ID, "dda-file").get_attribute("aria-invalid") == "true", "the file field is not marked invalid")
        check(not driver.find_element(By.ID, "dda-file-preview").is_displayed(), "a preview of a bad file is shown")
        driver.find_element(By.ID, "dda-file-submit").click()
        check(driver.switch_to.active_element == driver.find_element(By.ID, "dda-file"), "focus did not move to the file field")
        check(driver.execute_script("return window.__ddaBatchCount") == 0, "a batch was sent for a bad file")

    @step("a CSV of 2,500 rows: preview, then 3 batches with progress to the end")
    def _():
        marker = "csv-" + uuid.uuid4().hex[:12]
        state["csv_marker"] = marker
        path = os.path.join(files, "tasks.csv")
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write("\ufeffrow,label,values,flag,e2e\r\n")
            for i in range(1, 2501):
                f.write('%d,"item %d, ok","[%d, %d]",%s,%s\r\n' % (i, i, i, i + 1, "true" if i % 2 else "false", marker))
        browser.choose_file(path, "other", other_code=PENDING_CODE, priority="-7")
        check(not driver.find_element(By.ID, "dda-file-error").is_displayed(),
              "the CSV was refused: " + driver.find_element(By.ID, "dda-file-error").text)
        rows = browser.preview_rows()
        check(len(rows) == 5, "preview rows: %d" % len(rows))
        check(rows[0] == ["2", '{"row":1,"label":"item 1, ok","values":[1, 2],"flag":true,"e2e":"%s"}' % marker],
              "first preview row: %r" % (rows[0],))
        check(rows[4][0] == "6", "the fifth preview row is not line 6: %r" % (rows[4],))
        summary = driver.find_element(By.ID, "dda-file-summary").text
        check("2,500 tasks in tasks.csv (CSV)" in summary, "summary: " + summary)
        submit = driver.find_element(By.ID, "dda-file-submit")
        check(submit.get_attribute("value") == "Create 2,500 tasks", "button: " + submit.get_attribute("value"))
        state["file_shot"] = browser.screenshot("file.png")
        batches = browser.create_from_file(2500)
        check(batches == 3, "%d batch requests for 2,500 tasks" % batches)

    @step("the 2,500 tasks exist on the API with typed params")
    def _():
        marker = state["csv_marker"]
        tasks = pending_tasks_with(marker, 2500)
        check(len(tasks) == 2500, "found %d of 2,500 tasks on the API" % len(tasks))
        by_row = {t["params"]["row"]: t for t in tasks}
        check(sorted(by_row) == list(range(1, 2501)), "rows missing or twice")
        first = by_row[1]
        check(first["params"] == {"row": 1, "label": "item 1, ok", "values": [1, 2], "flag": True, "e2e": marker},
              "params of row 1: %r" % first["params"])
        check(by_row[2]["params"]["flag"] is False, "flag of row 2: %r" % by_row[2]["params"]["flag"])
        check(first["operation_code"] == int(PENDING_CODE) and first["priority"] == -7,
              "code %r, priority %r" % (first["operation_code"], first["priority"]))

    @step("a JSON Lines file: preview, creation, the tasks in the list")
    def _():
        marker = "jsonl-" + uuid.uuid4().hex[:12]
        path = os.path.join(files, "tasks.jsonl")
        lines = ['{"e2e": "%s", "n": %d, "nested": {"ok": true}}' % (marker, n) for n in range(3)]
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(lines[0] + "\r\n\r\n" + lines[1] + "\r\n" + lines[2] + "\r\n")
        browser.choose_file(path, "100", priority="0")
        check(not driver.find_element(By.ID, "dda-file-error").is_displayed(),
              "the JSON Lines file was refused: " + driver.find_element(By.ID, "dda-file-error").text)
        rows = browser.preview_rows()
        check(rows == [["1", lines[0]], ["3", lines[1]], ["4", lines[2]]], "preview: %r" % (rows,))
        check("3 tasks in tasks.jsonl (JSON Lines)" in driver.find_element(By.ID, "dda-file-summary").text, "summary")
        check(browser.create_from_file(3) == 1, "more than one batch for 3 tasks")
        tasks = api_get("/tasks/all", {"limit": 100})
        mine = [t for t in tasks if isinstance(t.get("params"), dict) and t["params"].get("e2e") == marker]
        check(len(mine) == 3, "found %d of 3 tasks on the API" % len(mine))
        check(sorted(t["params"]["n"] for t in mine) == [0, 1, 2], "params: %r" % [t["params"] for t in mine])
        # The list refreshes after the upload: the new tasks are rows of the table.
        for task in mine:
            browser.wait(20).until(lambda d, i=task["task_id"]: browser.row_status(i) is not None)

    @step("an answer lost mid-way: the failed batch is named, Retry creates nothing twice")
    def _():
        marker = "retry-" + uuid.uuid4().hex[:12]
        path = os.path.join(files, "retry.csv")
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write("n,e2e\n" + "".join("%d,%s\n" % (n, marker) for n in range(2100)))
        browser.choose_file(path, "other", other_code=PENDING_CODE, priority="0")
        browser.count_batch_requests()
        # The second batch reaches WordPress (and the API), but its answer never arrives.
        driver.execute_script("""
            window.__ddaLoseOnce = true;
            var original = window.fetch;
            window.fetch = function (url, init) {
                var sent = original.apply(this, arguments);
                if (window.__ddaLoseOnce && String(url).indexOf('/dda/v1/tasks/batch') !== -1
                        && init && String(init.body).indexOf('"batch":1,') !== -1) {
                    window.__ddaLoseOnce = false;
                    return sent.then(function () { throw new TypeError('answer lost'); });
                }
                return sent;
            };
        """)
        driver.find_element(By.ID, "dda-file-submit").click()
        failure = browser.wait(60).until(EC.visibility_of_element_located((By.ID, "dda-file-failure")))
        text = failure.text
        check("Batch 2 of 3 failed" in text and "1,000 of 2,100 tasks were created" in text, "failure text: " + text)
        check(failure.get_attribute("role") == "alert", "the failure is not an alert")
        check(driver.find_element(By.ID, "dda-file-progress-text").text == "1,000 of 2,100 tasks created", "progress after the failure")
        check(driver.find_element(By.ID, "dda-file-submit").get_attribute("disabled") is not None, "Create is enabled while a batch waits for its retry")
        retry = driver.find_element(By.ID, "dda-file-retry")
        check(retry.text == "Retry batch 2", "retry button: " + retry.text)
        retry.click()
        browser.wait(60).until(lambda d: d.find_element(By.ID, "dda-file-progress-text").text == "2,100 of 2,100 tasks created"
                               and d.find_elements(By.CSS_SELECTOR, '#dda-notices .notice-success[data-dda-created="2100"]'))
        check(driver.execute_script("return window.__ddaBatchCount") == 4, "batch requests: %s" % driver.execute_script("return window.__ddaBatchCount"))
        tasks = pending_tasks_with(marker, 2100)
        check(len(tasks) == 2100, "the API has %d tasks of this file, not 2,100" % len(tasks))
        check(sorted(t["params"]["n"] for t in tasks) == list(range(2100)), "a row is missing or twice")

    shutil.rmtree(files, ignore_errors=True)

    # ------------------------------------------------------------------ issue 15: the list

    def row_ids():
        return driver.execute_script(
            "return Array.prototype.map.call(document.querySelectorAll('#the-list tr[data-task-id]'),"
            " function (r) { return r.getAttribute('data-task-id'); });")

    def set_per_page(value):
        browser.get(TASKS_URL)
        toggle = driver.find_element(By.ID, "show-settings-link")
        toggle.click()
        # The panel slides open; WordPress marks the link expanded once it is open
        # (common.js, screenMeta.open). Typing and clicking wait for that.
        browser.wait(5).until(lambda d: toggle.get_attribute("aria-expanded") == "true",
                              "the Screen Options panel did not open")
        field = driver.find_element(By.ID, "dda_tasks_per_page")
        field.clear()
        field.send_keys(str(value))
        check(field.get_attribute("value") == str(value), "typed %s, the field holds %r" % (value, field.get_attribute("value")))
        page = submit_and_wait(driver.find_element(By.ID, "screen-options-apply"), (By.ID, "dda-page"))
        shown = page.get_attribute("data-dda-per-page")
        check(shown == str(value), "Screen Options applied %s, the page shows %s per page" % (value, shown))
        browser.check_source()

    def click_page(which):
        """Clicks Older/Newer/Newest above the table and waits for the new page."""
        def find():
            link = driver.find_element(By.CSS_SELECTOR, ".tablenav.top a.dda-page-" + which)
            return link, link.get_attribute("href")
        href = fresh(find)[1]
        browser.harvest()
        fresh(lambda: find()[0].click())
        browser.wait().until(lambda d: d.current_url == href and d.execute_script("return document.readyState") == "complete")
        browser.check_source()

    @step("Screen Options: 5 tasks per page")
    def _():
        set_per_page(5)
        ids = row_ids()
        check(len(ids) == 5, "rows on the page: %d" % len(ids))
        check("Page 1: 5 tasks" in text_of(".tablenav.top .displaying-num"), "page label")
        check(driver.find_elements(By.CSS_SELECTOR, ".tablenav.top a.dda-page-older"), "no Older link although more tasks exist")
        check(not driver.find_elements(By.CSS_SELECTOR, ".tablenav.top a.dda-page-newer"), "a Newer link on the first page")

    @step("paging: Older twice, then Newer twice, the pages the API has")
    def _():
        newest = [t["task_id"] for t in api_get("/tasks/all", {"limit": 15})]
        check(row_ids() == newest[0:5], "page 1 is not the 5 newest tasks")
        click_page("older")
        check("before=" + newest[4] in driver.current_url, "Older does not page after the last task: " + driver.current_url)
        check(row_ids() == newest[5:10], "page 2: %s" % row_ids())
        check("Page 2: 5 tasks" in text_of(".tablenav.top .displaying-num"), "page 2 label")
        click_page("older")
        check(row_ids() == newest[10:15], "page 3: %s" % row_ids())
        check(driver.find_elements(By.CSS_SELECTOR, ".tablenav.top a.dda-page-newest"), "no Newest link on page 3")
        # The refresh keeps the page (the same cursor), it does not jump to the newest tasks.
        driver.find_element(By.ID, "dda-refresh-now").click()
        browser.wait().until(lambda d: d.find_element(By.ID, "dda-page").get_attribute("aria-busy") is None)
        check(row_ids() == newest[10:15], "a refresh of page 3 shows other tasks: %s" % row_ids())
        click_page("newer")
        check(row_ids() == newest[5:10], "Newer from page 3 is not page 2: %s" % row_ids())
        click_page("newer")
        check(row_ids() == newest[0:5], "Newer from page 2 is not page 1: %s" % row_ids())
        check("before=" not in driver.current_url, "page 1 carries a cursor: " + driver.current_url)

    @step("search by the start of a task id, and filter by operation")
    def _():
        target = api_get("/tasks/all", {"limit": 30})[17]["task_id"]
        search = driver.find_element(By.ID, "dda-search-input")
        search.clear()
        search.send_keys(target[:6])
        browser.harvest()
        driver.find_element(By.ID, "search-submit").click()
        browser.wait().until(lambda d: "s=" + target[:6] in d.current_url)
        browser.check_source()
        ids = row_ids()
        check(target in ids, "the task %s is not found by %s: %s" % (target, target[:6], ids))
        check(all(i.startswith(target[:6]) for i in ids), "rows not starting with the prefix: %s" % ids)
        check(driver.find_element(By.ID, "dda-search-input").get_attribute("value") == target[:6], "the search box lost the text")
        browser.get(TASKS_URL + "&s=xyz")
        check("cannot be the start of a task id" in driver.find_element(By.CSS_SELECTOR, ".wrap .notice-error").text, "no message for a search that is no id")
        check(not row_ids(), "rows for an impossible search")
        browser.get(TASKS_URL)
        Select(driver.find_element(By.ID, "dda-filter-operation")).select_by_value("100")
        browser.harvest()
        driver.find_element(By.ID, "dda-filter-submit").click()
        browser.wait().until(lambda d: "operation=100" in d.current_url)
        browser.check_source()
        texts = driver.execute_script(
            "return Array.prototype.map.call(document.querySelectorAll('#the-list tr[data-task-id] .column-operation'),"
            " function (c) { return c.textContent.trim(); });")
        check(texts and set(texts) == {"100 — raw data"}, "operations under the filter 100: %s" % set(texts))

    @step("bulk Cancel: the pending tasks are cancelled, the finished one is named")
    def _():
        set_per_page(20)
        marker = "bulk-" + uuid.uuid4().hex[:10]
        pending = [create_api_task(int(PENDING_CODE), {"e2e": marker, "n": n}) for n in range(3)]
        done = create_api_task(100, {"e2e": marker})
        browser.wait(40).until(lambda d: api_get("/task/" + done)["status"] == "completed")
        browser.get(TASKS_URL)
        for task_id in pending + [done]:
            browser.wait().until(lambda d, i=task_id: browser.row_status(i) is not None)
            fresh(lambda i=task_id: select_box(driver.find_element(By.ID, "cb-select-" + i)))
        Select(driver.find_element(By.ID, "bulk-action-selector-top")).select_by_value("cancel")
        browser.harvest()
        driver.find_element(By.ID, "doaction").click()
        notice = browser.wait().until(EC.presence_of_element_located((By.CSS_SELECTOR, ".wrap .notice.dda-notice .dda-notice__items")))
        browser.check_source()
        text = notice.find_element(By.XPATH, "..").text
        check("3 tasks cancelled; 1 could not be:" in text, "bulk notice: " + text)
        check(done[:8] in text and "current state" in text, "the task that could not be cancelled is not named with the reason: " + text)
        for task_id in pending:
            check(api_get("/task/" + task_id)["status"] == "cancelled", "task %s is not cancelled" % task_id)
            check(browser.row_status(task_id) == "cancelled", "row %s is not cancelled" % task_id)
        state["bulk_ids"] = pending

    @step("bulk Retry: the cancelled tasks are pending again; a cancelled task has no Finished time")
    def _():
        pending = state["bulk_ids"]
        finished = driver.execute_script(
            "return document.querySelector('tr[data-task-id=\"' + arguments[0] + '\"] .column-finished').textContent.trim();", pending[0])
        check("did not run" in finished, "a task cancelled before it ran shows a Finished time: %r" % finished)
        for task_id in pending:
            fresh(lambda i=task_id: select_box(driver.find_element(By.ID, "cb-select-" + i)))
        Select(driver.find_element(By.ID, "bulk-action-selector-top")).select_by_value("retry")
        browser.harvest()
        driver.find_element(By.ID, "doaction").click()
        browser.wait().until(lambda d: "3 tasks are pending again." in d.find_element(By.CSS_SELECTOR, ".wrap").text)
        browser.check_source()
        for task_id in pending:
            check(api_get("/task/" + task_id)["status"] == "pending", "task %s is not pending" % task_id)
            api_call("DELETE", "/task/" + task_id)

    # ------------------------------------------------------- issue 15: the catalog form

    SCHEMA_CODE = 4711
    SCHEMA = {
        "type": "object",
        "properties": {
            "count": {"type": "integer", "minimum": 1, "maximum": 10, "title": "Count", "description": "How many."},
            "mode": {"type": "string", "enum": ["fast", "exact"], "title": "Mode"},
            "words": {"type": "array", "items": {"type": "string"}, "title": "Words"},
            "verbose": {"type": "boolean", "title": "Verbose"},
        },
        "required": ["count", "mode"],
    }

    @step("a runner registered in the test declares an operation with a params_schema")
    def _():
        check(REG_TOKEN, "DDA_E2E_REG_TOKEN is not set (scripts/test-wordpress.sh passes the registration token)")
        status, answer = api_call("POST", "/register", {
            "name": "e2e-schema-runner", "version": "9.9.9-e2e", "labels": ["e2e", "gpu"],
            "operations": [{"code": SCHEMA_CODE, "name": "E2E word tool", "description": "Counts words (e2e).", "params_schema": SCHEMA}],
        }, headers={"X-Registration-Token": REG_TOKEN})
        check(status == 201, "POST /register answered %s: %r" % (status, answer))
        state["schema_runner"] = answer["runner_id"]
        state["schema_token"] = answer["runner_token"]

    @step("the create form lists the catalog and shows the operation's fields")
    def _():
        browser.get(TASKS_URL)
        select = Select(driver.find_element(By.ID, "dda-operation"))
        labels = {o.get_attribute("value"): o.text for o in select.options}
        check(labels.get(str(SCHEMA_CODE), "").startswith("%d — E2E word tool (1 runner online)" % SCHEMA_CODE), "option: %r" % labels.get(str(SCHEMA_CODE)))
        check("runner online" in labels.get("100", ""), "option 100: %r" % labels.get("100"))
        select.select_by_value(str(SCHEMA_CODE))
        fieldset = driver.find_element(By.CSS_SELECTOR, '.dda-schema-fields[data-code="%d"]' % SCHEMA_CODE)
        browser.wait(5).until(lambda d: fieldset.is_displayed())
        check(driver.find_element(By.ID, "dda-operation-description").text == "Counts words (e2e).", "description not shown")
        count = fieldset.find_element(By.CSS_SELECTOR, '[data-name="count"]')
        check(count.get_attribute("type") == "number" and count.get_attribute("min") == "1" and count.get_attribute("max") == "10",
              "count field: type %s min %s max %s" % (count.get_attribute("type"), count.get_attribute("min"), count.get_attribute("max")))
        check(count.get_attribute("aria-required") == "true", "count is not marked required")
        mode = fieldset.find_element(By.CSS_SELECTOR, '[data-name="mode"]')
        check(mode.tag_name == "select" and [o.get_attribute("value") for o in Select(mode).options][-2:] == ["fast", "exact"], "mode is no select of the enum")
        words = fieldset.find_element(By.CSS_SELECTOR, '[data-name="words"]')
        check(words.tag_name == "textarea", "words is no list input")
        check(fieldset.find_element(By.CSS_SELECTOR, '[data-name="verbose"]').get_attribute("type") == "checkbox", "verbose is no checkbox")
        check("(required)" in fieldset.text, "required fields are not marked")
        check(not driver.find_element(By.ID, "dda-advanced").get_attribute("open"), "the JSON box is open for an operation with fields")
        check("UTC" in driver.find_element(By.ID, "dda-run-at-help").text, "the time zone is not shown next to Run at")

    @step("the form refuses a number over the maximum in the browser, then creates typed params")
    def _():
        fieldset = driver.find_element(By.CSS_SELECTOR, '.dda-schema-fields[data-code="%d"]' % SCHEMA_CODE)
        count = fieldset.find_element(By.CSS_SELECTOR, '[data-name="count"]')
        count.clear()
        count.send_keys("11")
        Select(fieldset.find_element(By.CSS_SELECTOR, '[data-name="mode"]')).select_by_value("exact")
        words = fieldset.find_element(By.CSS_SELECTOR, '[data-name="words"]')
        words.clear()
        words.send_keys("alpha\nbeta\n")
        driver.find_element(By.ID, "dda-create-submit").click()
        error = driver.find_element(By.ID, count.get_attribute("id") + "-error")
        browser.wait(5).until(lambda d: error.is_displayed())
        check("at most 10" in error.text, "error: " + error.text)
        check(count.get_attribute("aria-invalid") == "true", "count is not marked invalid")
        check(driver.switch_to.active_element == count, "focus did not move to the invalid field")
        check(not driver.find_elements(By.CSS_SELECTOR, "#dda-notices .notice-success"), "a task was created anyway")
        panel = driver.find_element(By.CSS_SELECTOR, ".dda-create:not(.dda-file)")
        driver.execute_script("arguments[0].scrollIntoView();", panel)
        panel.screenshot(os.path.join(SHOTS, "form.png"))
        count.clear()
        count.send_keys("3")
        fieldset.find_element(By.CSS_SELECTOR, '[data-name="verbose"]').click()
        task_id = browser.create_task(str(SCHEMA_CODE), None)
        task = api_get("/task/" + task_id)
        check(task["operation_code"] == SCHEMA_CODE, "code %r" % task["operation_code"])
        check(task["params"] == {"count": 3, "mode": "exact", "words": ["alpha", "beta"], "verbose": True}, "params: %r" % task["params"])
        state["schema_task"] = task_id

    @step("a running task shows its runner's name and a progress bar")
    def _():
        runner, task_id = state["schema_runner"], state["schema_task"]
        auth = {"Authorization": "Bearer " + state["schema_token"]}
        status, lease = api_call("GET", "/tasks?runner_id=" + runner, headers=auth)
        check(status == 200 and lease["task_id"] == task_id, "the test runner was not leased the task: %s %r" % (status, lease))
        status, answer = api_call("POST", "/heartbeat", {"runner_id": runner, "task_id": task_id,
                                                          "progress": {"percent": 42, "message": "counting words"}}, headers=auth)
        check(status == 200, "heartbeat answered %s: %r" % (status, answer))
        driver.find_element(By.ID, "dda-refresh-now").click()
        browser.wait(20).until(lambda d: browser.row_status(task_id) == "running" and d.execute_script(
            "return !!document.querySelector('tr[data-task-id=\"' + arguments[0] + '\"] progress');", task_id))
        row = browser.row(task_id)
        bar = row.find_element(By.TAG_NAME, "progress")
        check(bar.get_attribute("value") == "42" and bar.get_attribute("max") == "100", "progress %s of %s" % (bar.get_attribute("value"), bar.get_attribute("max")))
        check(bar.get_attribute("aria-label"), "the progress bar has no label")
        check("42% — counting words" in row.text, "progress text: " + row.text)
        check("e2e-schema-runner" in row.find_element(By.CSS_SELECTOR, ".column-runner").text, "the runner is not named: " + row.text)

    @step("Run at: the task is scheduled at that site time, sent as UTC")
    def _():
        when = time.gmtime(time.time() + 2 * 3600)  # the test site's time zone is UTC
        local = time.strftime("%Y-%m-%dT%H:%M", when)
        driver.execute_script("document.getElementById('dda-run-at').value = arguments[0];", local)
        task_id = browser.create_task(str(SCHEMA_CODE), None)
        task = api_get("/task/" + task_id)
        check(task["available_at"].startswith(local + ":00"), "available_at %r for run at %s" % (task["available_at"], local))
        notice = driver.find_element(By.CSS_SELECTOR, '#dda-notices .notice-success[data-task-id="%s"]' % task_id).text
        check("It runs at" in notice, "the notice does not say when it runs: " + notice)
        browser.wait(20).until(lambda d: browser.row_status(task_id) == "pending")
        status_cell = driver.execute_script(
            "return document.querySelector('tr[data-task-id=\"' + arguments[0] + '\"] .column-status').textContent;", task_id)
        check("Runs at" in status_cell and time.strftime("%Y-%m-%d %H:%M", when) in status_cell, "status cell: %r" % status_cell)
        driver.execute_script("document.getElementById('dda-run-at').value = '';")
        state["scheduled_task"] = task_id
        # The list: a running task with progress, a scheduled one, the bulk action's tasks.
        ActionChains(driver).move_to_element(driver.find_element(By.TAG_NAME, "h1")).perform()
        listing = driver.find_element(By.ID, "dda-tasks-form")
        driver.execute_script("arguments[0].scrollIntoView();", listing)
        listing.screenshot(os.path.join(SHOTS, "tasks.png"))

    # ---------------------------------------------------------- issue 15: the overview

    @step("the Overview tab draws the chart of the run's tasks, with its table")
    def _():
        browser.get(TASKS_URL + "&tab=overview")
        svg = driver.find_element(By.CSS_SELECTOR, "svg.dda-chart")
        created = int(svg.get_attribute("data-created"))
        check(created >= 2500, "the chart counts %d tasks created" % created)
        check(svg.get_attribute("role") == "img" and svg.get_attribute("aria-labelledby"), "the chart has no accessible name")
        check(len(driver.find_elements(By.CSS_SELECTOR, "svg.dda-chart .dda-chart__marker")) >= 3, "no data points drawn")
        for series in ("created", "completed", "failed"):
            check(driver.find_elements(By.CSS_SELECTOR, 'svg.dda-chart [data-series="%s"] polyline' % series), "no line for " + series)
        table = driver.find_element(By.CSS_SELECTOR, "table.dda-stats-table")
        check(len(table.find_elements(By.CSS_SELECTOR, "tbody tr")) == 24, "the table has not 24 hours")
        total = driver.execute_script("return document.querySelector('table.dda-stats-table [data-total=\"created\"]').textContent.trim();")
        check(total.replace(",", "") == str(created), "table total %r, chart %d" % (total, created))
        stats = {e.get_attribute("data-stat"): e.text for e in driver.find_elements(By.CSS_SELECTOR, ".dda-stats__item")}
        check(set(stats) == {"pending", "running", "oldest", "runners"}, "numbers shown: %s" % stats)
        check(re.match(r"[\d,]+\npending", stats["pending"]), "pending: %r" % stats["pending"])
        driver.find_element(By.CSS_SELECTOR, ".dda-chart-table summary").click()
        browser.wait(5).until(lambda d: table.is_displayed())
        state["overview_shot"] = browser.screenshot("overview.png")

    @step("the Dashboard widget shows the overview")
    def _():
        browser.get(BASE + "/wp-admin/index.php")
        widget = driver.find_element(By.ID, "dda_overview")
        check(widget.find_elements(By.CSS_SELECTOR, "svg.dda-chart"), "no chart in the widget")
        check(widget.find_elements(By.CSS_SELECTOR, "table.dda-stats-table"), "no table in the widget")
        driver.execute_script("arguments[0].scrollIntoView();", widget)
        widget.screenshot(os.path.join(SHOTS, "dashboard.png"))

    # ----------------------------------------------------------- issue 15: the runners

    def runner_row(runner_id):
        return driver.find_element(By.CSS_SELECTOR, 'tr[data-runner-id="%s"]' % runner_id)

    def runner_button(runner_id, action):
        return runner_row(runner_id).find_element(By.CSS_SELECTOR, '.dda-runner-action[data-dda-action="%s"]' % action)

    @step("Runners tab: version, labels, state, current task; Pause, then Resume")
    def _():
        runner = state["schema_runner"]
        browser.get(TASKS_URL + "&tab=runners")
        def read_row():
            current = runner_row(runner).find_element(By.CSS_SELECTOR, ".column-current")
            return (runner_row(runner).text, current.text,
                    current.find_element(By.CSS_SELECTOR, ".dda-current-count").get_attribute("data-count"),
                    current.find_element(By.TAG_NAME, "a").get_attribute("href"))
        text, current_text, count, href = fresh(read_row)
        check("e2e-schema-runner" in text and "9.9.9-e2e" in text and "gpu" in text, "runner row: " + text)
        check(count == "1", "current tasks: " + current_text)
        check(state["schema_task"] in href, "the current task is not linked: " + href)
        browser.harvest()
        fresh(lambda: runner_button(runner, "pause").click())
        browser.wait().until(lambda d: runner_row(runner).get_attribute("data-state") == "paused")
        browser.check_source()
        check("paused" in driver.find_element(By.CSS_SELECTOR, ".wrap .notice-success").text, "no notice of the pause")
        check(next(r for r in api_get("/runners") if r["runner_id"] == runner)["paused"] is True, "the API does not have it paused")
        check("Paused" in runner_row(runner).text, "the row does not say Paused")
        state["runners_shot"] = browser.screenshot("runners.png")
        browser.harvest()
        fresh(lambda: runner_button(runner, "resume").click())
        browser.wait().until(lambda d: runner_row(runner).get_attribute("data-state") != "paused")
        browser.check_source()
        check(next(r for r in api_get("/runners") if r["runner_id"] == runner)["paused"] is False, "the API still has it paused")

    @step("Remove asks first: dismissed nothing happens, confirmed the runner is gone")
    def _():
        runner = state["schema_runner"]
        fresh(lambda: runner_button(runner, "remove").click())
        alert = browser.wait(5).until(EC.alert_is_present())
        check("e2e-schema-runner" in alert.text, "the question does not name the runner: " + alert.text)
        alert.dismiss()
        check(any(r["runner_id"] == runner for r in api_get("/runners")), "dismissing removed the runner")
        browser.harvest()
        mark_page()
        fresh(lambda: runner_button(runner, "remove").click())
        browser.wait(5).until(EC.alert_is_present()).accept()
        # The tab's own description says "removed" too: wait for the next page, not the word.
        wait_next_page("the removal")
        notice = browser.wait().until(EC.presence_of_element_located((By.CSS_SELECTOR, ".wrap .notice-success"))).text
        browser.check_source()
        check("1 task it was running is pending again" in notice, "notice: " + notice)
        check(not driver.find_elements(By.CSS_SELECTOR, 'tr[data-runner-id="%s"]' % runner), "the row is still there")
        check(not any(r["runner_id"] == runner for r in api_get("/runners")), "the API still lists the runner")
        check(api_get("/task/" + state["schema_task"])["status"] == "pending", "the runner's task is not pending again")
        for task_id in (state["schema_task"], state["scheduled_task"]):
            api_call("DELETE", "/task/" + task_id)

    # ------------------------------------------------------- issue 15: the server is down

    def save_api_url(url):
        browser.get(SETTINGS_URL)
        field = driver.find_element(By.ID, "dda_api_url")
        field.clear()
        field.send_keys(url)
        check(field.get_attribute("value") == url, "typed %s, the field holds %r" % (url, field.get_attribute("value")))
        submit_and_wait(driver.find_element(By.ID, "submit"), (By.ID, "dda-connection-result"))
        check_settings_saved("saving " + url)
        browser.check_source()

    @step("server down: the settings keep the failed test, the table says so under one notice")
    def _():
        import socket
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        closed = "http://127.0.0.1:%d" % sock.getsockname()[1]
        sock.close()  # nothing listens there now
        save_api_url(closed)
        page_text = driver.find_element(By.CSS_SELECTOR, ".wrap").text
        check("connection test with these settings failed" in page_text and "Cannot reach" in page_text, "save did not report the failed test: " + page_text[:400])
        last = driver.find_element(By.CSS_SELECTOR, "#dda-connection-result [data-dda-last-test]")
        check(last.get_attribute("data-dda-last-test") == "error" and "Last test" in last.text, "last test: " + last.text)
        browser.get(SETTINGS_URL)
        check(driver.find_element(By.CSS_SELECTOR, "#dda-connection-result [data-dda-last-test]").get_attribute("data-dda-last-test") == "error",
              "the settings page forgot the failed test")
        browser.get(TASKS_URL)
        table = driver.find_element(By.ID, "dda-table").text
        check("could not be loaded" in table, "table: " + table[:300])
        check("No tasks yet" not in table, "the table claims there are no tasks")
        paging = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".dda-pagination .displaying-num")]
        check(paging and all(t == "Page 1: not loaded" for t in paging), "paging line: %s" % paging)
        errors = driver.find_elements(By.CSS_SELECTOR, ".wrap .notice-error")
        check(len(errors) == 1 and "Cannot reach the API server" in errors[0].text, "error notices: %s" % [e.text for e in errors])
        state["down_shot"] = browser.screenshot("server-down.png")

    @step("server back: saving the right URL tests it, the list returns")
    def _():
        save_api_url(API_URL)
        check(not driver.find_elements(By.ID, "setting-error-dda_connection_failed"), "a failed test reported for the right URL")
        last = driver.find_element(By.CSS_SELECTOR, "#dda-connection-result [data-dda-last-test]")
        check(last.get_attribute("data-dda-last-test") == "success" and "Connected to dda-server" in last.text, "last test: " + last.text)
        browser.get(TASKS_URL)
        check(row_ids(), "no tasks listed after the server is back")
        check(not driver.find_elements(By.CSS_SELECTOR, ".wrap .notice-error"), "an error notice remains")
        set_per_page(50)

    @step("the API key reached the browser nowhere, the API server was never contacted")
    def _():
        browser.harvest()
        api_host = urlparse(API_URL).netloc
        contacted = sorted(u for u in browser.request_urls if urlparse(u).netloc == api_host)
        check(not contacted, "the browser contacted the API server: %s" % contacted[:3])
        check(not browser.leaks, "the API key was found in: %s" % browser.leaks)
        check(browser.bodies_checked >= 20, "too few responses checked: %d" % browser.bodies_checked)
        # What matters most was read: the plugin's script and the REST answers.
        for needle in ("/js/admin.js", "/wp-json/dda/v1/tasks", "/wp-json/dda/v1/connection-test"):
            check(any(needle in u for u in browser.checked_urls), "no response of %s was checked" % needle)
        missed = [u for u in browser.bodies_unavailable if "/dda/v1/" in u or "/dda-plugins/" in u or "page=dda" in u]
        check(not missed, "bodies of plugin responses could not be read: %s" % missed)
        print("       checked %d page sources and %d response bodies (%d requests); %d bodies unavailable"
              % (browser.sources_checked, browser.bodies_checked, len(browser.request_urls), len(browser.bodies_unavailable)))
        if os.environ.get("DDA_E2E_VERBOSE"):
            for url in sorted(set(browser.bodies_unavailable)):
                print("       body unavailable: " + url)

    errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    browser.quit()
    for error in errors:
        print("       browser console: %s" % error.get("message"))
    passed = sum(1 for _, ok, _ in results if ok)
    failed = len(results) - passed
    print("e2e: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
