//! The connection engine under load and against peers that misbehave:
//! bulk exchanges compared echo by echo, a peer that stops reading, a
//! close that is never answered, idle sockets at the echo server.

use std::io::{BufRead, BufReader, Read};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt, TryStreamExt};
use tokio_tungstenite::tungstenite::Message;

use crate::echo_server::Server;
use crate::support::errors;
use crate::support::pty::{PATIENCE, Pty};
use crate::support::server::{Action, Frame, TestServer, spawn_server};
use crate::support::{home, interrupt, ws_cmd};

/// A script that sends `count` text messages of about `size` bytes, each
/// different, then receives as many and compares each with what was sent.
fn bulk_script(count: usize, size: usize) -> String {
    format!(
        r#"
        let pad = "";
        pad.pad({size}, 'x');
        for i in 0..{count} {{ text(`${{i}}|${{pad}}`); }}
        for i in 0..{count} {{
            let echo = recv();
            if echo != `${{i}}|${{pad}}` {{ throw `echo ${{i}} differs`; }}
        }}
        print("{count} echoes match");
        "#
    )
}

/// `ws run` of `script` against `url`, quiet, with settings in the environment.
fn run(home: &Path, url: &str, script: &str, env: &[(&str, &str)]) -> Command {
    let path = home.join("script.rhai");
    std::fs::write(&path, script).unwrap();
    let mut command = ws_cmd(home);
    command
        .envs(env.iter().copied())
        .arg("run")
        .arg(&path)
        .arg(url)
        .arg("-q");
    command
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn assert_bulk(out: &Output, count: usize) {
    let (stdout, stderr) = (text(&out.stdout), errors(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(stdout.trim(), format!("{count} echoes match"), "{stderr}");
}

/// A plain tokio-tungstenite echo server: it forwards what it reads.
fn plain_echo_server() -> String {
    let address = spawn_server(|stream| async move {
        let Ok(ws) = tokio_tungstenite::accept_async(stream).await else {
            return;
        };
        let (sink, source) = ws.split();
        let _ = source
            .try_filter(|m| std::future::ready(m.is_text() || m.is_binary()))
            .forward(sink)
            .await;
    });
    format!("ws://{address}/")
}

const QUEUE: (&str, &str) = ("WS_MESSAGE_QUEUE_SIZE", "100000");

#[test]
fn a_thousand_64k_messages_through_ws_echo_server_all_come_back() {
    let (server, home) = (Server::start(&[]), home());
    let out = run(home.path(), &server.url(), &bulk_script(1_000, 65_536), &[])
        .output()
        .unwrap();
    assert_bulk(&out, 1_000);
}

#[test]
fn a_hundred_thousand_1k_messages_through_ws_echo_server_all_come_back() {
    let (server, home) = (Server::start(&[]), home());
    let script = bulk_script(100_000, 1_024);
    let out = run(home.path(), &server.url(), &script, &[QUEUE])
        .output()
        .unwrap();
    assert_bulk(&out, 100_000);
}

#[test]
fn a_thousand_64k_messages_through_a_plain_echo_server_all_come_back() {
    let home = home();
    let url = plain_echo_server();
    let out = run(home.path(), &url, &bulk_script(1_000, 65_536), &[])
        .output()
        .unwrap();
    assert_bulk(&out, 1_000);
}

#[test]
fn a_hundred_thousand_1k_messages_through_a_plain_echo_server_all_come_back() {
    let home = home();
    let url = plain_echo_server();
    let script = bulk_script(100_000, 1_024);
    let out = run(home.path(), &url, &script, &[QUEUE]).output().unwrap();
    assert_bulk(&out, 100_000);
}

/// A server that completes the handshake and then never reads (for a minute).
fn deaf_server() -> String {
    let address = spawn_server(|stream| async move {
        let ws = tokio_tungstenite::accept_async(stream).await;
        tokio::time::sleep(Duration::from_secs(60)).await;
        drop(ws);
    });
    format!("ws://{address}/")
}

#[test]
fn sends_to_a_server_that_does_not_read_block_and_ctrl_c_interrupts_them() {
    let (url, home) = (deaf_server(), home());
    let script = r#"print("start"); for i in 0..100000 { byte(blob(65536)); print(`sent ${i}`); } print("all sent");"#;
    let env = [
        ("WS_SEND_BUFFER_SIZE", "256K"),
        ("WS_DISCONNECT_TIMEOUT", "1"),
    ];
    let mut pty = Pty::spawn(run(home.path(), &url, script, &env));
    // 6 GB cannot go to a peer that reads nothing: the sends block, and
    // Ctrl+C ends the wait.
    pty.expect("sent 1\n");
    pty.ctrl_c();
    assert_eq!(pty.code(), 130);
}

#[test]
fn pongs_to_a_server_that_does_not_read_wait_like_messages() {
    // A pong is a frame like a message: a loop of them waits once
    // send_buffer_size is queued, and ends when send_timeout runs out,
    // instead of queueing two million frames.
    let (url, home) = (deaf_server(), home());
    let script = r#"
        let sent = 0;
        let payload = "";
        payload.pad(125, 'p');
        try { for i in 0..2_000_000 { pong(payload); sent += 1; } }
        catch (e) { print(`stopped after ${sent}: ${e}`); }
    "#;
    let env = [
        ("WS_SEND_BUFFER_SIZE", "64K"),
        ("WS_SEND_TIMEOUT", "1"),
        ("WS_DISCONNECT_TIMEOUT", "1"),
    ];
    let out = run(home.path(), &url, script, &env).output().unwrap();
    let stdout = text(&out.stdout);
    let line = stdout
        .lines()
        .find(|line| line.starts_with("stopped after "))
        .unwrap_or_else(|| panic!("the pongs never waited: {stdout}"));
    assert!(line.contains("the server stopped reading"), "{line}");
    let sent: u64 = line["stopped after ".len()..]
        .split(':')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a count");
    assert!(sent < 2_000_000, "{line}");
}

#[test]
fn a_large_message_to_a_server_that_does_not_read_ends_after_send_timeout() {
    let (url, home) = (deaf_server(), home());
    let file = home.path().join("big");
    std::fs::write(&file, vec![7u8; 16_000_000]).unwrap();
    let out = ws_cmd(home.path())
        .env("WS_SEND_TIMEOUT", "1")
        .args(["byte", &url])
        .arg(format!("file@{}", file.display()))
        .output()
        .unwrap();
    let stderr = errors(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr,
        "ws: error: the message was not sent: the server stopped reading: nothing could be sent for 1 s (send_timeout)\n"
    );
    assert!(!text(&out.stdout).contains("Sent"), "{}", text(&out.stdout));
}

#[test]
fn ctrl_c_ends_a_large_message_to_a_server_that_does_not_read() {
    let (tx, connected) = std::sync::mpsc::channel();
    let address = spawn_server(move |stream| {
        let tx = tx.clone();
        async move {
            let ws = tokio_tungstenite::accept_async(stream).await;
            let _ = tx.send(());
            tokio::time::sleep(Duration::from_secs(60)).await;
            drop(ws);
        }
    });
    let home = home();
    let file = home.path().join("big");
    std::fs::write(&file, vec![7u8; 16_000_000]).unwrap();
    // A close that waited for the server would outlast the test's patience.
    let mut child = ws_cmd(home.path())
        .env("WS_DISCONNECT_TIMEOUT", "600")
        .args(["byte", &format!("ws://{address}/")])
        .arg(format!("file@{}", file.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    connected.recv_timeout(PATIENCE).expect("ws connects");
    // send_timeout (30 s) is far off: only the signal can end it now.
    interrupt(&mut child, "ws byte still writing");
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", errors(&out.stderr));
    assert!(!text(&out.stdout).contains("Sent"), "{}", text(&out.stdout));
}

#[test]
fn a_script_sending_64_mb_to_a_server_that_does_not_read_does_not_report_success() {
    // More than the kernel's socket buffers can take (loopback may grow a
    // receive buffer to 32 MiB), so the message cannot be written out.
    let (url, home) = (deaf_server(), home());
    let script = r#"byte(blob(64_000_000)); print("sent");"#;
    let env = [
        ("WS_SEND_TIMEOUT", "1"),
        ("WS_DISCONNECT_TIMEOUT", "1"),
        ("WS_MAX_MESSAGE_SIZE", "64M"),
        ("WS_MAX_ARRAY_SIZE", "64M"),
    ];
    let out = run(home.path(), &url, script, &env).output().unwrap();
    let stderr = errors(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("the server stopped reading"), "{stderr}");
    // The line after the send never runs (the notice of the lost
    // connection, which may be shown first, also says "sent").
    let stdout = text(&out.stdout);
    assert!(!stdout.lines().any(|line| line == "sent"), "{stdout}");
}

#[test]
fn close_returns_within_disconnect_timeout_when_the_server_never_answers() {
    let (gone_tx, gone) = std::sync::mpsc::channel();
    let address = spawn_server(move |stream| {
        let gone_tx = gone_tx.clone();
        async move {
            use tokio::io::AsyncReadExt;
            let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
                return;
            };
            // Read the raw bytes, so no close frame is ever answered, and
            // say when the client drops the socket.
            let mut buf = vec![0u8; 4096];
            while let Ok(n) = ws.get_mut().read(&mut buf).await {
                if n == 0 {
                    let _ = gone_tx.send(());
                    return;
                }
            }
        }
    });
    let home = home();
    let script = r#"close(); print("closed"); sleep(30);"#;
    let env = [("WS_DISCONNECT_TIMEOUT", "1")];
    let url = format!("ws://{address}/");
    let mut pty = Pty::spawn(run(home.path(), &url, script, &env));
    pty.expect("closed");
    // The socket is dropped by the close itself, not by the process ending.
    assert_eq!(gone.recv_timeout(Duration::from_secs(10)), Ok(()));
    assert!(pty.running(), "{}", pty.screen());
}

#[test]
fn the_echo_server_drops_a_client_that_never_sends_the_upgrade() {
    let server = Server::start_with(&[], &[("WS_CONNECT_TIMEOUT", "1")]);
    let mut idle = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    idle.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    // Others are served meanwhile.
    echo_once(&server.url());
    let mut buf = [0u8; 1];
    assert_eq!(idle.read(&mut buf).unwrap(), 0, "the idle socket is closed");
}

/// One echo through a fresh connection (each try within 20 s).
fn echo_once(url: &str) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let work = async {
            let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
            ws.send(Message::text("still here")).await.unwrap();
            assert_eq!(
                ws.next().await.unwrap().unwrap(),
                Message::text("still here")
            );
        };
        tokio::time::timeout(Duration::from_secs(20), work)
            .await
            .expect("an echo within 20 s");
    });
}

#[test]
fn out_of_file_descriptors_the_echo_server_backs_off_and_serves_again() {
    let home = home();
    let mut child = Command::new("sh")
        .arg("-c")
        .arg("ulimit -n 256 && exec \"$0\" echo-server -p 0")
        .arg(env!("CARGO_BIN_EXE_ws"))
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("WS_CONNECT_TIMEOUT", "1")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let port: u16 = first.trim().rsplit(':').next().unwrap().parse().unwrap();
    let idle: Vec<TcpStream> = (0..300)
        .map(|_| TcpStream::connect(("127.0.0.1", port)).unwrap())
        .collect();
    // The idle ones time out; then a real client is served.
    echo_once(&format!("ws://127.0.0.1:{port}/"));
    let _ = child.kill();
    let _ = child.wait();
    drop(idle);
}

/// Sends `hundreds` times 100 pings of 125 bytes, as fast as they go (100
/// written at a time); false once the connection fails.
async fn flood_pings<S>(ws: &mut tokio_tungstenite::WebSocketStream<S>, hundreds: usize) -> bool
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let ping = Message::Ping(vec![b'p'; 125].into());
    for _ in 0..hundreds {
        for _ in 0..100 {
            if ws.feed(ping.clone()).await.is_err() {
                return false;
            }
        }
        if ws.flush().await.is_err() {
            return false;
        }
    }
    true
}

#[test]
fn a_ping_flood_from_a_server_that_does_not_read_ends_listen() {
    let address = spawn_server(|stream| async move {
        let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
            return;
        };
        // Pings as fast as they go; the pongs are never read.
        flood_pings(&mut ws, usize::MAX).await;
    });
    let home = home();
    let mut stderr = String::new();
    let mut child = ws_cmd(home.path())
        .env("WS_SEND_TIMEOUT", "1")
        .args(["listen", &format!("ws://{address}/")])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        err.read_to_string(&mut stderr).unwrap();
        stderr
    });
    let code = child.wait().unwrap().code();
    let stderr = reader.join().unwrap();
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(
        errors(stderr.as_bytes()),
        "ws: error: the server stopped reading: nothing could be sent for 1 s (send_timeout)\n"
    );
}

#[test]
fn pongs_are_answered_while_the_output_is_stuck() {
    let (pong_tx, pong) = std::sync::mpsc::channel();
    let address = spawn_server(move |stream| {
        let pong_tx = pong_tx.clone();
        async move {
            let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
                return;
            };
            // Far more than a pipe holds: the client's output stops.
            for i in 0..4_000 {
                let line = format!("{i} {}", "x".repeat(1_000));
                if ws.send(Message::text(line)).await.is_err() {
                    return;
                }
            }
            ws.send(Message::Ping(b"are you there".to_vec().into()))
                .await
                .unwrap();
            while let Some(Ok(message)) = ws.next().await {
                if let Message::Pong(payload) = message {
                    let _ = pong_tx.send(payload.to_vec());
                    return;
                }
            }
        }
    });
    let home = home();
    let url = format!("ws://{address}/");
    // Shown messages go to standard output, a pipe nobody reads.
    let path = home.path().join("script.rhai");
    std::fs::write(&path, "recv(60); sleep(60);").unwrap();
    let mut child = ws_cmd(home.path())
        .arg("run")
        .arg(&path)
        .arg(&url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let answer = pong.recv_timeout(Duration::from_secs(20));
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(answer, Ok(b"are you there".to_vec()));
}

#[test]
fn a_send_and_receive_loop_typed_at_the_session_prompt_gets_every_echo() {
    let (server, home) = (Server::start(&[]), home());
    let mut command = ws_cmd(home.path());
    command.args(["session", &server.url()]);
    let mut pty = Pty::spawn(command);
    // Every message is shown on the terminal too, so the sizes stay small.
    pty.line(
        "let pad = \"\"; pad.pad(200, 'x'); for i in 0..1000 { text(`${i}|${pad}`) } \
         let ok = 0; for i in 0..1000 { if recv() == `${i}|${pad}` { ok += 1 } } \
         print(`matched ${ok}`)",
    );
    pty.expect("matched 1000");
    pty.line("quit");
    assert_eq!(pty.code(), 0);
}

#[test]
fn text_reports_how_the_server_ended_the_connection() {
    let server = TestServer::scripted(vec![Action::close(1009, "too big")]);
    let home = home();
    let out = ws_cmd(home.path())
        .args(["text", &server.url(), "hello"])
        .output()
        .unwrap();
    // Whether the message got out before the close came (it is closed at
    // once) decides the sentence's start; the code and reason are in both.
    let stderr = errors(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("ws: error: "), "{stderr}");
    assert!(
        stderr.ends_with("with code 1009 (message too big): too big\n"),
        "{stderr}"
    );
}

#[test]
fn listen_loses_nothing_while_its_output_is_not_read() {
    // 16 MB of lines, far over a pipe's and the sockets' buffers, then a
    // ping: while nothing reads what `ws listen` prints it stops reading
    // (TCP holds the rest back), and once its output is read every line
    // comes, in order, and then the pong.
    let count = 16_000;
    let server = TestServer::scripted(vec![
        Action::Repeat(Message::text("x".repeat(1000)), count),
        Action::Send(Message::Ping(b"still there".to_vec().into())),
    ]);
    let home = home();
    let mut child = ws_cmd(home.path())
        .args(["listen", &server.url()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let mut lines = 0;
    for line in stdout.lines() {
        assert!(line.unwrap().ends_with(&"x".repeat(1000)));
        lines += 1;
        if lines == count {
            break;
        }
    }
    assert_eq!(lines, count);
    let pong = server.wait_for("the pong", |f| matches!(f, Frame::Pong(_)));
    assert_eq!(pong, Frame::Pong(b"still there".to_vec()));
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn listen_on_a_paused_terminal_shows_every_message_once_it_resumes() {
    // 5,000 messages, over half a megabyte, while the terminal takes
    // nothing (Ctrl+S): none is dropped; once the terminal resumes they
    // all come, then the pong of the ping sent after them.
    let server = TestServer::silent();
    let home = home();
    let mut command = ws_cmd(home.path());
    command.args(["listen", &server.url()]);
    let mut pty = Pty::spawn(command);
    server.wait_connected();
    pty.pause();
    for n in 0..5 {
        let line = format!("{n:03}-{}", "x".repeat(100));
        server.order(Action::Repeat(Message::text(line), 1000));
    }
    server.order(Action::text("the last one"));
    server.order(Action::Send(Message::Ping(b"all read".to_vec().into())));
    pty.resume();
    pty.expect("the last one");
    server.wait_for("the pong", |f| *f == Frame::Pong(b"all read".to_vec()));
    let shown = pty.screen();
    for n in 0..5 {
        let lines = shown.matches(&format!("{n:03}-x")).count();
        assert_eq!(lines, 1000, "batch {n}: {lines} of 1000 lines shown");
    }
    pty.signal(libc::SIGKILL);
    pty.wait();
}

#[test]
fn a_ping_flood_while_the_output_is_stuck_is_all_read() {
    // Each ping is shown; with standard output a pipe nobody reads, the
    // lines that find the display full are left out, and reading goes on.
    let (read_tx, all_read) = std::sync::mpsc::channel();
    let address = spawn_server(move |stream| {
        let read_tx = read_tx.clone();
        async move {
            let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
                return;
            };
            if !flood_pings(&mut ws, 2_000).await {
                return;
            }
            // Its pong comes once every ping before it is read.
            if ws
                .send(Message::Ping(b"last".to_vec().into()))
                .await
                .is_err()
            {
                return;
            }
            while let Some(Ok(message)) = ws.next().await {
                if message == Message::Pong(b"last".to_vec().into()) {
                    let _ = read_tx.send(());
                    return;
                }
            }
        }
    });
    let home = home();
    let path = home.path().join("script.rhai");
    std::fs::write(&path, "sleep(60);").unwrap();
    let mut child = ws_cmd(home.path())
        .arg("run")
        .arg(&path)
        .arg(format!("ws://{address}/"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let read = all_read.recv_timeout(Duration::from_secs(60));
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(read, Ok(()), "the 200,000 pings were not all read");
}

#[test]
fn a_full_receive_queue_stops_the_reads_and_loses_nothing() {
    // 400 messages of 64 KiB (25 MiB, more than the sockets' buffers hold)
    // while the script takes none for a second: with message_queue_bytes =
    // 512K the connection stops reading, so the server cannot finish
    // sending; once the script takes them, every one comes, in order.
    let (sent_tx, all_sent) = std::sync::mpsc::channel();
    let address = spawn_server(move |stream| {
        let sent_tx = sent_tx.clone();
        async move {
            let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
                return;
            };
            for i in 0..400 {
                let text = format!("{i:03} {}", "x".repeat((64 << 10) - 4));
                if ws.send(Message::text(text)).await.is_err() {
                    return;
                }
            }
            let _ = sent_tx.send(());
            let _ = ws.close(None).await;
        }
    });
    let home = home();
    let path = home.path().join("script.rhai");
    std::fs::write(
        &path,
        "sleep(1);\n\
         print(\"taking\");\n\
         let n = 0;\n\
         loop { let m = recv(); if m == () { break; } \
           if m.sub_string(0, 3).parse_int() != n { throw `message ${n} is missing`; } n += 1; }\n\
         print(`got ${n} in order`);\n",
    )
    .unwrap();
    let mut child = ws_cmd(home.path())
        .env("WS_MESSAGE_QUEUE_BYTES", "512K")
        .arg("run")
        .arg(&path)
        .arg(format!("ws://{address}/"))
        .arg("-q")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "taking");
    assert!(
        all_sent.try_recv().is_err(),
        "the server sent everything while the script took nothing"
    );
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let out = child.wait_with_output().unwrap();
    // The server's close is noticed (on -q too) while the script takes.
    assert_eq!(rest.lines().last(), Some("got 400 in order"), "{rest}");
    assert_eq!(out.status.code(), Some(0), "{}", errors(&out.stderr));
}
