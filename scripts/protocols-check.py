#!/usr/bin/env python3
"""Drives `ws` as a user against real servers of each application protocol.

    scripts/protocols-check.py WS

The servers are the packages of scripts/protocols/ (socket.io 4, graphql-ws,
subscriptions-transport-ws, json-rpc-2.0 over ws, a STOMP 1.2 broker), set
up by scripts/protocols/setup.sh. Each check runs `ws` as a user would: a
session on a pseudo-terminal, `ws run` with a script, `ws test` with a test
file, `ws listen --jsonl`, `ws pipe`, transcripts. A failed check prints what
it expected and what `ws` showed, and the script exits 1.
"""

import json
import os
import pty
import re
import select
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SERVERS = os.path.join(HERE, "protocols")
WS = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(
    HERE, "..", "target", "debug", "ws")
TMP = tempfile.mkdtemp(prefix="ws-protocols-")
FAILED = []


class Server:
    """A protocol server of scripts/protocols/ on a free port: a Node
    script, or a shell script (RabbitMQ)."""

    def __init__(self, script, *args, env=None):
        self.log = open(os.path.join(TMP, script + ".log"), "w+")
        runner = "bash" if script.endswith(".sh") else "node"
        self.process = subprocess.Popen(
            [runner, os.path.join(SERVERS, script), *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log,
            env=dict(os.environ, **(env or {})), text=True)
        line = self.process.stdout.readline()
        if not line.startswith("PORT "):
            raise SystemExit(f"{script} did not start: {line!r}")
        self.port = int(line.split()[1])
        self.url = f"ws://127.0.0.1:{self.port}/"

    def stderr(self):
        self.log.flush()
        with open(self.log.name) as f:
            return f.read()

    def stop(self):
        self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def check(what, ok, shown=""):
    print(("ok      " if ok else "FAILED  ") + what)
    if not ok:
        FAILED.append(what)
        print("  ws showed:\n    " + "\n    ".join(str(shown).splitlines()[-40:]))


def ws(*args, stdin="", timeout=60):
    return subprocess.run([WS, *args], input=stdin, capture_output=True,
                          text=True, timeout=timeout)


def script(name, text):
    path = os.path.join(TMP, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def suite(what, name, text, *args):
    """`ws test` on a folder holding one test file; it must pass."""
    folder = os.path.join(TMP, what.replace(" ", "-").replace(":", ""))
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "w") as f:
        f.write(text)
    count = len(re.findall(r"^\s*fn test_", text, re.M))
    done = ws("test", folder, *args)
    check(what, done.returncode == 0 and f"{count} passed" in done.stdout,
          done.stdout + done.stderr)


def run_script(what, text, *args, timeout=60):
    done = ws("run", script(what.replace(" ", "-") + ".rhai", text), *args,
              timeout=timeout)
    check(what, done.returncode == 0 and "PASSED" in done.stdout,
          done.stdout + done.stderr)
    return done


class Terminal:
    """`ws session` on a pseudo-terminal, typed into as a user types."""

    def __init__(self, *args):
        # A home of its own: no history of earlier runs is suggested.
        env = dict(os.environ, TERM="xterm-256color", COLUMNS="120", HOME=TMP,
                   XDG_DATA_HOME=TMP, XDG_CONFIG_HOME=TMP, XDG_STATE_HOME=TMP)
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execve(WS, [WS, "session", *args], env)
        self.seen = b""

    def read_until(self, pattern, timeout=10):
        deadline = time.monotonic() + timeout
        while not re.search(pattern.encode(), self.seen):
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:
                    return False
                if not chunk:
                    return False
                self.seen += chunk
        return True

    def type(self, line):
        self.seen = b""
        os.write(self.fd, line.encode() + b"\r")

    def text(self):
        return self.seen.decode(errors="replace")

    def end(self):
        self.type("quit")
        _, status = os.waitpid(self.pid, 0)
        return os.waitstatus_to_exitcode(status)


def socketio():
    server = Server("socketio-server.js")
    admin = f"ws://127.0.0.1:{server.port}/admin"
    transcript = os.path.join(TMP, "socketio-session.txt")
    term = Terminal(server.url, "--protocol", "socketio",
                    "--protocol-init", '{"token":"abc"}', "-f", transcript)
    check("socketio: the session greets with the welcome event and the auth",
          term.read_until(r'event.*welcome \{"auth":\{"token":"abc"\}\}')
          and term.read_until("ws> "), term.text())
    term.type('emit chat {"text":"hi"}')
    check("socketio: emit chat shows the said event",
          term.read_until(r'event.*said \{"from":"server","text":"hi"\}'), term.text())
    # Three pingIntervals (1 s each, 0.8 s to answer) with the prompt idle.
    time.sleep(3.5)
    term.type('emit chat {"text":"still here"}')
    check("socketio: still connected after three ping intervals at an idle prompt",
          term.read_until(r'said \{"from":"server","text":"still here"\}'), term.text())
    pongs = len(re.findall(r"pong \d+", server.stderr()))
    check(f"socketio: the server's pings were answered ({pongs} pongs)", pongs >= 3,
          server.stderr())
    status = term.end()
    with open(transcript) as f:
        text = f.read()
    check("socketio: the transcript holds the decoded lines",
          status == 0 and re.search(r'< event .*said \{"from":"server","text":"hi"\}', text)
          is not None, text)

    svg, page = os.path.join(TMP, "socketio.svg"), os.path.join(TMP, "socketio.html")
    run_script("socketio: transcripts as SVG and HTML", """
        emit("chat", #{text: "drawn"});
        recv_event("said", 5);
        print("PASSED");
    """, server.url, "--protocol", "socketio", "-f", svg, "-f", page)
    for path in [svg, page]:
        with open(path) as f:
            drawn = f.read()
        check(f"socketio: the {path[-4:]} transcript holds the decoded event",
              "said" in drawn and "drawn" in drawn and "event" in drawn, drawn[-2000:])

    run_script("socketio script", f"""
        let welcome = recv_event("welcome", 5);
        if welcome.auth.token != "abc" {{ throw `welcome: ${{welcome}}` }}
        emit("chat", #{{text: "hi"}});
        let said = recv_event("said", 5);
        if said.text != "hi" {{ throw `said: ${{said}}` }}
        let sum = emit_with_ack("sum", [1, 2], 5);
        if sum != 3 {{ throw `sum: ${{sum}}` }}
        emit("twice");
        let a = recv(5); let b = recv(5);
        if a.event != "said" || b.event != "said" {{ throw `twice: ${{a}} ${{b}}` }}
        let admin = connect("{admin}", #{{protocol: "socketio", init: #{{role: "root"}}}});
        let hello = admin.recv_event("welcome", 5);
        if hello.auth.role != "root" {{ throw `admin: ${{hello}}` }}
        if admin.emit_with_ack("sum", [2, 3], 5) != 5 {{ throw "admin sum" }}
        try {{ subscribe("{{ hello }}") }} catch (e) {{
            if !e.contains("works on a graphql connection") {{ throw e }}
        }}
        print("PASSED");
    """, server.url, "--protocol", "socketio", "--protocol-init", '{"token":"abc"}')

    done = ws("listen", server.url, "--protocol", "socketio", "--protocol-init",
              '{"token":"abc"}', "--jsonl", "-n", "1")
    first = json.loads(done.stdout.splitlines()[0]) if done.stdout else {}
    check("socketio: listen --jsonl gives the decoded event",
          done.returncode == 0 and first.get("kind") == "event"
          and first.get("data", {}).get("event") == "welcome", done.stdout + done.stderr)

    done = ws("listen", server.url, "--protocol", "socketio", "-v", "-n", "1",
              "--protocol-init", '{"token":"abc"}')
    check("socketio: listen -v shows the raw frames",
          done.returncode == 0 and re.search(r'frame .*0\{"sid"', done.stderr) is not None
          and re.search(r'> frame .*40\{"token":"abc"\}', done.stderr) is not None,
          done.stdout + done.stderr)

    done = ws("session", f"ws://127.0.0.1:{server.port}/nope", "--protocol", "socketio",
              stdin="")
    check("socketio: a refused namespace is an error that says so",
          done.returncode == 1 and "refused the Socket.IO namespace /nope" in done.stderr,
          done.stdout + done.stderr)

    tests = os.path.join(TMP, "socketio-tests")
    os.makedirs(tests, exist_ok=True)
    script(os.path.join("socketio-tests", "chat.rhai"), """
        fn test_chat_is_answered() {
            emit("chat", #{text: "from a test"});
            assert_eq(recv_event("said", 5).text, "from a test");
        }
        fn test_sum_is_acknowledged() {
            assert_eq(emit_with_ack("sum", [20, 22], 5), 42);
        }
    """)
    done = ws("test", tests, "--url", server.url, "--protocol", "socketio")
    check("socketio: ws test runs a suite", done.returncode == 0 and "2 passed" in done.stdout,
          done.stdout + done.stderr)
    server.stop()


def graphql():
    for script_name, flavor in [("graphql-server.js", "graphql-transport-ws"),
                                ("graphql-legacy-server.js", "graphql-ws")]:
        server = Server(script_name, env={"GRAPHQL_TOKEN": "secret"})
        run_script(f"graphql {flavor} script", """
            let id = subscribe("subscription { count(to: 3) }");
            for n in 1..=3 {
                let r = next_result(id, 5);
                if r.data.count != n { throw `result ${n}: ${r}` }
            }
            let end = next_result(id, 5);
            if end != () { throw `complete: ${end}` }
            let r = query("query($n: String) { hello(name: $n) }", #{n: "ada"}, 5);
            if !r.data.hello.contains("ada") { throw `hello: ${r}` }
            print("PASSED");
        """, server.url, "--protocol", "graphql", "--protocol-init", '{"token":"secret"}')
        done = ws("run", script("graphql-denied.rhai", 'print("in")'), server.url,
                  "--protocol", "graphql", "--protocol-init", '{"token":"wrong"}')
        check(f"graphql {flavor}: a refused connection_init is an error, exit 1",
              done.returncode == 1 and "in" not in done.stdout.split(), done.stdout + done.stderr)
        tests = os.path.join(TMP, "graphql-tests-" + flavor)
        os.makedirs(tests, exist_ok=True)
        with open(os.path.join(tests, "count.rhai"), "w") as f:
            f.write("""
                fn test_three_counts_then_complete() {
                    let id = subscribe("subscription { count(to: 3) }");
                    assert_eq(next_result(id, 5).data.count, 1);
                    assert_eq(next_result(id, 5).data.count, 2);
                    assert_eq(next_result(id, 5).data.count, 3);
                    assert_eq(next_result(id, 5), ());
                }
            """)
        done = ws("test", tests, "--url", server.url, "--protocol", "graphql",
                  "--protocol-init", '{"token":"secret"}')
        check(f"graphql {flavor}: ws test runs a suite",
              done.returncode == 0 and "1 passed" in done.stdout, done.stdout + done.stderr)
        server.stop()


def jsonrpc():
    server = Server("jsonrpc-server.js")
    run_script("jsonrpc script", """
        let n = rpc("slow_sum", [5, 6], 5);
        if n != 11 { throw `slow_sum: ${n}` }
        let first = recv(5); let second = recv(5);
        if first.method != "tick" || first.params.n != 1 || second.params.n != 2 {
            throw `notifications: ${first} ${second}`
        }
        try { rpc("fail", [], 5); throw "no error" } catch (e) {
            if !e.contains("-32001") || !e.contains("failed on purpose") { throw e }
        }
        rpc_notify("note", ["first"]);
        let notes = rpc("notes", [], 5);
        if notes[0][0] != "first" { throw `notes: ${notes}` }
        print("PASSED");
    """, server.url, "--protocol", "jsonrpc")
    suite("jsonrpc: ws test runs a suite", "calls.rhai", """
        fn test_a_call_is_answered_among_notifications() {
            assert_eq(rpc("slow_sum", [1, 2], 5), 3);
            assert_eq(recv(5).method, "tick");
        }
        fn test_an_error_reply_is_thrown() {
            let thrown = "";
            try { rpc("fail", [], 5) } catch (e) { thrown = e }
            assert_match(thrown, "-32001");
        }
    """, "--url", server.url, "--protocol", "jsonrpc")
    request = '{"jsonrpc":"2.0","method":"sum","params":[1,2],"id":1}\n'
    done = ws("pipe", server.url, "--protocol", "jsonrpc", "--linger", "0.5", stdin=request)
    check("jsonrpc: ws pipe writes the decoded reply",
          done.returncode == 0 and json.loads(done.stdout or "{}").get("result") == 3,
          done.stdout + done.stderr)
    term = Terminal(server.url, "--protocol", "jsonrpc")
    term.read_until("ws> ")
    term.type("rpc sum [1, 2]")
    check("jsonrpc: rpc sum [1, 2] in a session shows the result",
          term.read_until(r"result.*id=1 3"), term.text())
    term.type("rpc fail")
    check("jsonrpc: an error reply is shown with its code",
          term.read_until(r"-32001") and term.read_until("failed on purpose"), term.text())
    term.type("save " + os.path.join(TMP, "saved.rhai"))
    term.read_until("ws> ")
    term.end()
    with open(os.path.join(TMP, "saved.rhai")) as f:
        saved = f.read()
    check("jsonrpc: save writes the calls, not the frames",
          'rpc("sum", parse_json("[1, 2]"));' in saved and "jsonrpc" not in saved, saved)
    server.stop()


def stomp():
    server = Server("stomp-server.js", "--login", "guest:guest")
    run_script("stomp script", """
        let id = stomp_subscribe("/queue/a", "client");
        stomp_send("/queue/a", "hello", #{colour: "a:b"});
        let m = recv(5);
        if m.command != "MESSAGE" || m.body != "hello" || m.headers.colour != "a:b" {
            throw `message: ${m}`
        }
        ack(m);
        print("PASSED");
    """, server.url, "--protocol", "stomp", "--protocol-init",
        '{"login":"guest","passcode":"guest"}')
    suite("stomp: ws test runs a suite", "queue.rhai", """
        fn test_a_message_reaches_its_subscriber() {
            stomp_subscribe("/queue/t");
            stomp_send("/queue/t", "ping");
            let m = recv(5);
            assert_eq(m.command, "MESSAGE");
            assert_eq(m.body, "ping");
        }
    """, "--url", server.url, "--protocol", "stomp", "--protocol-init",
        '{"login":"guest","passcode":"guest"}')
    done = ws("run", script("stomp-denied.rhai", 'print("in")'), server.url,
              "--protocol", "stomp", "--protocol-init", '{"login":"guest","passcode":"no"}')
    check("stomp: wrong credentials are an error that says so",
          done.returncode == 1 and "bad credentials" in done.stderr, done.stdout + done.stderr)
    server.stop()
    # A server that wants a heart-beat every 300 ms drops a silent client
    # after 600 ms: the script sleeps 2 s and the connection stays.
    server = Server("stomp-server.js", env={"STOMP_HEARTBEAT": "300,300"})
    run_script("stomp heart-beats keep a sleeping script connected", """
        stomp_subscribe("/queue/b");
        sleep(2);
        stomp_send("/queue/b", "awake");
        if recv(5).body != "awake" { throw "no message" }
        print("PASSED");
    """, server.url, "--protocol", "stomp", "--protocol-init", '{"heart-beat":"300,300"}')
    server.stop()


def rabbitmq():
    """STOMP over websocket against RabbitMQ's Web-STOMP plugin."""
    server = Server("rabbitmq.sh")
    url = f"ws://127.0.0.1:{server.port}/ws"
    init = '{"login":"guest","passcode":"guest","host":"/"}'
    done = run_script("stomp: RabbitMQ queues and topics", """
        stomp_subscribe("/queue/ws-check", "client");
        stomp_send("/queue/ws-check", "hello rabbit", #{colour: "a:b"});
        let m = recv(5);
        if m.body != "hello rabbit" || m.headers.colour != "a:b" { throw `queue: ${m}` }
        ack(m);
        stomp_subscribe("/topic/news");
        stomp_send("/topic/news", "headline");
        if recv(5).body != "headline" { throw "topic" }
        print("PASSED");
    """, url, "--protocol", "stomp", "--protocol-init", init, "-v")
    frames = done.stdout + done.stderr
    check("stomp: RabbitMQ agreed to heart-beats, shown in order with -v",
          re.search(r"> frame .*CONNECT.*heart-beat:10000,10000", frames) is not None
          and frames.find("> frame") < frames.find("< frame")
          and "heart-beat:10000,10000" in frames.split("CONNECTED", 1)[-1], frames)
    done = ws("run", script("rabbit-denied.rhai", 'print("in")'), url, "--protocol", "stomp",
              "--protocol-init", '{"login":"guest","passcode":"wrong","host":"/"}')
    check("stomp: RabbitMQ refuses wrong credentials, and ws says so",
          done.returncode == 1 and "refused CONNECT" in done.stderr, done.stdout + done.stderr)
    suite("stomp: ws test runs a suite against RabbitMQ", "rabbit.rhai", """
        fn test_a_queue_delivers() {
            stomp_subscribe("/queue/ws-suite");
            stomp_send("/queue/ws-suite", "one");
            assert_eq(recv(5).body, "one");
        }
    """, "--url", url, "--protocol", "stomp", "--protocol-init", init)
    server.stop()


def malformed():
    echo = subprocess.Popen([WS, "echo-server", "-p", "0"], stdout=subprocess.PIPE, text=True)
    port = echo.stdout.readline().strip().rsplit(":", 1)[1]
    done = run_script("malformed frames are shown and kept", """
        text("not json at all");
        let raw = recv(5);
        if raw != "not json at all" { throw `kept: ${raw}` }
        print("PASSED");
    """, f"ws://127.0.0.1:{port}/", "--protocol", "jsonrpc")
    check("malformed: the frame is reported", "does not allow" in done.stdout + done.stderr,
          done.stdout + done.stderr)
    echo.terminate()
    echo.wait()


def main():
    subprocess.run(["bash", os.path.join(SERVERS, "setup.sh")], check=True)
    for group in [socketio, graphql, jsonrpc, stomp, rabbitmq, malformed]:
        group()
    if FAILED:
        print(f"{len(FAILED)} check(s) failed")
        sys.exit(1)
    print("every protocol check passed")


main()
