#!/usr/bin/env python3
"""Remakes docs/session.svg, the README's picture, from a real session.

    scripts/session-picture.py [WS] [OUT.svg]

Runs `ws session` (the release build unless WS is given) on a terminal of
its own (a pseudo-terminal, standard library only), on the built-in echo
server, and types what a newcomer should try: a text message, a Rhai loop,
`send` of a map, bytes in hex, a ping, and an `expect` that fails. Each line
is typed once the prompt is back and the echoes have had a moment to show.
The session records itself with `-f OUT.svg` (default docs/session.svg).
"""

import os
import pty
import select
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
WS = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "target", "release", "ws")
OUT = sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "..", "docs", "session.svg")

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
    print(f"wrote {OUT}")


main()
