//! The table of session commands: name, parameters, one-line summary and
//! full help with examples. Registration of plain commands, `help`, Tab
//! completion and highlighting all read this one table.

/// How a plain command takes the rest of its line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Args {
    /// The rest verbatim as one message, less one pair of quotes around all of it.
    Verbatim,
    /// Split like a shell does, at most this many arguments.
    Split(usize),
}

/// One session command.
#[derive(Debug)]
pub(crate) struct CommandSpec {
    pub name: &'static str,
    pub params: &'static str,
    pub summary: &'static str,
    pub help: &'static str,
    pub args: Args,
}

/// Every session command, in the order `help` lists them.
pub(crate) const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "help",
        params: "<command>",
        summary: "list the commands, or show one command's help",
        help: "help            list the commands\nhelp close      show how to use close\nhelp(\"recv\")    the same from Rhai code",
        args: Args::Split(1),
    },
    CommandSpec {
        name: "text",
        params: "message",
        summary: "send a text message (file@PATH sends a file)",
        help: "text hello world          sends the 11 bytes `hello world`\ntext 'hello world'        the same: one pair of quotes around it all is dropped\ntext {\"id\": 1}            sends the JSON as typed\ntext file@request.json    sends the file's content\ntext(\"n\" + 1)             from Rhai code",
        args: Args::Verbatim,
    },
    CommandSpec {
        name: "byte",
        params: "message",
        summary: "send a binary message (hex:…, base64:…, file@PATH)",
        help: "byte hello                sends the bytes of `hello` in a binary frame\nbyte hex:de ad be ef      sends the four bytes de ad be ef\nbyte base64:3q2+7w==      sends the bytes the base64 stands for\nbyte file@image.png       sends the file's bytes\nbyte(from_hex(\"00ff\"))    from Rhai code, a blob",
        args: Args::Verbatim,
    },
    CommandSpec {
        name: "ping",
        params: "<message>",
        summary: "send a ping (at most 125 bytes) and wait for its pong",
        help: "ping                      an empty ping; prints the round trip\nping hello                a ping carrying `hello`\nlet rtt = ping();         from Rhai code: the round trip in seconds, () without a pong",
        args: Args::Split(1),
    },
    CommandSpec {
        name: "pong",
        params: "<message>",
        summary: "send an unsolicited pong (at most 125 bytes)",
        help: "pong                      an empty pong\npong alive                a pong carrying `alive`",
        args: Args::Split(1),
    },
    CommandSpec {
        name: "close",
        params: "<code> <reason>",
        summary: "close the connection (default code 1000) and end the session",
        help: "close                             closes with 1000\nclose 1001                        closes with 1001 (going away)\nclose 1003 'received unknown data'  a code and a reason (at most 123 bytes)\nCodes that may be sent: 1000-1003, 1007-1014 and 3000-4999.",
        args: Args::Split(2),
    },
    CommandSpec {
        name: "quit",
        params: "",
        summary: "close with 1000 and end the session (also Ctrl+D)",
        help: "quit",
        args: Args::Split(0),
    },
    CommandSpec {
        name: "save",
        params: "file",
        summary: "write the session so far as a script for ws run",
        help: "save probe.rhai           writes the lines that sent, received or defined something,\n                          plain commands as Rhai calls, and an expect for each message\n                          received; ws run probe.rhai URL replays the exchange\nsave(\"probe.rhai\")        the same from Rhai code",
        args: Args::Split(1),
    },
];

/// The command of this name.
pub(crate) fn find(name: &str) -> Option<&'static CommandSpec> {
    COMMANDS.iter().find(|c| c.name == name)
}

/// The closest command name to a mistyped word, if one is close.
pub(crate) fn suggest(word: &str) -> Option<&'static str> {
    COMMANDS
        .iter()
        .map(|c| (strsim::damerau_levenshtein(word, c.name), c.name))
        .filter(|(distance, name)| *distance <= 2 && *distance < name.len())
        .min()
        .map(|(_, name)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_are_close_only() {
        assert_eq!(suggest("txt"), Some("text"));
        assert_eq!(suggest("clsoe"), Some("close"));
        assert_eq!(suggest("pnig"), Some("ping"));
        assert_eq!(suggest("zebra"), None);
    }
}

/// A Rhai function that is not a plain command, for `help`.
#[derive(Debug)]
pub(crate) struct FunctionDoc {
    pub name: &'static str,
    pub params: &'static str,
    pub summary: &'static str,
    pub example: &'static str,
}

/// The Rhai functions besides the commands, in the order `help` lists them.
pub(crate) const FUNCTIONS: &[FunctionDoc] = &[
    FunctionDoc {
        name: "recv",
        params: "<seconds>",
        summary: "the next message not yet taken: a string, a blob, or () after a close",
        example: "text(\"hi\"); let reply = recv(); print(reply)",
    },
    FunctionDoc {
        name: "expect",
        params: "pattern <seconds>",
        summary: "recv, and throw unless the message contains pattern",
        example: "text(\"subscribe\"); expect(\"ok\", 2)",
    },
    FunctionDoc {
        name: "send",
        params: "x",
        summary: "send a string as text, a blob as binary, a map or an array as JSON text",
        example: "send(#{op: \"subscribe\", id: 1}); send(recv())",
    },
    FunctionDoc {
        name: "sleep",
        params: "seconds",
        summary: "pause (Ctrl+C interrupts it)",
        example: "for i in 0..3 { text(\"tick\"); sleep(0.5) }",
    },
    FunctionDoc {
        name: "url",
        params: "",
        summary: "the connected URL",
        example: "print(url())",
    },
    FunctionDoc {
        name: "connect",
        params: "url <options>",
        summary: "open another connection; options: headers, subprotocols, max_message_size, connect_timeout, compression",
        example: "let c = connect(\"ws://localhost:8000\", #{headers: #{\"X-Token\": \"t\"}}); c.text(\"hi\"); print(c.recv()); c.close()",
    },
    FunctionDoc {
        name: "closed",
        params: "",
        summary: "whether the connection has ended",
        example: "while !closed() { print(recv()) }",
    },
    FunctionDoc {
        name: "close_code",
        params: "",
        summary: "the close code once the connection has ended, else ()",
        example: "if closed() { print(close_code()) }",
    },
    FunctionDoc {
        name: "close_reason",
        params: "",
        summary: "the close reason once the connection has ended, else ()",
        example: "print(close_reason())",
    },
    FunctionDoc {
        name: "read_file",
        params: "path",
        summary: "a file's text (UTF-8); text(s) never reads files by itself",
        example: "text(read_file(\"request.json\"))",
    },
    FunctionDoc {
        name: "read_blob",
        params: "path",
        summary: "a file's bytes as a blob",
        example: "byte(read_blob(\"frame.bin\"))",
    },
    FunctionDoc {
        name: "parse_json",
        params: "text",
        summary: "JSON text to a Rhai value (maps, arrays, numbers, strings)",
        example: "let m = parse_json(recv()); print(m.id)",
    },
    FunctionDoc {
        name: "to_json",
        params: "value",
        summary: "a Rhai value to JSON text",
        example: "text(to_json(#{op: \"sub\", id: 1}))",
    },
    FunctionDoc {
        name: "from_hex",
        params: "text",
        summary: "hex digits to a blob (spaces, : and a leading 0x allowed)",
        example: "byte(from_hex(\"de ad be ef\"))",
    },
    FunctionDoc {
        name: "to_hex",
        params: "blob",
        summary: "a blob as hex digits",
        example: "print(to_hex(recv()))",
    },
    FunctionDoc {
        name: "from_base64",
        params: "text",
        summary: "base64 (padding optional, URL-safe too) to a blob",
        example: "byte(from_base64(\"3q2+7w==\"))",
    },
    FunctionDoc {
        name: "to_base64",
        params: "blob",
        summary: "a blob as base64",
        example: "print(to_base64(recv()))",
    },
    FunctionDoc {
        name: "print",
        params: "x",
        summary: "print into the console and its transcript",
        example: "print(`got ${recv()}`)",
    },
    FunctionDoc {
        name: "exit",
        params: "n",
        summary: "end a script with exit status n",
        example: "if recv() != \"ok\" { exit(3) }",
    },
    FunctionDoc {
        name: "assert",
        params: "condition <message>",
        summary: "fail unless the condition is true",
        example: "assert(closed(), \"the server should have closed\")",
    },
    FunctionDoc {
        name: "assert_eq",
        params: "left right",
        summary: "fail unless equal: maps and arrays structurally, a JSON text against a map",
        example: "text(`{\"id\":7}`); assert_eq(recv(), #{id: 7})",
    },
    FunctionDoc {
        name: "assert_ne",
        params: "left right",
        summary: "fail if the two values are equal",
        example: "assert_ne(recv(), \"error\")",
    },
    FunctionDoc {
        name: "assert_match",
        params: "text pattern",
        summary: "fail unless the text matches the regular expression",
        example: "assert_match(recv(), \"^welcome \\\\w+$\")",
    },
];

/// Whether `help name` has something to say about `name`.
pub(crate) fn has_help(name: &str) -> bool {
    find(name).is_some() || find_function(name).is_some()
}

/// The function of this name.
pub(crate) fn find_function(name: &str) -> Option<&'static FunctionDoc> {
    FUNCTIONS.iter().find(|f| f.name == name)
}
