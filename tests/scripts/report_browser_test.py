"""Opens the HTML report of a real results folder in headless Chromium and fails if an
image does not load, a script raises or logs an error, the page fetches anything from
outside itself, a finding is missing, or a table does not sort. Keeps a screenshot of
the whole rendered page.

  report_browser_test.py SOURCE_DIR RESULTS_DIR SCREENSHOT_PNG

Talks to the browser over the DevTools protocol on a pipe (--remote-debugging-pipe:
JSON messages ending in a NUL byte, commands on fd 3, replies and events on fd 4), so
it needs nothing but the standard library and Debian's chromium.
"""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

SOURCE_DIR, RESULTS, SCREENSHOT = sys.argv[1:4]
sys.path.insert(0, os.path.join(SOURCE_DIR, "scripts"))
from gclabplot.report import findings  # noqa: E402
from gclabplot.results import load  # noqa: E402

TIMEOUT_S = 60


def fail(message):
    sys.stderr.write(f"report_browser_test: FAIL: {message}\n")
    sys.exit(1)


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    fail("no chromium on PATH; install it with: apt-get install chromium "
         "(scripts/install-deps.sh test does)")


class Browser:
    def __init__(self, profile):
        to_browser_r, self.to_browser = os.pipe()
        self.from_browser, from_browser_w = os.pipe()

        def wire():  # in the child: the protocol's fds 3 and 4 (via fds no pipe uses)
            high_r, high_w = os.dup(to_browser_r) + 100, os.dup(from_browser_w) + 100
            os.dup2(to_browser_r, high_r)
            os.dup2(from_browser_w, high_w)
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        self.process = subprocess.Popen(
            [find_chromium(), "--headless=new", "--no-sandbox", "--disable-gpu",
             "--remote-debugging-pipe", f"--user-data-dir={profile}", "--no-first-run",
             "--disable-extensions", "--window-size=1400,1000", "about:blank"],
            pass_fds=(3, 4), preexec_fn=wire,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self.buffer = b""
        self.next_id = 0
        self.events = []
        self.session = None

    def send(self, method, params=None, session=True):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            reply = self.receive(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    fail(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def receive(self, deadline):
        while b"\0" not in self.buffer:
            if time.monotonic() > deadline:
                fail("the browser did not answer within 60 s")
            chunk = os.read(self.from_browser, 1 << 20)
            if not chunk:
                fail("the browser closed the pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def wait_for(self, method):
        deadline = time.monotonic() + TIMEOUT_S
        for event in self.events:
            if event.get("method") == method:
                return event
        while True:
            event = self.receive(deadline)
            self.events.append(event)
            if event.get("method") == method:
                return event

    def evaluate(self, expression):
        result = self.send("Runtime.evaluate", {"expression": expression,
                                                "returnByValue": True})
        if "exceptionDetails" in result:
            fail(f"evaluating {expression[:60]}...: {result['exceptionDetails']}")
        return result["result"].get("value")

    def close(self):
        try:
            self.send("Browser.close", session=False)
        except SystemExit:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def main():
    work = tempfile.mkdtemp(prefix="gclab-browser-test-")
    try:
        folder = os.path.join(work, "results")
        shutil.copytree(RESULTS, folder, ignore=shutil.ignore_patterns("charts", "report.html"))
        made = subprocess.run([sys.executable, os.path.join(SOURCE_DIR, "scripts", "report.py"),
                               folder], capture_output=True, text=True, timeout=600)
        if made.returncode != 0:
            fail(f"report.py failed: {made.stderr.strip()}")
        page = os.path.join(folder, "report.html")
        results = load(folder)
        expected_findings = len(findings(results))

        browser = Browser(os.path.join(work, "profile"))
        try:
            target = browser.send("Target.createTarget", {"url": "about:blank"}, session=False)
            attached = browser.send("Target.attachToTarget",
                                    {"targetId": target["targetId"], "flatten": True},
                                    session=False)
            browser.session = attached["sessionId"]
            for domain in ("Page", "Runtime", "Log", "Network"):
                browser.send(f"{domain}.enable")
            browser.send("Page.navigate", {"url": "file://" + page})
            browser.wait_for("Page.loadEventFired")
            state = browser.evaluate("""JSON.stringify({
                images: Array.from(document.images).map(i => ({
                    alt: i.alt, loaded: i.complete && i.naturalWidth > 0})),
                findingRows: Array.from(document.querySelectorAll(
                    'table[id^=findings-] tbody tr')).length,
                findingTables: Array.from(document.querySelectorAll(
                    'table[id^=findings-]')).map(t => t.id),
                firstHeading: document.querySelector('h2').textContent})""")
            state = json.loads(state)
            # Sorting: the summary's throughput column, ascending then descending.
            sorted_values = json.loads(browser.evaluate("""(() => {
                const table = document.getElementById('summary-table');
                const headers = Array.from(table.querySelectorAll('th'));
                const column = headers.findIndex(h => h.textContent.startsWith('throughput'));
                const values = () => Array.from(table.tBodies[0].rows)
                    .map(r => parseFloat(r.cells[column].dataset.sort))
                    .filter(v => !isNaN(v));
                headers[column].click();
                const up = values();
                headers[column].click();
                const down = values();
                return JSON.stringify({up: up, down: down});
            })()"""))
            metrics = browser.send("Page.getLayoutMetrics")
            height = int(min(metrics["cssContentSize"]["height"], 30000))
            browser.send("Emulation.setDeviceMetricsOverride",
                         {"width": 1400, "height": height, "deviceScaleFactor": 1,
                          "mobile": False})
            shot = browser.send("Page.captureScreenshot", {"format": "png"})
        finally:
            browser.close()

        os.makedirs(os.path.dirname(os.path.abspath(SCREENSHOT)), exist_ok=True)
        with open(SCREENSHOT, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        print(f"screenshot of the rendered report: {os.path.abspath(SCREENSHOT)}")

        problems = []
        for event in browser.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                problems.append(f"script error: {params['exceptionDetails'].get('text')} "
                                f"{params['exceptionDetails'].get('exception', {}).get('description', '')}")
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                problems.append(f"browser log error: {params['entry']['text']}")
            elif method == "Runtime.consoleAPICalled" and params["type"] == "error":
                problems.append("console error: " +
                                " ".join(str(a.get("value")) for a in params["args"]))
            elif method == "Network.requestWillBeSent":
                url = params["request"]["url"]
                if not url.startswith(("file:", "data:")):
                    problems.append(f"fetched from outside the page: {url}")
        charts = [i for i in state["images"]]
        if not charts:
            problems.append("the page shows no charts")
        problems += [f"image did not load: {i['alt']}" for i in charts if not i["loaded"]]
        if state["firstHeading"] != "Findings":
            problems.append(f"the page does not lead with the findings "
                            f"(first section: {state['firstHeading']})")
        if state["findingRows"] != expected_findings or not expected_findings:
            problems.append(f"{state['findingRows']} findings on the page; the results hold "
                            f"{expected_findings}")
        for workload in results.workloads():
            if f"findings-{workload}" not in state["findingTables"]:
                problems.append(f"no findings for workload {workload}")
        up, down = sorted_values["up"], sorted_values["down"]
        if len(up) < 2 or up != sorted(up) or down != sorted(down, reverse=True):
            problems.append(f"the summary table did not sort by throughput: {up} then {down}")
        if problems:
            fail("; ".join(problems))
        print(f"report OK in Chromium: {len(charts)} charts loaded, {state['findingRows']} "
              f"findings, tables sort, no script errors, no outside fetches")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
