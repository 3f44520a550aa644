//! The command line of the `ws` binary (clap derive). Doc comments are the
//! help text; completions come from the same [`Cli`].

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

mod setting_flags;

pub use setting_flags::{Connect, Pipe, SettingFlags, Stay};

/// A WebSocket console: interactive sessions, Rhai scripts, one-shot commands
/// and transcripts (SVG, HTML or text).
#[derive(Debug, Parser)]
#[command(name = "ws", version, propagate_version = true, max_term_width = 100)]
#[command(
    after_help = "Examples:\n  ws session                      # a session on a built-in echo server\n  ws session wss://echo.example/  # a session on a server\n  ws run probe.rhai :8000 -- 10   # a script with arguments\n  ws text :8000 'hello'           # send one message\n  ws listen :8000 --json          # print what a server sends\n  ws :8000                        # a session on a terminal, else the pipe (like websocat)\n  seq 3 | ws pipe :8000           # each line a message, each reply a line"
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Interactive console on one connection: plain commands and Rhai code
    #[command(
        after_help = "With no URL, an echo server is started on 127.0.0.1 and the session connects to it.\n\nExamples:\n  ws session\n  ws session :8000 -f session.svg\n  ws session wss://example.com/feed --script login.rhai"
    )]
    Session(SessionArgs),
    /// Run a Rhai script
    #[command(
        after_help = "Examples:\n  ws run scripts/latency.rhai ws://localhost:8000 -- 100\n  ws run check.rhai :8000 -q -f run.html"
    )]
    Run(RunArgs),
    /// Send one text message and exit
    #[command(
        after_help = "Examples:\n  ws text :8000 'hello'\n  ws text :8000 file@request.json\n  echo hi | ws text :8000 -"
    )]
    Text(SendArgs),
    /// Send one binary message and exit
    #[command(after_help = "Examples:\n  ws byte :8000 'hello'\n  ws byte :8000 file@image.png")]
    Byte(SendArgs),
    /// Send pings and report the round trip of each pong
    #[command(
        after_help = "Examples:\n  ws ping :8000\n  ws ping :8000 -n 10 -i 0.5\n  ws ping :8000 -n -1 -d 60 -m probe"
    )]
    Ping(PingArgs),
    /// Send unsolicited pongs
    #[command(after_help = "Examples:\n  ws pong :8000\n  ws pong :8000 -n 5 -m keepalive")]
    Pong(PingArgs),
    /// Print every message a server sends
    #[command(
        after_help = "Examples:\n  ws listen :8000\n  ws listen wss://example.com/feed --json -d 30 -f feed.html"
    )]
    Listen(ListenArgs),
    /// Send each line of standard input, print each message received
    #[command(
        after_help = "Each line (without its newline) is one message; each message received is written as it is, followed by a newline. When standard input ends, the close handshake runs and the pipe exits 0; a server close with a code other than 1000/1001 exits 1.\n\n`ws URL` is the same as `ws pipe URL` when standard input is not a terminal.\n\nExamples:\n  seq 10 | ws pipe :8000\n  ws pipe :8000 --binary < frames.bin\n  echo '{\"kind\": \"text\", \"data\": \"hi\"}' | ws pipe :8000 --jsonl | jq .data"
    )]
    Pipe(PipeArgs),
    /// `ws URL`: a session when standard input is a terminal, the pipe otherwise
    #[command(external_subcommand)]
    Url(Vec<String>),
    /// Print the last lines of a file, and follow it
    #[command(after_help = "Examples:\n  ws tail server.log -n 20\n  ws tail server.log -f")]
    Tail(TailArgs),
    /// Play a .cast (or timed .txt) transcript back at its recorded pace
    #[command(
        after_help = "A .cast file (ws ... -f FILE.cast) plays with its recorded times; any other file is read as a text\ntranscript whose message lines (< text HH:MM:SS.mmm ...) set the pace. Only colour codes reach the\nterminal: other control characters in the file are shown as visible symbols.\n\nExamples:\n  ws replay session.cast\n  ws replay session.cast --speed 2 --idle-limit 1\n  ws replay feed.txt --no-wait"
    )]
    Replay(ReplayArgs),
    /// Run an echo server
    #[command(
        after_help = "Examples:\n  ws echo-server\n  ws echo-server -p 0\n  ws echo-server --host 0.0.0.0 -p 8443 --cert-file cert.pem --key-file key.pem"
    )]
    EchoServer(EchoServerArgs),
    /// Print a shell completion script
    #[command(
        after_help = "Examples:\n  ws completion bash > ~/.local/share/bash-completion/completions/ws\n  ws completion fish > ~/.config/fish/completions/ws.fish"
    )]
    Completion(CompletionArgs),
    /// Install shell completion for the current shell ($SHELL)
    InstallCompletion,
    /// Print the manual page (roff), of ws or of one subcommand
    #[command(
        after_help = "The page is generated from the same definitions as --help. The page of ws lists the subcommands as ws-NAME(1); `ws man NAME` prints that page.\n\nExamples:\n  ws man | man -l -\n  ws man run | man -l -\n  ws man > ~/.local/share/man/man1/ws.1"
    )]
    Man(ManArgs),
    /// Print the effective settings and where each comes from
    Config(ConfigArgs),
    /// Run Rhai test suites against a server
    #[command(
        after_help = "In a file, every function test_* is a test (setup() and teardown() run around each); a file without one is a single test. Each test has a fresh engine and its own connection to --url, else $WS_URL, else the file's `// url: …` first line, else a built-in echo server.\n\nExit status: 0 when every test passed (flaky ones included), 1 when any failed, 2 for bad usage.\n\nExamples:\n  ws test                                  # tests/ws/, else scripts/tests/\n  ws test tests/ws/chat.rhai --url :8000\n  ws test -j 1 --filter login --retries 2\n  ws test --junit report.xml --transcripts failed/\n  ws test --shard 2/4 --junit part-2.xml     # the second of four CI machines"
    )]
    Test(TestArgs),
}

/// `ws test`.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// Test files (.rhai) or folders searched for them [default: tests/ws/, else scripts/tests/]
    pub paths: Vec<PathBuf>,
    /// Server of every test
    #[arg(long, env = "WS_URL", value_name = "URL")]
    pub url: Option<String>,
    /// Tests run at once [default: the number of cores]
    #[arg(short = 'j', long = "jobs", value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// Run only the tests whose name (file.rhai::test_name) contains PATTERN
    #[arg(long, value_name = "PATTERN")]
    pub filter: Option<String>,
    /// Seconds a test may run before it is stopped and fails
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    pub timeout: f64,
    /// Start no more tests after the first failure (the rest are skipped)
    #[arg(long)]
    pub fail_fast: bool,
    /// Run a failing test up to N more times; one that passes then is reported as flaky
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub retries: u32,
    /// Run only part K of N (1 ≤ K ≤ N): each test lands in one part by a fixed hash of its name, the same on every machine (for CI matrices)
    #[arg(long, value_name = "K/N", value_parser = crate::testing::shard::Shard::parse)]
    pub shard: Option<crate::testing::shard::Shard>,
    /// Print the names of the tests and exit
    #[arg(long)]
    pub list: bool,
    /// Write a JUnit XML report
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Print TAP (version 13) instead of the usual lines
    #[arg(long)]
    pub tap: bool,
    /// Write an SVG and an HTML transcript of each failing test into DIR
    #[arg(long, value_name = "DIR")]
    pub transcripts: Option<PathBuf>,
    /// With --transcripts, write them for every test
    #[arg(long, requires = "transcripts")]
    pub transcripts_all: bool,
    /// Width of the transcripts in columns
    #[arg(long, value_name = "COLUMNS")]
    pub terminal_width: Option<String>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub connect: ConnectArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub stay: StayArgs,
}

/// Options of every client command.
#[derive(Debug, Clone, Default, Args)]
pub struct ConnectArgs {
    /// Extra handshake header 'Name: value' (repeatable)
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    pub headers: Vec<String>,
    /// Subprotocol to offer (repeatable)
    #[arg(long = "subprotocol", value_name = "NAME")]
    pub subprotocols: Vec<String>,
    /// Origin header
    #[arg(long)]
    pub origin: Option<String>,
    /// Basic authentication as user:password
    #[arg(long, value_name = "USER:PASSWORD")]
    pub auth: Option<String>,
    /// Do not verify the server's TLS certificate
    #[arg(short = 'k', long)]
    pub insecure: bool,
    /// HTTP proxy for CONNECT (default: $https_proxy / $http_proxy)
    #[arg(long, value_name = "URL")]
    pub proxy: Option<String>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub settings: SettingFlags<Connect>,
}

/// Options of the client commands that stay connected (session, run,
/// test, listen, pipe).
#[derive(Debug, Clone, Default, Args)]
pub struct StayArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub settings: SettingFlags<Stay>,
    /// Send FILE after every connection: each line a text message, or a .rhai file run as a script (session, run, test); then on_connect(), the preamble's own first, the script's next, when they define one
    #[arg(long, value_name = "FILE")]
    pub preamble: Option<PathBuf>,
}

impl ConnectArgs {
    /// The setting flags among these, as typed; the settings resolve them
    /// with the environment and the settings files.
    pub fn setting_flags(
        &self,
        stay: Option<&StayArgs>,
        more: &[(&'static str, String, String)],
        terminal_width: Option<&str>,
    ) -> crate::settings::Flags {
        let mut given = self.settings.given.clone();
        given.extend(
            stay.iter()
                .flat_map(|stay| stay.settings.given.iter().cloned()),
        );
        given.extend(more.iter().cloned());
        if let Some(width) = terminal_width {
            given.push(("terminal_width", "--terminal-width".into(), width.into()));
        }
        crate::settings::Flags {
            given,
            headers: self.headers.clone(),
        }
    }
}

/// `ws session`.
#[derive(Debug, Args)]
pub struct SessionArgs {
    /// Server URL (ws://, wss://, :PORT or host:port/path); none starts an echo server
    pub url: Option<String>,
    /// Write a transcript (.svg, .html, .cast, anything else is plain text); repeatable
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Vec<PathBuf>,
    /// Run this Rhai file first (- reads standard input), then stay interactive with its definitions
    #[arg(long, value_name = "FILE")]
    pub script: Option<PathBuf>,
    /// Show the keepalive pings sent (--ping-interval) and their pongs
    #[arg(short = 'v', long)]
    pub verbose: bool,
    /// Pretty-print JSON messages
    #[arg(short = 'j', long)]
    pub json: bool,
    /// Width of the transcript in columns
    #[arg(long, value_name = "COLUMNS")]
    pub terminal_width: Option<String>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub connect: ConnectArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub stay: StayArgs,
}

/// `ws run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The Rhai script (- reads it from standard input)
    pub script: PathBuf,
    /// Server URL the session functions are bound to
    pub url: Option<String>,
    /// Arguments for the script, visible as the array ARGS
    #[arg(last = true)]
    pub args: Vec<String>,
    /// Do not show received messages
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Show the keepalive pings sent (--ping-interval) and their pongs
    #[arg(short = 'v', long, conflicts_with = "quiet")]
    pub verbose: bool,
    /// Write a transcript (.svg, .html, .cast, anything else is plain text); repeatable
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Vec<PathBuf>,
    /// Pretty-print JSON messages
    #[arg(short = 'j', long)]
    pub json: bool,
    /// Stop the script after this many Rhai operations
    #[arg(long, value_name = "N")]
    pub max_operations: Option<u64>,
    /// Width of the transcript in columns
    #[arg(long, value_name = "COLUMNS")]
    pub terminal_width: Option<String>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub connect: ConnectArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub stay: StayArgs,
}

/// `-q` and `-v` of the one-shots, `listen` and `pipe`.
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct Verbosity {
    /// Show only the data: no lines on standard error about the connection (what was negotiated, how it ended)
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Show control frames too: pings, pongs and the close (with --jsonl, as lines of their own)
    #[arg(short = 'v', long, conflicts_with = "quiet")]
    pub verbose: bool,
}

/// `ws text` and `ws byte`.
#[derive(Debug, Args)]
pub struct SendArgs {
    /// Server URL
    pub url: String,
    /// The message; file@PATH sends a file, - reads standard input
    pub message: String,
    /// Print the first N messages received (as ws pipe prints them), waiting at most response_timeout in all
    #[arg(long, value_name = "N")]
    pub replies: Option<u64>,
    /// With --replies: one JSON object a line, as ws pipe --jsonl writes them
    #[arg(long, requires = "replies")]
    pub jsonl: bool,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub shown: Verbosity,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub connect: ConnectArgs,
}

/// `ws ping` and `ws pong`.
#[derive(Debug, Args)]
pub struct PingArgs {
    /// Server URL
    pub url: String,
    /// Payload (at most 125 bytes)
    #[arg(short = 'm', long)]
    pub message: Option<String>,
    /// How many to send; negative means until stopped
    #[arg(short = 'n', long, default_value_t = 1, allow_negative_numbers = true)]
    pub number: i64,
    /// Seconds between two
    #[arg(short = 'i', long, default_value_t = 1.0)]
    pub interval: f64,
    /// Stop after this many seconds
    #[arg(short = 'd', long)]
    pub duration: Option<f64>,
    /// Write a transcript (.svg, .html, .cast, anything else is plain text); repeatable
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Vec<PathBuf>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub shown: Verbosity,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub connect: ConnectArgs,
}

/// `ws listen`.
#[derive(Debug, Args)]
pub struct ListenArgs {
    /// Server URL
    pub url: String,
    /// Pretty-print JSON messages
    #[arg(short = 'j', long)]
    pub json: bool,
    /// Write each message's payload byte for byte, then a newline (no kind,
    /// time or escaping; for redirecting to a file)
    #[arg(long, conflicts_with_all = ["json", "file", "jsonl"])]
    pub raw: bool,
    /// One JSON object a line: {"kind", "time", "data"} (for jq; binary data in base64); messages only, control frames too with -v
    #[arg(long, conflicts_with_all = ["json", "file"])]
    pub jsonl: bool,
    /// Stop after this many seconds
    #[arg(short = 'd', long)]
    pub duration: Option<f64>,
    /// Stop after this many messages (the close handshake follows)
    #[arg(short = 'n', long, value_name = "N")]
    pub count: Option<u64>,
    /// Write a transcript (.svg, .html, .cast, anything else is plain text); repeatable
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Vec<PathBuf>,
    /// Width of the transcript in columns
    #[arg(long, value_name = "COLUMNS")]
    pub terminal_width: Option<String>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub shown: Verbosity,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub connect: ConnectArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub stay: StayArgs,
}

/// `ws pipe`.
#[derive(Debug, Args)]
pub struct PipeArgs {
    /// Server URL
    pub url: String,
    /// Send each line as a binary message
    #[arg(long, conflicts_with = "jsonl")]
    pub binary: bool,
    /// Read and write one JSON object a line: {"kind": "text"|"binary", "time": …, "data": …} (binary data in base64; any other JSON value as input data is sent as its text)
    #[arg(long)]
    pub jsonl: bool,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub shown: Verbosity,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub connect: ConnectArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub stay: StayArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub pipe: SettingFlags<Pipe>,
}

/// `ws tail`.
#[derive(Debug, Args)]
pub struct TailArgs {
    /// The file (- reads standard input to its end)
    pub file: PathBuf,
    /// How many lines
    #[arg(short = 'n', long, default_value_t = 10)]
    pub lines: usize,
    /// Keep printing lines as they are added (survives truncation and rotation; not for -)
    #[arg(short = 'f', long)]
    pub follow: bool,
}

/// `ws replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The transcript (.cast, or a text transcript); - reads standard input
    pub file: PathBuf,
    /// Play this many times faster (0.5 is half speed)
    #[arg(long, value_name = "FACTOR", default_value_t = 1.0)]
    pub speed: f64,
    /// Cap every pause at this many seconds
    #[arg(long, value_name = "SECONDS")]
    pub idle_limit: Option<f64>,
    /// Print everything at once
    #[arg(long)]
    pub no_wait: bool,
}

/// `ws echo-server`.
#[derive(Debug, Args)]
pub struct EchoServerArgs {
    /// Address to listen on (no short form: -H is --header on every client command)
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Port (0 picks a free one)
    #[arg(short = 'p', long, default_value_t = 8000)]
    pub port: u16,
    /// PEM certificate chain, for wss
    #[arg(long, value_name = "FILE", requires = "key_file")]
    pub cert_file: Option<PathBuf>,
    /// PEM private key, for wss
    #[arg(long, value_name = "FILE", requires = "cert_file")]
    pub key_file: Option<PathBuf>,
    /// Largest message accepted, in bytes (suffixes K, M, G); larger ones are closed with 1009
    #[arg(long, value_name = "BYTES")]
    pub max_message_size: Option<String>,
    /// Do not accept permessage-deflate compression
    #[arg(long)]
    pub no_compression: bool,
    /// Ping each client every SECONDS
    #[arg(long, value_name = "SECONDS")]
    pub ping_interval: Option<f64>,
    /// Close a client with 1011 when a ping has no pong within SECONDS [default: the interval]
    #[arg(long, value_name = "SECONDS", requires = "ping_interval")]
    pub ping_timeout: Option<f64>,
}

/// `ws completion`.
#[derive(Debug, Args)]
pub struct CompletionArgs {
    /// The shell
    pub shell: clap_complete::Shell,
}

/// `ws man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// The subcommand whose page to print [default: the page of ws]
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
}

/// `ws config`.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub connect: ConnectArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub stay: StayArgs,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn run_takes_script_arguments_after_dashes() {
        let cli = Cli::try_parse_from(["ws", "run", "a.rhai", ":80", "--", "x", "-y"]).unwrap();
        let Command::Run(args) = cli.command else {
            panic!("not run")
        };
        assert_eq!(args.args, ["x", "-y"]);
        assert_eq!(args.url.as_deref(), Some(":80"));
    }

    #[test]
    fn echo_server_has_no_short_host_flag() {
        assert!(Cli::try_parse_from(["ws", "echo-server", "-H", "0.0.0.0"]).is_err());
        let cli = Cli::try_parse_from(["ws", "echo-server", "--host", "0.0.0.0"]).unwrap();
        let Command::EchoServer(args) = cli.command else {
            panic!("not echo-server")
        };
        assert_eq!(args.host, "0.0.0.0");
    }

    #[test]
    fn a_bare_url_is_the_shortcut() {
        let cli = Cli::try_parse_from(["ws", ":8000", "--binary"]).unwrap();
        let Command::Url(words) = cli.command else {
            panic!("not the shortcut")
        };
        assert_eq!(words, [":8000", "--binary"]);
    }

    #[test]
    fn ping_accepts_a_negative_count() {
        let cli = Cli::try_parse_from(["ws", "ping", ":80", "-n", "-1"]).unwrap();
        let Command::Ping(args) = cli.command else {
            panic!("not ping")
        };
        assert_eq!(args.number, -1);
    }
}
