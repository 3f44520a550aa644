//! Validated settings and where each one comes from. The layers,
//! most important first: command-line flags, `WS_*` environment variables,
//! `./ws.toml`, the user's config file (`$XDG_CONFIG_HOME/ws/config.toml` or
//! `~/.config/ws/config.toml`), then the defaults. [`resolve`] is the pure
//! layering; [`load`] reads the real environment and files; [`show`] is
//! `ws config`. Commands take a [`Settings`], never clap structs.
//!
//! In the environment every key is upper-cased behind `WS_`
//! (`WS_CONNECT_TIMEOUT=2.5`). `WS_EXTRA_HEADERS` holds `Name: value` lines
//! separated by newlines, or the TOML form of the file
//! (`[["X-A", "1"], ["X-B", "2"]]`).

mod keys;
#[cfg(test)]
mod tests;
mod value;

pub(crate) use keys::{Group, KEYS, Key, Style};
pub(crate) use value::parse_size;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::connection::{ClientSettings, ConnectOptions, HandleSettings, Limits, TlsFiles};
use crate::error::{Error, Result};

/// The longest duration a setting, a flag or a Rhai function accepts, in
/// seconds (about 31 years): longer waits are refused by name rather than
/// overflowing a clock.
pub const MAX_SECONDS: f64 = 1e9;

/// The settings of a session and its connection: timeouts, sizes,
/// keepalive, reconnection, TLS files and script limits. The `ws` binary
/// resolves them from its flags, `WS_*` variables and config files; a host
/// starts from [`Settings::default`] and sets the fields it needs, then
/// hands them to [`SessionBuilder::settings`](crate::SessionBuilder::settings).
///
/// ```
/// use std::time::Duration;
/// use ws::{Console, EchoServer, Session, Settings};
///
/// let server = EchoServer::start()?;
/// let settings = Settings {
///     response_timeout: Some(Duration::from_millis(100)),
///     extra_headers: vec![("X-Client".into(), "docs".into())],
///     ..Settings::default()
/// };
/// let mut session = Session::builder().url(server.url()).settings(settings)
///     .console(Console::silent()).build()?;
/// assert!(session.run_script("nothing comes", "recv()").is_err());
/// # Ok::<(), ws::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// How long to wait for the TCP, TLS and websocket handshakes.
    pub connect_timeout: Duration,
    /// How long to wait for the peer's close frame after sending ours.
    pub disconnect_timeout: Duration,
    /// How long `recv`, `expect` and `ping` wait; `None` waits forever.
    pub response_timeout: Option<Duration>,
    /// How many received messages are kept for `recv`.
    pub message_queue_size: usize,
    /// How many bytes of received messages are kept for `recv` (each
    /// counted as its payload and 64 bytes more).
    pub message_queue_bytes: usize,
    /// The largest message accepted, in bytes.
    pub max_message_size: usize,
    /// Whether clients offer permessage-deflate.
    pub compression: bool,
    /// Time between keepalive pings; `None`: no keepalive.
    pub ping_interval: Option<Duration>,
    /// How long a keepalive ping may go unanswered; `None`: the interval.
    pub ping_timeout: Option<Duration>,
    /// Reconnecting after an abnormal end; `None`: never.
    pub reconnect: Option<crate::connection::ReconnectSettings>,
    /// What is sent after every connection (`--preamble`, a flag only).
    pub preamble: Option<crate::connection::Preamble>,
    /// Headers added to every handshake.
    pub extra_headers: Vec<(String, String)>,
    /// Width of the transcripts the `ws` commands write (`--transcript`), in
    /// columns; `None` takes the terminal's or 100. A host gives the width
    /// to [`transcript::open`](crate::transcript::open) itself.
    pub terminal_width: Option<usize>,
    /// PEM file of extra trusted certificate authorities.
    pub tls_ca_file: Option<PathBuf>,
    /// PEM client certificate (chain).
    pub tls_certificate_file: Option<PathBuf>,
    /// PEM private key of the client certificate.
    pub tls_key_file: Option<PathBuf>,
    /// Password of an encrypted PKCS#8 key.
    pub tls_password: Option<String>,
    /// Bytes that may wait to be written before a send waits for room.
    pub send_buffer_size: usize,
    /// How long the peer may take none of our data before the connection
    /// is ended.
    pub send_timeout: Duration,
    /// Messages smaller than this many bytes are sent uncompressed, even
    /// when compression was agreed.
    pub compression_threshold: usize,
    /// The largest window ws compresses with, 2^bits bytes (9 to 15); as
    /// a server, also the largest a client may compress with. Unset: 15
    /// for a client, 12 for a server.
    pub compression_window_bits: Option<usize>,
    /// zlib's memory level for ws's compressor (1 to 9).
    pub compression_mem_level: usize,
    /// How long a reconnected connection must stay up before it counts as
    /// a success (and the count of failed attempts starts again).
    pub reconnect_stable: Duration,
    /// `ws pipe`: after standard input ends, how long the server may be
    /// quiet before the close (zero: close at once).
    pub linger: Duration,
    /// The application protocol spoken over connections (`socketio`,
    /// `graphql`, `stomp`, `jsonrpc`), if any.
    pub protocol: Option<String>,
    /// The credentials of the protocol's opening exchange (never shown).
    pub protocol_init: Option<serde_json::Value>,
    /// The limits Rhai code runs within.
    pub limits: ScriptLimits,
}

/// The limits that keep Rhai code inside the process's means; going over
/// one is an error that names it, never an abort.
///
/// ```
/// use ws::{Console, ScriptLimits, Session, Settings};
///
/// let limits = ScriptLimits { max_string_size: 10, ..ScriptLimits::default() };
/// let settings = Settings { limits, ..Settings::default() };
/// let mut session = Session::builder().settings(settings).console(Console::silent()).build()?;
/// assert!(session.run_script("short", r#"let s = "0123456789";"#).is_ok());
/// let error = session.run_script("long", r#"let s = "0123456789" + "!";"#).unwrap_err();
/// assert!(error.to_string().contains("string"), "{error}");
/// # Ok::<(), ws::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptLimits {
    /// Longest string, in bytes.
    pub max_string_size: usize,
    /// Most elements in an array, or bytes in a blob (a binary message
    /// received is a blob, so this is at least `max_message_size` in use).
    pub max_array_size: usize,
    /// Most properties in an object map.
    pub max_map_size: usize,
    /// Deepest nesting of function calls.
    pub max_call_levels: usize,
    /// Deepest nesting of expressions (in statements and in functions).
    pub max_expr_depth: usize,
}

impl Default for ScriptLimits {
    fn default() -> Self {
        Self {
            max_string_size: 64 << 20,
            max_array_size: 16 << 20,
            max_map_size: 1 << 20,
            max_call_levels: 64,
            max_expr_depth: 256,
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
            disconnect_timeout: Duration::from_secs(5),
            response_timeout: Some(Duration::from_secs(5)),
            message_queue_size: 1_000_000,
            message_queue_bytes: 256 * 1024 * 1024,
            max_message_size: 16 * 1024 * 1024,
            compression: true,
            ping_interval: None,
            ping_timeout: None,
            reconnect: None,
            preamble: None,
            extra_headers: Vec::new(),
            terminal_width: None,
            tls_ca_file: None,
            tls_certificate_file: None,
            tls_key_file: None,
            tls_password: None,
            send_buffer_size: 4 * 1024 * 1024,
            send_timeout: Duration::from_secs(30),
            compression_threshold: 1024,
            compression_window_bits: None,
            compression_mem_level: usize::from(crate::connection::deflate::MEM_LEVEL),
            reconnect_stable: Duration::from_secs(5),
            linger: Duration::from_secs(1),
            protocol: None,
            protocol_init: None,
            limits: ScriptLimits::default(),
        }
    }
}

impl Settings {
    /// `compression_window_bits` if set (its key keeps it from 9 to 15).
    pub(crate) fn window_bits(&self) -> Option<u8> {
        self.compression_window_bits
            .map(|bits| u8::try_from(bits).unwrap_or(u8::MAX))
    }

    /// `compression_mem_level` (its key keeps it from 1 to 9).
    pub(crate) fn mem_level(&self) -> u8 {
        u8::try_from(self.compression_mem_level).unwrap_or(u8::MAX)
    }

    /// Connection options carrying these settings (headers, timeouts, TLS files).
    ///
    /// ```
    /// use std::time::Duration;
    /// use ws::{Connection, EchoServer, Settings};
    ///
    /// let settings = Settings { max_message_size: 1024, connect_timeout: Duration::from_secs(1), ..Settings::default() };
    /// let options = settings.connect_options();
    /// assert_eq!((options.max_message_size, options.connect_timeout), (1024, Duration::from_secs(1)));
    /// let server = EchoServer::start()?;
    /// let connection = Connection::open(&server.url(), &options)?;
    /// assert!(connection.send_binary(vec![0; 2048]).is_err()); // over 1024 bytes
    /// # Ok::<(), ws::Error>(())
    /// ```
    pub fn connect_options(&self) -> ConnectOptions {
        ConnectOptions {
            headers: self.extra_headers.clone(),
            connect_timeout: self.connect_timeout,
            max_message_size: self.max_message_size,
            compression: self.compression,
            compression_threshold: self.compression_threshold,
            compression_window_bits: self
                .window_bits()
                .unwrap_or(crate::connection::deflate::CLIENT_WINDOW_BITS),
            compression_mem_level: self.mem_level(),
            protocol: self.protocol.as_deref().and_then(|name| {
                // The name was checked when it was set.
                crate::protocol::Speaks::named(name, self.protocol_init.clone()).ok()
            }),
            tls: TlsFiles {
                ca_file: self.tls_ca_file.clone(),
                certificate_file: self.tls_certificate_file.clone(),
                key_file: self.tls_key_file.clone(),
                password: self.tls_password.clone(),
            },
            ..ConnectOptions::default()
        }
    }

    /// The client core's settings for a connection made with `options`
    /// and these settings (no preamble, no keepalive notes).
    pub(crate) fn client_settings(&self, options: ConnectOptions) -> ClientSettings {
        ClientSettings {
            options,
            limits: Limits {
                send_timeout: self.send_timeout,
                disconnect_timeout: self.disconnect_timeout,
                peer: "server",
                keepalive: self.keepalive(),
            },
            reconnect: self.reconnect,
            reconnect_stable: self.reconnect_stable,
            ..ClientSettings::default()
        }
    }

    /// The settings of a connection handle made with `options` and these
    /// settings; `interrupt` stops a send that waits for room, and what
    /// `recv` has not taken is charged to `budget` (see
    /// [`Settings::recv_budget`]).
    pub(crate) fn handle_settings(
        &self,
        options: ConnectOptions,
        keep: bool,
        interrupt: crate::cancel::Interrupt,
        budget: std::sync::Arc<crate::queue::Budget>,
    ) -> HandleSettings {
        HandleSettings {
            client: self.client_settings(options),
            budget,
            keep,
            send_buffer_size: self.send_buffer_size,
            interrupt,
        }
    }

    /// The budget of what `recv` has not taken, for every connection of a
    /// script: `message_queue_size` messages, `message_queue_bytes` bytes.
    pub(crate) fn recv_budget(&self) -> std::sync::Arc<crate::queue::Budget> {
        crate::queue::Budget::new(crate::queue::Bound {
            items: self.message_queue_size,
            bytes: self.message_queue_bytes,
        })
    }

    /// The keepalive of `ping_interval` and `ping_timeout`, if any.
    pub(crate) fn keepalive(&self) -> Option<crate::connection::KeepaliveSettings> {
        let interval = self.ping_interval?;
        Some(crate::connection::KeepaliveSettings {
            interval,
            timeout: self.ping_timeout.unwrap_or(interval),
        })
    }

    /// The transcript width: the setting, else the width of the terminal
    /// on standard output, else 100.
    pub(crate) fn width(&self) -> usize {
        self.terminal_width
            .or_else(crate::os::stdout_columns)
            .unwrap_or(100)
    }
}

/// Where a setting's value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// The built-in default.
    Default,
    /// A settings file.
    File(PathBuf),
    /// An environment variable, by name.
    Env(String),
    /// A command-line flag, by name (`--connect-timeout`).
    Flag(String),
    /// The options of `connect(url, options)`.
    Connect,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::File(path) => write!(f, "file {}", path.display()),
            Source::Env(name) => write!(f, "env {name}"),
            Source::Flag(name) => write!(f, "flag {name}"),
            Source::Connect => f.write_str("connect() options"),
        }
    }
}

/// The text of one settings file.
#[derive(Clone, Debug)]
pub struct ConfigFile {
    /// Where it is (named in errors; relative paths inside are taken from its folder).
    pub path: PathBuf,
    /// Its TOML text.
    pub text: String,
}

/// The settings given as flags, as typed.
#[derive(Clone, Debug, Default)]
pub struct Flags {
    /// The flags given: the key each sets, the flag as written
    /// (`--connect-timeout`) and its value (a switch's meaning, like
    /// `false` for `--no-compression`).
    pub given: Vec<(&'static str, String, String)>,
    /// `-H` headers, `Name: value` each; added to `extra_headers`, replacing
    /// any of the same name.
    pub headers: Vec<String>,
}

impl Flags {
    /// The flag that sets `key`, and its value.
    fn get(&self, key: &str) -> Option<(&str, &str)> {
        self.given
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, flag, value)| (flag.as_str(), value.as_str()))
    }
}

/// Effective settings and the source of each key.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// The settings.
    pub settings: Settings,
    /// Each key with where its value came from.
    pub sources: Vec<(&'static str, Source)>,
}

impl Loaded {
    /// Where `key`'s value came from.
    #[cfg(test)]
    pub fn source(&self, key: &str) -> Option<&Source> {
        self.sources.iter().find(|(k, _)| *k == key).map(|(_, s)| s)
    }
}

/// Sets the setting `name` from an option of `connect(url, options)`;
/// only the settings of one connection may be given there.
pub(crate) fn set_option(settings: &mut Settings, name: &str, value: &toml::Value) -> Result<()> {
    let Some(key) = KEYS.iter().find(|k| k.name == name && k.per_connection) else {
        let known: Vec<&str> = ["headers", "subprotocols", "init"]
            .into_iter()
            .chain(KEYS.iter().filter(|k| k.per_connection).map(|k| k.name))
            .collect();
        return Err(Error::Settings(format!(
            "connect: unknown option {name}; use {}",
            known.join(", ")
        )));
    };
    let raw = value::Raw::Toml(value);
    value::apply(settings, key, raw, &Source::Connect, &HashMap::new())
}

/// The environment variable of a key: `WS_` and the key upper-cased.
pub fn env_name(key: &str) -> String {
    format!("WS_{}", key.to_ascii_uppercase())
}

/// Layers the settings: `flags`, then `WS_*` variables of `env`, then
/// `files` in order (most important first), then the defaults.
pub fn resolve(
    env: &HashMap<String, String>,
    files: &[ConfigFile],
    flags: &Flags,
) -> Result<Loaded> {
    let tables = files
        .iter()
        .map(|file| Ok((file.path.clone(), value::parse_file(file)?)))
        .collect::<Result<Vec<_>>>()?;
    let mut settings = Settings::default();
    let mut sources = Vec::new();
    for key in KEYS {
        let source = match pick(key.name, env, &tables, flags) {
            Some((raw, source)) => {
                value::apply(&mut settings, key, raw, &source, env)?;
                source
            }
            None => Source::Default,
        };
        sources.push((key.name, source));
    }
    if !flags.headers.is_empty() {
        value::add_flag_headers(&mut settings.extra_headers, &flags.headers)?;
        if let Some((_, source)) = sources.iter_mut().find(|(k, _)| *k == "extra_headers") {
            *source = Source::Flag("-H".into());
        }
    }
    Ok(Loaded { settings, sources })
}

fn pick<'a>(
    key: &str,
    env: &'a HashMap<String, String>,
    tables: &'a [(PathBuf, toml::Table)],
    flags: &'a Flags,
) -> Option<(value::Raw<'a>, Source)> {
    if let Some((flag, text)) = flags.get(key) {
        return Some((value::Raw::Text(text), Source::Flag(flag.to_string())));
    }
    let var = env_name(key);
    if let Some(text) = env.get(&var).filter(|t| !t.is_empty()) {
        return Some((value::Raw::Text(text), Source::Env(var)));
    }
    tables.iter().find_map(|(path, table)| {
        let found = table.get(key)?;
        Some((value::Raw::Toml(found), Source::File(path.clone())))
    })
}

/// Where the settings files are, most important first: `./ws.toml`, then
/// the user's config file.
pub fn file_paths(env: &HashMap<String, String>) -> Vec<PathBuf> {
    let config_home = env
        .get("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute())
        .or_else(|| home_dir(env).map(|home| home.join(".config")));
    let mut paths = vec![PathBuf::from("./ws.toml")];
    paths.extend(config_home.map(|dir| dir.join("ws").join("config.toml")));
    paths
}

fn home_dir(env: &HashMap<String, String>) -> Option<PathBuf> {
    env.get("HOME")
        .filter(|home| !home.is_empty())
        .map(PathBuf::from)
        .or_else(|| directories::BaseDirs::new().map(|dirs| dirs.home_dir().to_path_buf()))
}

/// Reads the settings files that exist; a missing one is skipped.
fn read_files(paths: &[PathBuf]) -> Result<Vec<ConfigFile>> {
    let mut files = Vec::new();
    for path in paths {
        match crate::bounded::read_config_text(path) {
            Ok(text) => files.push(ConfigFile {
                path: path.clone(),
                text,
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::file("read the settings file", path, e)),
        }
    }
    Ok(files)
}

/// The process's environment variables. One whose name or value is not
/// UTF-8 is left out, unless it is one of ours (`WS_*`): that is an error
/// naming it.
fn environment() -> Result<HashMap<String, String>> {
    let mut env = HashMap::new();
    for (name, value) in std::env::vars_os() {
        match (name.into_string(), value.into_string()) {
            (Ok(name), Ok(value)) => {
                env.insert(name, value);
            }
            (Ok(name), Err(_)) if name.starts_with("WS_") => {
                return Err(Error::Settings(format!(
                    "the environment variable {name} is not UTF-8 text; set it again or unset it"
                )));
            }
            _ => {}
        }
    }
    Ok(env)
}

/// The settings of this process: its environment, its settings files and `flags`.
pub fn load(flags: &Flags) -> Result<Loaded> {
    let env = environment()?;
    let files = read_files(&file_paths(&env))?;
    resolve(&env, &files, flags)
}

/// `ws config`: prints the effective settings, each with its source, as
/// TOML that can be pasted into a settings file.
pub fn show(flags: &Flags) -> Result<i32> {
    use std::io::Write;
    let loaded = load(flags)?;
    let env = environment()?;
    let mut out = std::io::stdout().lock();
    let mut text = String::from(
        "# Settings in effect. Sources, most important first:\n#   flags\n#   WS_* environment variables\n",
    );
    for path in file_paths(&env) {
        let state = if path.is_file() { "" } else { " (not found)" };
        text.push_str(&format!("#   {}{state}\n", path.display()));
    }
    text.push_str("#   defaults\n");
    for (key, (_, source)) in KEYS.iter().zip(&loaded.sources) {
        text.push_str(&value::show_line(&loaded.settings, key, source));
    }
    out.write_all(text.as_bytes())
        .map_err(|e| Error::io("cannot print the settings", e))?;
    Ok(0)
}

/// Resolves `~/` against the home directory, and a relative path from a file
/// against that file's folder.
fn resolve_path(text: &str, source: &Source, env: &HashMap<String, String>) -> PathBuf {
    if let Some(rest) = text.strip_prefix("~/")
        && let Some(home) = home_dir(env)
    {
        return home.join(rest);
    }
    let path = PathBuf::from(text);
    match source {
        Source::File(file) if path.is_relative() => {
            file.parent().unwrap_or(Path::new(".")).join(path)
        }
        _ => path,
    }
}
