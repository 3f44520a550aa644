#!/usr/bin/env python3
"""Drives an HTML transcript in headless Chromium and reports what a user sees.

    scripts/browser-check.py CHROMIUM PAGE.html [--screenshot OUT.png]
    scripts/browser-check.py --columns CHROMIUM PAGE.svg PAGE.html ...

Talks the DevTools protocol over --remote-debugging-pipe (standard library
only, no network port). Loads the page, then for each step of the filter
(text, direction, kind) and for clicks on the JSON summaries records the
visible entries; prints one JSON report on standard output:

    {"steps": {NAME: {"form": bool, "shown": str, "entries": [...]}, ...},
     "json_open": [...], "without_script": {...}, "dialogs": [...], "errors": [...]}

The test (tests/cli/browser.rs) asserts on the report; scripts/browser-test.sh
installs Chromium and runs that test.
"""

import base64
import json
import os
import select
import subprocess
import sys
import tempfile
import time

TIMEOUT = 30.0

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--remote-debugging-pipe", "--window-size=1000,700", "--hide-scrollbars",
]

# What the page shows: the filter form, its count, the visible entries.
STATE = """(() => {
  const form = document.getElementById('filter');
  const visible = Array.from(document.querySelectorAll('main > *')).filter(e => !e.hidden);
  return {
    form: !!form && !form.hidden && form.offsetParent !== null,
    shown: (document.getElementById('shown') || {}).textContent || '',
    entries: visible.map(e => ({
      dir: e.dataset.dir || 'console',
      kind: e.dataset.kind || 'note',
      text: e.textContent,
    })),
  };
})()"""

# Sets the three filter controls as a user would, one input event each.
FILTER = """((text, direction, kind) => {
  for (const [id, value] of [['text', text], ['direction', direction], ['kind', kind]]) {
    const control = document.getElementById(id);
    if (!control) continue;
    control.value = value;
    control.dispatchEvent(new Event('input', {bubbles: true}));
  }
})(%s, %s, %s)"""

STEPS = [
    ("all", "", "", ""),
    ("text_subscribe", "SUBSCRIBE", "", ""),
    ("received", "", "received", ""),
    ("sent", "", "sent", ""),
    ("typed", "", "", "typed"),
    ("binary", "", "received", "binary"),
    ("nothing", "no such text anywhere", "", ""),
]

OPEN = "Array.from(document.querySelectorAll('details.json')).map(d => d.open)"
CLICK = "document.querySelectorAll('details.json summary').forEach(s => s.click())"


class Browser:
    """One Chromium with one page, over the DevTools pipe."""

    def __init__(self, executable):
        to_browser_r, self.to_browser = os.pipe()
        self.from_browser, from_browser_w = os.pipe()

        def fds():
            a, b = os.dup(to_browser_r), os.dup(from_browser_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.profile = tempfile.TemporaryDirectory(prefix="ws-browser-")
        self.process = subprocess.Popen(
            [executable, *FLAGS, f"--user-data-dir={self.profile.name}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            # The pipe's ends become fds 3 and 4 (dup2 makes them inheritable).
            preexec_fn=fds, close_fds=False,
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self.buffer = b""
        self.next_id = 0
        self.session = None
        self.events = []

    def send(self, method, params=None, session=True):
        number = self.post(method, params, session)
        return self.wait(lambda m: m.get("id") == number, method)

    def post(self, method, params=None, session=True):
        """Sends a command without waiting for its answer; returns its id."""
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        return self.next_id

    def wait(self, wanted, what):
        deadline = time.monotonic() + TIMEOUT
        while True:
            for i, message in enumerate(self.events):
                if wanted(message):
                    del self.events[i]
                    if "error" in message:
                        raise RuntimeError(f"{what}: {message['error']}")
                    return message
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no answer to {what} within {TIMEOUT} s")
            ready, _, _ = select.select([self.from_browser], [], [], left)
            if ready:
                chunk = os.read(self.from_browser, 1 << 16)
                if not chunk:
                    raise RuntimeError("the browser closed its pipe")
                self.buffer += chunk
                *messages, self.buffer = self.buffer.split(b"\0")
                for message in map(json.loads, messages):
                    self.events.append(message)
                    # A dialog blocks the page: note it (it stays in the
                    # events) and dismiss it so the run goes on.
                    if message.get("method") == "Page.javascriptDialogOpening":
                        self.post("Page.handleJavaScriptDialog", {"accept": False})

    def evaluate(self, expression):
        answer = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        result = answer["result"]
        if "exceptionDetails" in result:
            raise RuntimeError(f"evaluating failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def close(self):
        try:
            self.send("Browser.close", session=False)
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.profile.cleanup()


def observed(browser, kind):
    """Dialogs or errors seen so far (and taken from the event list)."""
    seen = []
    for message in list(browser.events):
        method = message.get("method", "")
        params = message.get("params", {})
        if kind == "dialogs" and method == "Page.javascriptDialogOpening":
            seen.append(params.get("message", ""))
        elif kind == "errors" and method == "Runtime.exceptionThrown":
            seen.append(json.dumps(params.get("exceptionDetails", {}))[:300])
        elif kind == "errors" and method == "Runtime.consoleAPICalled" and params.get("type") == "error":
            seen.append(json.dumps(params.get("args", []))[:300])
        elif kind == "errors" and method == "Log.entryAdded" and params["entry"].get("level") == "error":
            seen.append(params["entry"].get("text", "")[:300])
    return seen


def attach(browser):
    """Opens a blank target and enables the domains the checks use."""
    target = browser.send("Target.createTarget", {"url": "about:blank"}, session=False)
    attached = browser.send(
        "Target.attachToTarget",
        {"targetId": target["result"]["targetId"], "flatten": True},
        session=False,
    )
    browser.session = attached["result"]["sessionId"]
    for domain in ("Page", "Runtime", "Log"):
        browser.send(f"{domain}.enable")


# Where each indented row's first visible character lands, in pixels from
# the row's start, for a transcript as a browser draws it (SVG or HTML):
# runs of spaces that collapse show here as offsets too small for their
# indent.
COLUMNS = """(() => {
  const rows = [];
  const svg = document.documentElement.localName === 'svg';
  const probe = document.createElement('span');
  if (!svg) {
    probe.textContent = 'x'.repeat(100);
    document.querySelector('main div').appendChild(probe);
  }
  const advance = svg ? 0 : probe.getBoundingClientRect().width / 100;
  if (!svg) probe.remove();
  const elements = svg ? document.querySelectorAll('g text') : document.querySelectorAll('main div');
  for (const row of elements) {
    const text = row.textContent.replace(/\u00a0/g, ' ');
    const indent = text.search(/\S/);
    if (indent <= 0) continue;
    let offset;
    if (svg) {
      offset = row.getStartPositionOfChar(indent).x - row.getStartPositionOfChar(0).x;
    } else {
      const walker = document.createTreeWalker(row, NodeFilter.SHOW_TEXT);
      const node = walker.nextNode();
      if (!node || node.length < indent) continue;
      const range = document.createRange();
      range.setStart(node, 0);
      range.setEnd(node, indent);
      offset = range.getBoundingClientRect().width;
    }
    // In SVG, also where a hex dump's |…| column starts.
    const bar = text.indexOf('|');
    const barOffset = svg && bar > 0
      ? row.getStartPositionOfChar(bar).x - row.getStartPositionOfChar(0).x : null;
    rows.push({text: text.trim(), indent: indent, offset: offset, advance: advance,
               bar: bar, bar_offset: barOffset});
  }
  return rows;
})()"""


def columns(browser, page):
    browser.send("Page.navigate", {"url": "file://" + os.path.abspath(page)})
    browser.wait(lambda m: m.get("method") == "Page.loadEventFired", "the page load")
    return browser.evaluate(COLUMNS)


def main():
    args = sys.argv[1:]
    if args and args[0] == "--columns":
        # scripts/browser-check.py --columns CHROMIUM PAGE...: the indented
        # rows of each page as drawn, {PAGE: [{text, indent, offset, advance, bar, bar_offset}]}.
        executable, pages = args[1], args[2:]
        browser = Browser(executable)
        try:
            attach(browser)
            report = {page: columns(browser, page) for page in pages}
        finally:
            browser.close()
        json.dump(report, sys.stdout)
        print()
        return
    screenshot = None
    if "--screenshot" in args:
        at = args.index("--screenshot")
        screenshot = args[at + 1]
        del args[at:at + 2]
    executable, page = args
    browser = Browser(executable)
    try:
        attach(browser)
        browser.send("Page.navigate", {"url": "file://" + os.path.abspath(page)})
        browser.wait(lambda m: m.get("method") == "Page.loadEventFired", "the page load")
        report = {"steps": {}}
        for name, text, direction, kind in STEPS:
            browser.evaluate(FILTER % (json.dumps(text), json.dumps(direction), json.dumps(kind)))
            report["steps"][name] = browser.evaluate(STATE)
        browser.evaluate(FILTER % ('""', '""', '""'))
        report["json_open"] = [browser.evaluate(OPEN)]
        for click in range(2):
            browser.evaluate(CLICK)
            report["json_open"].append(browser.evaluate(OPEN))
            if screenshot and click == 0:
                # The page with its JSON unfolded.
                shot = browser.send("Page.captureScreenshot", {"format": "png"})
                with open(screenshot, "wb") as out:
                    out.write(base64.b64decode(shot["result"]["data"]))
        # The same page without JavaScript: everything shown, no filter.
        browser.send("Emulation.setScriptExecutionDisabled", {"value": True})
        browser.send("Page.navigate", {"url": "file://" + os.path.abspath(page)})
        browser.wait(lambda m: m.get("method") == "Page.loadEventFired", "the page load")
        report["without_script"] = browser.evaluate(STATE)
        report["dialogs"] = observed(browser, "dialogs")
        report["errors"] = observed(browser, "errors")
    finally:
        browser.close()
    json.dump(report, sys.stdout)
    print()


if __name__ == "__main__":
    main()
