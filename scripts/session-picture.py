#!/usr/bin/env python3
"""Remakes docs/session.svg, the README's picture, from a real session.

    scripts/session-picture.py [WS] [OUT.svg]
    scripts/session-picture.py --check [WS]

Runs `ws session` (the release build unless WS is given) on a terminal of
its own (a pseudo-terminal, standard library only), on the built-in echo
server, and types what a newcomer should try: a text message, a Rhai loop,
`send` of a map, bytes in hex, a ping, and an `expect` that fails. Each line
is typed once the prompt is back and the echoes have had a moment to show.
The session records itself with `-f OUT.svg` (default docs/session.svg).

With --check (run by CI) it records into a temporary file and fails unless
the text it shows is the committed picture's, measured times aside: a change
that alters what a newcomer sees must remake the picture.
"""

import html
import os
import pty
import re
import select
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ARGS = [a for a in sys.argv[1:] if a != "--check"]
CHECK = "--check" in sys.argv[1:]
WS = ARGS[0] if ARGS else os.path.join(HERE, "..", "target", "release", "ws")
COMMITTED = os.path.join(HERE, "..", "docs", "session.svg")
if CHECK:
    OUT = os.path.join(tempfile.mkdtemp(prefix="ws-picture-"), "session.svg")
else:
    OUT = ARGS[1] if len(ARGS) > 1 else COMMITTED

LINES = [
    "text hello",
    'for i in 1..=3 { text(`n${i}`); expect(`n${i}`); }',
    'send(#{ op: "subscribe", topic: "news" })',
    "byte hex:de ad be ef",
    "ping",
    'expect("welcome", 0.5)',
    "quit",
]


def read_until(fd, needle, seen, timeout=10.0):
    """Reads the terminal until `needle` shows after what was `seen`."""
    deadline = time.monotonic() + timeout
    while needle not in seen:
        left = deadline - time.monotonic()
        if left <= 0:
            raise SystemExit(f"session-picture: no {needle!r} within {timeout} s")
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    return seen


def main():
    env = dict(os.environ, TERM="xterm-256color", COLUMNS="100", LINES="30")
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(WS, [WS, "session", "-f", OUT, "--terminal-width", "100"], env)
    seen = read_until(fd, b"ws> ", b"")
    for line in LINES:
        os.write(fd, line.encode() + b"\r")
        if line == "quit":
            break
        # The prompt comes back, then echoes get a moment to show.
        seen = read_until(fd, b"ws> ", b"")
        time.sleep(0.3)
        try:
            os.read(fd, 65536)
        except OSError:
            pass
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"session-picture: ws ended with {status}")
    if CHECK:
        check()
    else:
        print(f"wrote {OUT}")


def shown(path):
    """The picture's text, line by line, with measured times, clock times
    and the echo server's port masked."""
    with open(path, encoding="utf-8") as f:
        svg = f.read()
    lines = []
    for row in re.findall(r"<text[^>]*>(.*?)</text>", svg, re.S):
        text = html.unescape(re.sub(r"<[^>]+>", "", row)).replace("\u00a0", " ")
        text = re.sub(r"\d+(\.\d+)? ms", "N ms", text)
        text = re.sub(r"\d\d:\d\d:\d\d\.\d{3}", "HH:MM:SS.mmm", text)
        lines.append(re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", text).rstrip())
    return lines


def check():
    made, committed = shown(OUT), shown(COMMITTED)
    if made != committed:
        for a, b in zip(made + [""] * len(committed), committed + [""] * len(made)):
            if a != b:
                raise SystemExit(
                    f"session-picture: docs/session.svg is out of date "
                    f"(it shows {b!r} where a session now shows {a!r}); "
                    "remake it with scripts/session-picture.py"
                )
    print(f"docs/session.svg shows what a session shows ({len(made)} lines)")


main()
