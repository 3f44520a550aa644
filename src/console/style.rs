//! The output model: a console line is a list of styled segments, each with a
//! semantic role. The terminal and every transcript writer render the same
//! lines; this file owns the one palette they share.

use owo_colors::AnsiColors;

/// What a piece of console text means; sinks choose how to show it.
///
/// ```
/// use ws::{Line, Role};
///
/// let line = Line::of(Role::Error, "failed: ").push(Role::Url, "ws://example.com/");
/// let roles: Vec<Role> = line.segments.iter().map(|s| s.role).collect();
/// assert_eq!(roles, [Role::Error, Role::Url]);
/// ```
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// Ordinary text.
    Plain,
    /// Neutral information from the console itself.
    Info,
    /// Something that went well.
    Success,
    /// Something the user should look at.
    Warning,
    /// A failure.
    Error,
    /// A number or size inside a message.
    Number,
    /// A URL or a file name.
    Url,
    /// The marker and kind of a message from the peer.
    Incoming,
    /// The marker and kind of a message sent to the peer.
    Outgoing,
    /// A timestamp or other secondary detail.
    Muted,
    /// The prompt.
    Prompt,
    /// A line the user typed.
    Input,
    /// A command name (in help, completion and highlighting).
    Command,
    /// A string literal or quoted text.
    Literal,
}

impl Role {
    /// The terminal colour of this role and whether it is bold; `None` is the
    /// terminal's default colour.
    pub(crate) fn ansi(self) -> (Option<AnsiColors>, bool) {
        use AnsiColors::*;
        match self {
            Role::Plain | Role::Input => (None, false),
            Role::Info => (Some(Cyan), false),
            Role::Success => (Some(Green), false),
            Role::Warning => (Some(Yellow), true),
            Role::Error => (Some(Red), true),
            Role::Number => (Some(Magenta), false),
            Role::Url => (Some(Blue), false),
            Role::Incoming => (Some(Green), true),
            Role::Outgoing => (Some(Blue), true),
            Role::Muted => (Some(BrightBlack), false),
            Role::Prompt => (Some(Cyan), true),
            Role::Command => (Some(Yellow), false),
            Role::Literal => (Some(Green), false),
        }
    }

    /// The colour of this role as `#rrggbb` on the dark background of the
    /// HTML and SVG transcripts.
    ///
    /// ```
    /// use ws::Role;
    ///
    /// assert_eq!(Role::Error.rgb(), "#f38ba8");
    /// assert_ne!(Role::Success.rgb(), Role::Error.rgb());
    /// assert_eq!(Role::Plain.rgb(), "#d9e0ee"); // the default text colour
    /// ```
    pub fn rgb(self) -> &'static str {
        match self.ansi().0 {
            None => FOREGROUND,
            Some(colour) => ansi_rgb(colour),
        }
    }

    /// Whether text of this role is drawn bold.
    ///
    /// ```
    /// assert!(ws::Role::Error.bold());
    /// assert!(!ws::Role::Plain.bold());
    /// ```
    pub fn bold(self) -> bool {
        self.ansi().1
    }
}

/// Background colour of transcript pictures and pages.
pub const BACKGROUND: &str = "#1e1e2e";
/// Default text colour of transcript pictures and pages.
pub const FOREGROUND: &str = "#d9e0ee";

/// The palette used to draw ANSI colours in transcripts (a dark theme).
fn ansi_rgb(colour: AnsiColors) -> &'static str {
    use AnsiColors::*;
    match colour {
        Black => "#45475a",
        Red | BrightRed => "#f38ba8",
        Green | BrightGreen => "#a6e3a1",
        Yellow | BrightYellow => "#f9e2af",
        Blue | BrightBlue => "#89b4fa",
        Magenta | BrightMagenta => "#f5c2e7",
        Cyan | BrightCyan => "#94e2d5",
        White | BrightWhite => "#bac2de",
        BrightBlack => "#7f849c",
        Default => FOREGROUND,
    }
}

/// A run of text with one role. It never holds a newline.
///
/// ```
/// use ws::{Line, Role, Segment};
///
/// let line = Line::of(Role::Number, "42");
/// assert_eq!(line.segments, [Segment { role: Role::Number, text: "42".into() }]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    /// What the text means.
    pub role: Role,
    /// The text itself.
    pub text: String,
}

/// Where a line stands in the exchange. Transcripts that group and filter
/// messages (the HTML page) read it; the terminal ignores it.
///
/// ```
/// use ws::{Line, Mark, Role};
///
/// assert_eq!(Line::of(Role::Info, "a notice").mark, Mark::Note);
/// let typed = Line::of(Role::Input, "text hi").marked(Mark::Typed);
/// assert_eq!(typed.mark, Mark::Typed);
/// ```
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mark {
    /// A line of the console's own (a notice, a result, help).
    #[default]
    Note,
    /// A line the user typed at the prompt.
    Typed,
    /// The first line of a message or control frame from the peer, with its
    /// kind (`text`, `binary`, `ping`, `pong`).
    Received(&'static str),
    /// The confirmation of a message sent to the peer.
    Sent,
    /// A further line of the message above (a text's next line, a hex row).
    More,
}

/// One console line: the segments in order. It never holds a newline.
///
/// ```
/// use ws::{Line, Role};
///
/// let line = Line::of(Role::Info, "sent ").push(Role::Number, "5").push(Role::Info, " bytes");
/// assert_eq!(line.plain(), "sent 5 bytes");
/// assert_eq!(line.segments.len(), 3);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Line {
    /// The segments, left to right.
    pub segments: Vec<Segment>,
    /// Where the line stands in the exchange.
    pub mark: Mark,
}

impl Line {
    /// An empty line.
    ///
    /// ```
    /// let line = ws::Line::new();
    /// assert!(line.segments.is_empty());
    /// assert_eq!(line.plain(), "");
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// A line of one segment.
    ///
    /// ```
    /// use ws::{Line, Role};
    ///
    /// let line = Line::of(Role::Success, "connected");
    /// assert_eq!((line.segments[0].role, line.plain()), (Role::Success, "connected".to_string()));
    /// ```
    pub fn of(role: Role, text: impl Into<String>) -> Self {
        Self::new().push(role, text)
    }

    /// Appends a segment (builder style). Newlines in `text` become spaces
    /// (split multi-line text into several lines first, see
    /// [`split`](Self::split)); an empty `text` adds nothing.
    ///
    /// ```
    /// use ws::{Line, Role};
    ///
    /// let line = Line::of(Role::Info, "a").push(Role::Plain, "b\nc").push(Role::Plain, "");
    /// assert_eq!(line.plain(), "ab c");
    /// assert_eq!(line.segments.len(), 2); // empty text adds nothing
    /// ```
    pub fn push(mut self, role: Role, text: impl Into<String>) -> Self {
        self.add(role, text);
        self
    }

    /// The same line with `mark` (builder style).
    ///
    /// ```
    /// use ws::{Line, Mark, Role};
    ///
    /// let line = Line::of(Role::Outgoing, "> text").marked(Mark::Sent);
    /// assert_eq!(line.mark, Mark::Sent);
    /// ```
    pub fn marked(mut self, mark: Mark) -> Self {
        self.mark = mark;
        self
    }

    /// Appends a segment in place, as [`push`](Self::push) does.
    ///
    /// ```
    /// use ws::{Line, Role};
    ///
    /// let mut line = Line::of(Role::Info, "size:");
    /// for part in [" 12", " KiB"] {
    ///     line.add(Role::Number, part);
    /// }
    /// assert_eq!(line.plain(), "size: 12 KiB");
    /// ```
    pub fn add(&mut self, role: Role, text: impl Into<String>) {
        let mut text = text.into();
        if text.contains(['\n', '\r']) {
            text = text.replace(['\n', '\r'], " ");
        }
        if !text.is_empty() {
            self.segments.push(Segment { role, text });
        }
    }

    /// The text without styling.
    ///
    /// ```
    /// use ws::{Line, Role};
    ///
    /// let line = Line::of(Role::Warning, "careful: ").push(Role::Literal, "'quoted'");
    /// assert_eq!(line.plain(), "careful: 'quoted'");
    /// ```
    pub fn plain(&self) -> String {
        self.segments.iter().map(|s| s.text.as_str()).collect()
    }

    /// Splits `text` at newlines into lines of one role each.
    ///
    /// ```
    /// use ws::{Line, Role};
    ///
    /// let lines = Line::split(Role::Error, "first\r\nsecond");
    /// let texts: Vec<String> = lines.iter().map(Line::plain).collect();
    /// assert_eq!(texts, ["first", "second"]);
    /// ```
    pub fn split(role: Role, text: &str) -> Vec<Line> {
        text.split('\n')
            .map(|part| Line::of(role, part.strip_suffix('\r').unwrap_or(part)))
            .collect()
    }
}
