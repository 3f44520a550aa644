//! What a command fails with is in its transcript too: a script's error,
//! a refused handshake with its status and body.

use crate::connect::{Answer, HandshakeServer};
use crate::support::server::TestServer;
use crate::support::{home, ws_cmd};

#[test]
fn a_failing_script_leaves_its_error_in_the_transcript() {
    let (server, home) = (TestServer::echo(), home());
    std::fs::write(
        home.path().join("bad.rhai"),
        "text(\"a\");\nthrow \"no luck here\";\n",
    )
    .unwrap();
    let out = ws_cmd(home.path())
        .args(["run", "bad.rhai", &server.url(), "-f", "run.txt"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let transcript = std::fs::read_to_string(home.path().join("run.txt")).unwrap();
    assert!(transcript.contains("bad.rhai:2:"), "{transcript}");
    assert!(transcript.contains("no luck here"), "{transcript}");
}

#[test]
fn a_refused_handshake_leaves_a_transcript_that_says_why() {
    let server = HandshakeServer::start(Answer::Refuse);
    let home = home();
    for (args, file) in [
        (vec!["session", &server.url()], "session.svg"),
        (vec!["listen", &server.url()], "listen.txt"),
    ] {
        let out = ws_cmd(home.path())
            .args(&args)
            .args(["-f", file])
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        // The SVG writes spaces as non-breaking ones.
        let transcript = std::fs::read_to_string(home.path().join(file))
            .unwrap()
            .replace('\u{a0}', " ");
        for part in [
            "refused the websocket handshake",
            "HTTP 403 Forbidden",
            "go away, no token",
        ] {
            assert!(
                transcript.contains(part),
                "{file} lacks {part:?}:\n{transcript}"
            );
        }
    }
}
