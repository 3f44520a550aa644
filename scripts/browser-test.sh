#!/usr/bin/env bash
# The HTML transcript in a real browser: installs Chromium from the system's
# packages when it is missing (Debian/Ubuntu: apt-get, as root or with sudo),
# then runs the test that drives a recorded page in it
# (tests/cli/browser.rs through scripts/browser-check.py, standard-library
# Python only). Fails when no browser can be found or installed, so CI never
# passes on a skipped check.
#
#   scripts/browser-test.sh
#   WS_BROWSER=/opt/chrome/chrome scripts/browser-test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

find_browser() {
    for candidate in "${WS_BROWSER:-}" /usr/bin/chromium /usr/bin/chromium-browser /usr/bin/google-chrome; do
        if [ -n "$candidate" ] && [ -x "$candidate" ]; then
            echo "$candidate"
            return
        fi
    done
}

BROWSER=$(find_browser)
if [ -z "$BROWSER" ]; then
    SUDO=
    [ "$(id -u)" = 0 ] || SUDO=sudo
    if command -v apt-get >/dev/null; then
        echo "browser-test: installing chromium with apt-get" >&2
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
    fi
    BROWSER=$(find_browser)
fi
[ -n "$BROWSER" ] || { echo "browser-test: no Chromium and no way to install it" >&2; exit 1; }
command -v python3 >/dev/null || { echo "browser-test: python3 is needed" >&2; exit 1; }
echo "browser-test: $("$BROWSER" --version 2>/dev/null || echo "$BROWSER")" >&2

# The test is ignored by a plain `cargo test` (it needs the browser).
WS_BROWSER=$BROWSER cargo test --test cli browser:: -- --include-ignored --nocapture
