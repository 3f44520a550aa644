//! Every settings key, declared once: its name, the field of [`Settings`]
//! it sets, the kind of value it takes, its help line, its command-line
//! flag (if any) and whether `connect(url, options)` takes it. The flags,
//! the `WS_*` variables, `ws.toml`, `ws config`, the options of
//! `connect()` and the error messages all come from [`KEYS`]: a new key is
//! one entry here.

use std::path::PathBuf;
use std::time::Duration;

use super::value::{self, Raw};
use super::{Settings, Source};
use crate::connection::ReconnectSettings;

/// What values a key takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Seconds above 0, like `2.5`.
    Seconds,
    /// Seconds, or `inf` to wait forever.
    Timeout,
    /// Seconds, `0` included (at once).
    Wait,
    /// Bytes from 1 to 4G, with a suffix K, M or G.
    Size,
    /// Bytes as [`Kind::Size`], `0` included.
    Bytes,
    /// A whole number from the first to the second.
    Whole(usize, usize),
    /// `true` or `false`.
    Bool,
    /// A number of attempts, `inf` (or `true`) for no limit, or `false`.
    Attempts,
    /// `[name, value]` pairs (`Name: value` lines in the environment).
    Headers,
    /// The path of a file.
    Path,
    /// Text that is never shown.
    Secret,
    /// The name of an application protocol.
    Protocol,
    /// A JSON value, never shown (it holds credentials).
    Json,
}

impl Kind {
    /// What it allows, for error messages.
    pub(crate) fn allowed(self) -> String {
        match self {
            Kind::Seconds => "use a number of seconds from 0.001 (a millisecond) to 1000000000, like 2.5".into(),
            Kind::Timeout => "use a number of seconds from 0.001 (a millisecond) to 1000000000, like 2.5, or \"inf\" to wait forever".into(),
            Kind::Wait => "use 0 (at once) or a number of seconds from 0.001 (a millisecond) to 1000000000, like 0.5".into(),
            Kind::Size => "use a number of bytes from 1 to 4G, with an optional suffix K, M or G (like 64K or 16M)".into(),
            Kind::Bytes => "use a number of bytes from 0 to 4G, with an optional suffix K, M or G (like 1K)".into(),
            Kind::Whole(min, max) => format!("use a whole number from {min} to {max}"),
            Kind::Bool => "use true or false".into(),
            Kind::Attempts => "use a number of attempts from 1 to 1000000, \"inf\" (or true) for no limit, or false".into(),
            Kind::Headers => "use a list of [name, value] pairs (in the environment, 'Name: value' lines) with valid header names and values".into(),
            Kind::Path => "use the path of a file".into(),
            Kind::Secret => "use a text".into(),
            Kind::Protocol => format!(
                "use one of {}, or none",
                crate::protocol::NAMES.join(", ")
            ),
            Kind::Json => "use a JSON value, like {\"token\":\"…\"}".into(),
        }
    }

    /// The placeholder of its flag's value in `--help`.
    fn value_name(self) -> &'static str {
        match self {
            Kind::Seconds | Kind::Timeout | Kind::Wait => "SECONDS",
            Kind::Size | Kind::Bytes => "BYTES",
            Kind::Attempts => "N",
            Kind::Whole(..) => "N",
            Kind::Protocol => "NAME",
            Kind::Json => "JSON",
            _ => "VALUE",
        }
    }
}

/// Which commands have a key's flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Group {
    /// Every client command.
    Connect,
    /// The commands that stay connected (session, run, test, listen, pipe).
    Stay,
    /// `ws pipe` alone.
    Pipe,
}

/// How a key is given on the command line.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Flag {
    /// The long flag, without its dashes.
    pub long: &'static str,
    pub group: Group,
    pub style: Style,
}

/// The shape of a flag.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Style {
    /// `--flag VALUE`.
    Value,
    /// `--flag` alone, meaning this value (`--no-compression` is `false`);
    /// its own help line.
    Switch(&'static str, &'static str),
    /// `--flag` or `--flag=VALUE`; alone it means this value.
    OptionalValue(&'static str),
}

/// Where a value came from, to resolve a relative path against.
pub(crate) struct Origin<'a> {
    pub source: &'a Source,
    pub env: &'a std::collections::HashMap<String, String>,
}

/// One settings key.
pub(crate) struct Key {
    pub name: &'static str,
    pub kind: Kind,
    /// One line for `--help` and the manual.
    pub help: &'static str,
    pub flag: Option<Flag>,
    /// Taken by `connect(url, options)` as well (it concerns one connection).
    pub per_connection: bool,
    /// Sets the field from a value; `None` when the value is not allowed.
    pub set: fn(&mut Settings, Kind, Raw<'_>, &Origin<'_>) -> Option<()>,
    /// The field as TOML; `None` when it is not set.
    pub get: fn(&Settings, Kind) -> Option<String>,
}

/// A field of [`Settings`] that a key sets.
trait Field: Sized {
    fn parse(kind: Kind, raw: Raw<'_>, origin: &Origin<'_>) -> Option<Self>;
    fn show(&self, kind: Kind) -> Option<String>;
}

impl Field for Duration {
    fn parse(kind: Kind, raw: Raw<'_>, _: &Origin<'_>) -> Option<Self> {
        match kind {
            Kind::Wait => value::wait(raw),
            _ => value::seconds(raw),
        }
    }
    fn show(&self, _: Kind) -> Option<String> {
        Some(value::show_seconds(*self))
    }
}

/// A timeout (`inf` is `None`), or a duration that may be unset.
impl Field for Option<Duration> {
    fn parse(kind: Kind, raw: Raw<'_>, _: &Origin<'_>) -> Option<Self> {
        match kind {
            Kind::Timeout => value::timeout(raw),
            _ => value::seconds(raw).map(Some),
        }
    }
    fn show(&self, kind: Kind) -> Option<String> {
        match (self, kind) {
            (None, Kind::Timeout) => Some(value::quoted("inf")),
            (None, _) => None,
            (Some(d), _) => Some(value::show_seconds(*d)),
        }
    }
}

impl Field for usize {
    fn parse(kind: Kind, raw: Raw<'_>, _: &Origin<'_>) -> Option<Self> {
        match kind {
            Kind::Whole(min, max) => value::whole(raw, min, max),
            Kind::Bytes => value::bytes(raw),
            _ => value::size(raw),
        }
    }
    fn show(&self, kind: Kind) -> Option<String> {
        Some(match kind {
            Kind::Size | Kind::Bytes => value::show_size(*self),
            _ => self.to_string(),
        })
    }
}

impl Field for Option<usize> {
    fn parse(kind: Kind, raw: Raw<'_>, origin: &Origin<'_>) -> Option<Self> {
        usize::parse(kind, raw, origin).map(Some)
    }
    fn show(&self, kind: Kind) -> Option<String> {
        self.as_ref()?.show(kind)
    }
}

impl Field for bool {
    fn parse(_: Kind, raw: Raw<'_>, _: &Origin<'_>) -> Option<Self> {
        value::boolean(raw)
    }
    fn show(&self, _: Kind) -> Option<String> {
        Some(self.to_string())
    }
}

impl Field for Option<ReconnectSettings> {
    fn parse(_: Kind, raw: Raw<'_>, _: &Origin<'_>) -> Option<Self> {
        value::reconnect(raw)
    }
    fn show(&self, _: Kind) -> Option<String> {
        self.map(|r| match r.attempts {
            Some(n) => n.to_string(),
            None => value::quoted("inf"),
        })
    }
}

impl Field for Vec<(String, String)> {
    fn parse(_: Kind, raw: Raw<'_>, _: &Origin<'_>) -> Option<Self> {
        value::headers(raw)
    }
    fn show(&self, _: Kind) -> Option<String> {
        Some(value::show_headers(self))
    }
}

impl Field for Option<PathBuf> {
    fn parse(_: Kind, raw: Raw<'_>, origin: &Origin<'_>) -> Option<Self> {
        let path = value::text(raw).filter(|t| !t.is_empty())?;
        Some(Some(super::resolve_path(path, origin.source, origin.env)))
    }
    fn show(&self, _: Kind) -> Option<String> {
        Some(value::quoted(&self.as_ref()?.display().to_string()))
    }
}

/// A secret: its value is never shown.
impl Field for Option<String> {
    fn parse(_: Kind, raw: Raw<'_>, _: &Origin<'_>) -> Option<Self> {
        Some(Some(value::text(raw)?.to_string()))
    }
    fn show(&self, _: Kind) -> Option<String> {
        self.as_ref()
            .map(|_| value::quoted(crate::connection::redact::MASK))
    }
}

/// A [`Key`] for the field at `$($field).+` of [`Settings`].
macro_rules! key {
    ($name:literal, $kind:expr, $($field:ident).+, $help:literal $(, $option:ident: $value:expr)* $(,)?) => {
        Key {
            name: $name,
            kind: $kind,
            help: $help,
            set: |settings, kind, raw, origin| {
                settings.$($field).+ = Field::parse(kind, raw, origin)?;
                Some(())
            },
            get: |settings, kind| Field::show(&settings.$($field).+, kind),
            ..Key { $($option: $value,)* ..DEFAULTS }
        }
    };
}

/// What a key has unless its entry says otherwise.
const DEFAULTS: Key = Key {
    name: "",
    kind: Kind::Bool,
    help: "",
    flag: None,
    per_connection: false,
    set: |_, _, _, _| None,
    get: |_, _| None,
};

const fn flag(long: &'static str) -> Option<Flag> {
    Some(Flag {
        long,
        group: Group::Connect,
        style: Style::Value,
    })
}

/// Every key, in the order `ws config` prints them.
pub(crate) const KEYS: &[Key] = &[
    key!("connect_timeout", Kind::Seconds, connect_timeout,
        "Seconds to wait for the connection and handshake",
        flag: flag("connect-timeout"), per_connection: true),
    key!(
        "disconnect_timeout",
        Kind::Seconds,
        disconnect_timeout,
        "Seconds to wait for the peer's close frame after ours"
    ),
    key!(
        "response_timeout",
        Kind::Timeout,
        response_timeout,
        "Seconds recv, expect and ping wait (inf: forever)"
    ),
    key!(
        "message_queue_size",
        Kind::Whole(1, 100_000_000),
        message_queue_size,
        "Messages kept for recv; past it (or message_queue_bytes) reading pauses"
    ),
    key!(
        "message_queue_bytes",
        Kind::Size,
        message_queue_bytes,
        "Bytes of messages kept for recv, each counted as its payload and 64 more"
    ),
    key!("max_message_size", Kind::Size, max_message_size,
        "Largest message accepted or sent, in bytes (suffixes K, M, G)",
        flag: flag("max-message-size"), per_connection: true),
    key!(
        "extra_headers",
        Kind::Headers,
        extra_headers,
        "Headers added to every handshake"
    ),
    key!(
        "terminal_width",
        Kind::Whole(20, 1000),
        terminal_width,
        "Width of the transcripts, in columns"
    ),
    key!(
        "tls_ca_file",
        Kind::Path,
        tls_ca_file,
        "PEM file of extra trusted certificate authorities; a server certificate in it is pinned (trusted even self-signed)"
    ),
    key!(
        "tls_certificate_file",
        Kind::Path,
        tls_certificate_file,
        "PEM client certificate (chain)"
    ),
    key!(
        "tls_key_file",
        Kind::Path,
        tls_key_file,
        "PEM private key of the client certificate"
    ),
    key!(
        "tls_password",
        Kind::Secret,
        tls_password,
        "Password of an encrypted PKCS#8 key"
    ),
    key!(
        "send_buffer_size",
        Kind::Size,
        send_buffer_size,
        "Bytes waiting to be written before a send waits"
    ),
    key!(
        "send_timeout",
        Kind::Seconds,
        send_timeout,
        "Seconds the peer may take none of our data before the connection ends"
    ),
    key!(
        "max_string_size",
        Kind::Size,
        limits.max_string_size,
        "Longest Rhai string, in bytes"
    ),
    key!(
        "max_array_size",
        Kind::Size,
        limits.max_array_size,
        "Most elements of a Rhai array, or bytes of a blob"
    ),
    key!(
        "max_map_size",
        Kind::Size,
        limits.max_map_size,
        "Most properties of a Rhai object map"
    ),
    key!(
        "max_call_levels",
        Kind::Whole(1, 10_000),
        limits.max_call_levels,
        "Deepest nesting of Rhai function calls"
    ),
    key!(
        "max_expr_depth",
        Kind::Whole(1, 10_000),
        limits.max_expr_depth,
        "Deepest nesting of Rhai expressions"
    ),
    key!("compression", Kind::Bool, compression,
        "Offer permessage-deflate compression",
        flag: Some(Flag { long: "no-compression", group: Group::Connect,
            style: Style::Switch("false", "Do not offer permessage-deflate compression") }),
        per_connection: true),
    key!("compression_threshold", Kind::Bytes, compression_threshold,
        "Messages smaller than this are sent uncompressed (0: compress every one)",
        per_connection: true),
    key!("compression_window_bits", Kind::Whole(9, 15), compression_window_bits,
        "The largest window ws compresses with, 2^N bytes (smaller: less memory, a little less compression, more time on large messages); as a server, also the largest it lets clients use (default: 15 as a client, 12 as a server)",
        per_connection: true),
    key!("compression_mem_level", Kind::Whole(1, 9), compression_mem_level,
        "zlib's memory level for compressing (1-9; each step doubles the compressor's buffer of pending output)",
        per_connection: true),
    key!("ping_interval", Kind::Seconds, ping_interval,
        "Send a keepalive ping every SECONDS",
        flag: flag("ping-interval")),
    key!("ping_timeout", Kind::Seconds, ping_timeout,
        "Close with 1011 when a keepalive ping has no pong within SECONDS (default: the interval)",
        flag: flag("ping-timeout")),
    key!("reconnect", Kind::Attempts, reconnect,
        "After an abnormal close or a dropped connection, connect again: at most N failed attempts in a row, no N for no limit; put it after the URL or write --reconnect=N",
        flag: Some(Flag { long: "reconnect", group: Group::Stay, style: Style::OptionalValue("inf") })),
    key!(
        "reconnect_stable",
        Kind::Seconds,
        reconnect_stable,
        "Seconds a new connection must stay up to count as a success; until then it is one more failed attempt"
    ),
    key!("linger", Kind::Wait, linger,
        "ws pipe: after the input ends, close once the server has been quiet this long (0: close at once)",
        flag: Some(Flag { long: "linger", group: Group::Pipe, style: Style::Value })),
    Key {
        name: "protocol",
        kind: Kind::Protocol,
        help: "Speak an application protocol over the websocket: socketio, graphql, stomp or jsonrpc",
        flag: flag("protocol"),
        per_connection: true,
        set: |settings, _, raw, _| {
            let name = value::text(raw)?;
            settings.protocol = match name {
                "none" | "" => None,
                name => Some(
                    crate::protocol::NAMES
                        .into_iter()
                        .find(|n| *n == name)?
                        .into(),
                ),
            };
            Some(())
        },
        get: |settings, _| settings.protocol.as_deref().map(value::quoted),
    },
    Key {
        name: "protocol_init",
        kind: Kind::Json,
        help: "JSON for the protocol's opening exchange: Socket.IO's auth, GraphQL's connection_init payload, STOMP's CONNECT headers",
        flag: flag("protocol-init"),
        per_connection: true,
        set: |settings, _, raw, _| {
            settings.protocol_init = Some(match raw {
                Raw::Text(text) => serde_json::from_str(text).ok()?,
                Raw::Toml(value) => serde_json::to_value(value).ok()?,
            });
            Some(())
        },
        get: |settings, _| {
            settings
                .protocol_init
                .as_ref()
                .map(|_| value::quoted(crate::connection::redact::MASK))
        },
    },
];

/// The key named `name`.
pub(crate) fn find(name: &str) -> Option<&'static Key> {
    KEYS.iter().find(|key| key.name == name)
}

/// Every key's name, in order.
pub(crate) fn names() -> impl Iterator<Item = &'static str> {
    KEYS.iter().map(|key| key.name)
}

impl Key {
    /// The help of its flag: the line, the setting it sets, its default.
    pub(crate) fn flag_help(&self) -> String {
        let default = (self.get)(&Settings::default(), self.kind)
            .map(|value| {
                let value = value.trim_matches('"');
                let whole = value
                    .strip_suffix(".0")
                    .filter(|_| self.kind == Kind::Seconds);
                format!(" [default: {}]", whole.unwrap_or(value))
            })
            .unwrap_or_default();
        format!("{} (setting: {}){default}", self.help, self.name)
    }

    /// The placeholder of its flag's value.
    pub(crate) fn value_name(&self) -> &'static str {
        self.kind.value_name()
    }
}
