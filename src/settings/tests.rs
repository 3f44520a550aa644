//! Settings: the layering as a pure function, one test per layer,
//! and a bad value in each source (`ws config` end to end is in tests/cli).

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use super::{ConfigFile, Flags, Settings, Source, resolve};

const USER: &str = "/home/u/.config/ws/config.toml";
const PROJECT: &str = "./ws.toml";

fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn file(path: &str, text: &str) -> ConfigFile {
    ConfigFile {
        path: PathBuf::from(path),
        text: text.to_string(),
    }
}

fn timeout_flag(value: &str) -> Flags {
    flag("connect_timeout", "--connect-timeout", value)
}

fn flag(key: &'static str, flag: &str, value: &str) -> Flags {
    Flags {
        given: vec![(key, flag.into(), value.into())],
        ..Flags::default()
    }
}

/// The layers for connect_timeout: user file 1, project file 2, env 3.
fn layers(depth: usize) -> (HashMap<String, String>, Vec<ConfigFile>) {
    let mut files = Vec::new();
    if depth >= 2 {
        files.push(file(PROJECT, "connect_timeout = 2"));
    }
    if depth >= 1 {
        files.push(file(USER, "connect_timeout = 1"));
    }
    let vars = if depth >= 3 {
        env(&[("WS_CONNECT_TIMEOUT", "3")])
    } else {
        env(&[])
    };
    (vars, files)
}

fn connect_timeout(depth: usize, flags: &Flags) -> (Duration, Source) {
    let (vars, files) = layers(depth);
    let loaded = resolve(&vars, &files, flags).unwrap();
    let source = loaded.source("connect_timeout").unwrap().clone();
    (loaded.settings.connect_timeout, source)
}

#[test]
fn defaults_when_nothing_is_set() {
    let loaded = resolve(&env(&[]), &[], &Flags::default()).unwrap();
    assert_eq!(loaded.settings, Settings::default());
    assert!(loaded.sources.iter().all(|(_, s)| *s == Source::Default));
}

#[test]
fn the_user_file_overrides_the_defaults() {
    let (value, source) = connect_timeout(1, &Flags::default());
    assert_eq!(value, Duration::from_secs(1));
    assert_eq!(source, Source::File(USER.into()));
}

#[test]
fn the_project_file_overrides_the_user_file() {
    let (value, source) = connect_timeout(2, &Flags::default());
    assert_eq!(value, Duration::from_secs(2));
    assert_eq!(source, Source::File(PROJECT.into()));
}

#[test]
fn the_environment_overrides_the_files() {
    let (value, source) = connect_timeout(3, &Flags::default());
    assert_eq!(value, Duration::from_secs(3));
    assert_eq!(source, Source::Env("WS_CONNECT_TIMEOUT".into()));
}

#[test]
fn a_flag_overrides_everything() {
    let (value, source) = connect_timeout(3, &timeout_flag("4.5"));
    assert_eq!(value, Duration::from_millis(4500));
    assert_eq!(source, Source::Flag("--connect-timeout".into()));
}

#[test]
fn every_key_is_read_from_a_file() {
    let text = r#"
        connect_timeout = 1.5
        disconnect_timeout = 2
        response_timeout = "inf"
        message_queue_size = 50
        max_message_size = "64K"
        extra_headers = [["X-A", "1"], ["X-B", "two words"]]
        terminal_width = 80
        tls_ca_file = "certs/ca.pem"
        tls_certificate_file = "/abs/client.pem"
        tls_key_file = "client.key"
        tls_password = "secret"
    "#;
    let s = resolve(
        &env(&[]),
        &[file("/etc/ws/config.toml", text)],
        &Flags::default(),
    )
    .unwrap()
    .settings;
    assert_eq!(s.connect_timeout, Duration::from_millis(1500));
    assert_eq!(s.disconnect_timeout, Duration::from_secs(2));
    assert_eq!(s.response_timeout, None);
    assert_eq!(s.message_queue_size, 50);
    assert_eq!(s.max_message_size, 65536);
    assert_eq!(
        s.extra_headers,
        [
            ("X-A".into(), "1".into()),
            ("X-B".into(), "two words".into())
        ]
    );
    assert_eq!(s.terminal_width, Some(80));
    // Relative paths in a file are taken from the file's folder.
    assert_eq!(s.tls_ca_file, Some("/etc/ws/certs/ca.pem".into()));
    assert_eq!(s.tls_certificate_file, Some("/abs/client.pem".into()));
    assert_eq!(s.tls_key_file, Some("/etc/ws/client.key".into()));
    assert_eq!(s.tls_password.as_deref(), Some("secret"));
}

#[test]
fn every_key_is_read_from_the_environment() {
    let vars = env(&[
        ("WS_RESPONSE_TIMEOUT", "0.25"),
        ("WS_MESSAGE_QUEUE_SIZE", "7"),
        ("WS_MAX_MESSAGE_SIZE", "1G"),
        ("WS_EXTRA_HEADERS", "X-A: 1\nX-B: 2"),
        ("WS_TERMINAL_WIDTH", "120"),
        ("WS_TLS_CA_FILE", "ca.pem"),
        ("WS_TLS_PASSWORD", "pw"),
    ]);
    let s = resolve(&vars, &[], &Flags::default()).unwrap().settings;
    assert_eq!(s.response_timeout, Some(Duration::from_millis(250)));
    assert_eq!(s.message_queue_size, 7);
    assert_eq!(s.max_message_size, 1 << 30);
    assert_eq!(s.extra_headers.len(), 2);
    assert_eq!(s.terminal_width, Some(120));
    assert_eq!(s.tls_ca_file, Some("ca.pem".into()));
    assert_eq!(s.tls_password.as_deref(), Some("pw"));
    let toml_form = env(&[("WS_EXTRA_HEADERS", r#"[["X-C", "3"]]"#)]);
    let s = resolve(&toml_form, &[], &Flags::default())
        .unwrap()
        .settings;
    assert_eq!(s.extra_headers, [("X-C".into(), "3".into())]);
}

#[test]
fn header_flags_add_to_configured_headers_and_replace_the_same_name() {
    let files = [file(
        PROJECT,
        r#"extra_headers = [["X-A", "file"], ["X-B", "file"]]"#,
    )];
    let flags = Flags {
        headers: vec!["x-a: flag".into(), "X-C: flag".into()],
        ..Flags::default()
    };
    let loaded = resolve(&env(&[]), &files, &flags).unwrap();
    let names: Vec<String> = loaded
        .settings
        .extra_headers
        .iter()
        .map(|(n, v)| format!("{n}={v}"))
        .collect();
    assert_eq!(names, ["X-B=file", "x-a=flag", "X-C=flag"]);
    assert_eq!(
        loaded.source("extra_headers"),
        Some(&Source::Flag("-H".into()))
    );
}

fn error(vars: &[(&str, &str)], files: &[ConfigFile], flags: &Flags) -> String {
    let err = resolve(&env(vars), files, flags).unwrap_err();
    // A bad flag is bad usage (2); a bad variable or file entry is a runtime failure (1).
    let status = if err.to_string().contains("(flag ") {
        2
    } else {
        1
    };
    assert_eq!(err.exit_status(), status, "{err}");
    err.to_string()
}

fn assert_mentions(message: &str, parts: &[&str]) {
    for part in parts {
        assert!(message.contains(part), "{part:?} is not in: {message}");
    }
}

#[test]
fn a_bad_flag_names_the_flag_and_what_is_allowed() {
    let message = error(&[], &[], &timeout_flag("soon"));
    assert_mentions(
        &message,
        &["connect_timeout", "flag --connect-timeout", "seconds"],
    );
    let flags = flag(
        "max_message_size",
        "--max-message-size",
        "99999999999999999999",
    );
    let message = error(&[], &[], &flags);
    assert_mentions(&message, &["max_message_size", "--max-message-size", "16M"]);
    let flags = Flags {
        headers: vec!["no colon".into()],
        ..Flags::default()
    };
    assert_mentions(&error(&[], &[], &flags), &["-H", "Name: value"]);
}

#[test]
fn a_bad_environment_variable_names_the_variable() {
    let message = error(&[("WS_RESPONSE_TIMEOUT", "-1")], &[], &Flags::default());
    assert_mentions(
        &message,
        &["response_timeout", "env WS_RESPONSE_TIMEOUT", "inf"],
    );
    let message = error(&[("WS_EXTRA_HEADERS", "X-A 1")], &[], &Flags::default());
    assert_mentions(
        &message,
        &["extra_headers", "env WS_EXTRA_HEADERS", "Name: value"],
    );
}

#[test]
fn a_bad_value_in_the_project_file_names_the_file() {
    let files = [file(PROJECT, "terminal_width = 5")];
    let message = error(&[], &files, &Flags::default());
    assert_mentions(
        &message,
        &["terminal_width", "file ./ws.toml", "20 to 1000"],
    );
}

#[test]
fn the_receive_queue_bytes_take_a_size_and_refuse_anything_else() {
    let loaded = resolve(
        &env(&[("WS_MESSAGE_QUEUE_BYTES", "64M")]),
        &[],
        &Flags::default(),
    )
    .unwrap();
    assert_eq!(loaded.settings.message_queue_bytes, 64 * 1024 * 1024);
    let message = error(
        &[("WS_MESSAGE_QUEUE_BYTES", "lots")],
        &[],
        &Flags::default(),
    );
    assert_mentions(
        &message,
        &[
            "message_queue_bytes",
            "WS_MESSAGE_QUEUE_BYTES",
            "number of bytes",
        ],
    );
}

#[test]
fn a_bad_value_in_the_user_file_names_the_file() {
    let files = [file(USER, "message_queue_size = \"many\"")];
    let message = error(&[], &files, &Flags::default());
    assert_mentions(&message, &["message_queue_size", USER, "whole number"]);
}

#[test]
fn an_unknown_key_or_bad_toml_names_the_file() {
    let files = [file(PROJECT, "conect_timeout = 1")];
    let message = error(&[], &files, &Flags::default());
    assert_mentions(
        &message,
        &[
            "conect_timeout",
            "./ws.toml",
            "did you mean connect_timeout",
        ],
    );
    let files = [file(USER, "\n\nconnect_timeout = = 1")];
    assert_mentions(&error(&[], &files, &Flags::default()), &[USER, "line 3"]);
}

#[test]
fn the_password_is_never_shown() {
    let files = [file(PROJECT, "tls_password = 12345")];
    let message = error(&[], &files, &Flags::default());
    assert!(!message.contains("12345"), "{message}");
}
