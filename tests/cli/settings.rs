//! `ws config` end to end; the layering itself is tested in
//! src/settings/tests.rs.

use crate::support::{home, ws_cmd};

fn assert_mentions(message: &str, parts: &[&str]) {
    for part in parts {
        assert!(message.contains(part), "{part:?} is not in: {message}");
    }
}

#[test]
fn ws_config_shows_each_setting_and_its_source() {
    let home = home();
    std::fs::write(home.path().join("ws.toml"), "max_message_size = \"1M\"\n").unwrap();
    let user = home.path().join("config/ws");
    std::fs::create_dir_all(&user).unwrap();
    std::fs::write(
        user.join("config.toml"),
        "terminal_width = 90\nmax_message_size = 5\n",
    )
    .unwrap();
    let output = ws_cmd(home.path())
        .args(["config", "--connect-timeout", "7"])
        .env("WS_RESPONSE_TIMEOUT", "inf")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert_mentions(
        &stdout,
        &[
            "connect_timeout = 7.0  # flag --connect-timeout",
            "response_timeout = \"inf\"  # env WS_RESPONSE_TIMEOUT",
            "max_message_size = \"1M\"  # file ./ws.toml",
            "terminal_width = 90  # file ",
            "disconnect_timeout = 5.0  # default",
            "# tls_ca_file is not set",
        ],
    );
    // What `ws config` prints is itself a valid settings file.
    let again = crate::support::home();
    std::fs::write(again.path().join("ws.toml"), stdout.as_bytes()).unwrap();
    let check = ws_cmd(again.path()).arg("config").output().unwrap();
    assert_eq!(check.status.code(), Some(0), "{stdout}");
    assert!(
        String::from_utf8_lossy(&check.stdout).contains("connect_timeout = 7.0  # file ./ws.toml"),
        "{stdout}"
    );
}

#[test]
fn ws_config_refuses_a_bad_value_with_status_1() {
    let home = home();
    std::fs::write(home.path().join("ws.toml"), "max_message_size = \"lots\"\n").unwrap();
    let output = ws_cmd(home.path()).arg("config").output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1));
    assert_mentions(&stderr, &["max_message_size", "./ws.toml", "suffix"]);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}
