//! The command table: every session command and Rhai function, once. An
//! entry holds the name, parameters, a one-line summary, examples, how the
//! name is registered with Rhai and, for a plain command, how the rest of
//! its line is split and run. Registration, the plain-command dispatch,
//! `help`, Tab completion and highlighting all read [`TABLE`], so adding a
//! function is adding one entry.

use std::rc::Rc;

use rhai::Engine;

use super::context::{Context, Fallible};
use super::{api, plain};

/// How a plain command takes the rest of its line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Args {
    /// The rest verbatim as one message, less one pair of quotes around all of it.
    Verbatim,
    /// Split like a shell does, at most this many arguments.
    Split(usize),
}

/// Registers a name (every overload, and the method on a connection) with Rhai.
pub(crate) type Register = fn(&mut Engine, &Rc<Context>);

/// How a plain command runs: its argument style and its runner.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Plain {
    pub args: Args,
    pub run: fn(&Context, &[String]) -> Fallible<()>,
}

/// One session command or Rhai function.
#[derive(Debug)]
pub(crate) struct Entry {
    pub name: &'static str,
    pub params: &'static str,
    pub summary: &'static str,
    /// One example a line (plain commands first, then Rhai).
    pub examples: &'static str,
    /// Set for the names that are also plain commands (`text hello`).
    pub plain: Option<Plain>,
    pub register: Register,
}

impl Entry {
    /// How a plain command splits its arguments.
    pub(crate) fn args(&self) -> Args {
        self.plain.map_or(Args::Split(0), |p| p.args)
    }
}

/// Every command, then every function, in the order `help` lists them.
pub(crate) const TABLE: &[Entry] = &[
    Entry {
        name: "help",
        params: "<command>",
        summary: "list the commands, or show one command's help",
        examples: "help            list the commands\nhelp close      show how to use close\nhelp(\"recv\")    the same from Rhai code",
        plain: Some(Plain {
            args: Args::Split(1),
            run: plain::help,
        }),
        register: api::help,
    },
    Entry {
        name: "text",
        params: "message",
        summary: "send a text message (file@PATH sends a file)",
        examples: "text hello world          sends the 11 bytes `hello world`\ntext 'hello world'        the same: one pair of quotes around it all is dropped\ntext {\"id\": 1}            sends the JSON as typed\ntext file@request.json    sends the file's content\ntext(\"n\" + 1)             from Rhai code",
        plain: Some(Plain {
            args: Args::Verbatim,
            run: plain::text,
        }),
        register: api::text,
    },
    Entry {
        name: "byte",
        params: "message",
        summary: "send a binary message (hex:…, base64:…, file@PATH)",
        examples: "byte hello                sends the bytes of `hello` in a binary frame\nbyte hex:de ad be ef      sends the four bytes de ad be ef\nbyte base64:3q2+7w==      sends the bytes the base64 stands for\nbyte file@image.png       sends the file's bytes\nbyte(from_hex(\"00ff\"))    from Rhai code, a blob",
        plain: Some(Plain {
            args: Args::Verbatim,
            run: plain::byte,
        }),
        register: api::byte,
    },
    Entry {
        name: "ping",
        params: "<message>",
        summary: "send a ping (at most 125 bytes) and wait for its pong",
        examples: "ping                      an empty ping; prints the round trip\nping hello                a ping carrying `hello`\nlet rtt = ping();         from Rhai code: the round trip in seconds, () without a pong",
        plain: Some(Plain {
            args: Args::Split(1),
            run: plain::ping,
        }),
        register: api::ping,
    },
    Entry {
        name: "pong",
        params: "<message>",
        summary: "send an unsolicited pong (at most 125 bytes)",
        examples: "pong                      an empty pong\npong alive                a pong carrying `alive`",
        plain: Some(Plain {
            args: Args::Split(1),
            run: plain::pong,
        }),
        register: api::pong,
    },
    Entry {
        name: "close",
        params: "<code> <reason>",
        summary: "close the connection (default code 1000) and end the session",
        examples: "close                             closes with 1000\nclose 1001                        closes with 1001 (going away)\nclose 1003 'received unknown data'  a code and a reason (at most 123 bytes)\nCodes that may be sent: 1000-1003, 1007-1014 and 3000-4999.",
        plain: Some(Plain {
            args: Args::Split(2),
            run: plain::close,
        }),
        register: api::close,
    },
    Entry {
        name: "quit",
        params: "",
        summary: "close with 1000 and end the session (also Ctrl+D)",
        examples: "quit",
        plain: Some(Plain {
            args: Args::Split(0),
            run: plain::quit,
        }),
        register: api::quit,
    },
    Entry {
        name: "save",
        params: "file",
        summary: "write the session so far as a script for ws run",
        examples: "save probe.rhai           writes the lines that sent, received or defined something,\n                          plain commands as Rhai calls, and an expect for each message\n                          received; ws run probe.rhai URL replays the exchange\nsave(\"probe.rhai\")        the same from Rhai code",
        plain: Some(Plain {
            args: Args::Split(1),
            run: plain::save,
        }),
        register: api::save,
    },
    Entry {
        name: "recv",
        params: "<seconds>",
        summary: "the next message not yet taken: a string, a blob, or () after a close",
        examples: "text(\"hi\"); let reply = recv(); print(reply)",
        plain: None,
        register: api::recv,
    },
    Entry {
        name: "expect",
        params: "pattern <seconds>",
        summary: "recv, and throw unless the message contains pattern",
        examples: "text(\"subscribe\"); expect(\"ok\", 2)",
        plain: None,
        register: api::expect,
    },
    Entry {
        name: "emit",
        params: "event <data>",
        summary: "Socket.IO: send an event with its data (the rest of the line: JSON, or text)",
        examples: "emit chat {\"text\": \"hi\"}      sends 42[\"chat\",{\"text\":\"hi\"}]\nemit(\"chat\", #{text: \"hi\"})   from Rhai code",
        plain: Some(Plain {
            args: Args::Verbatim,
            run: plain::emit,
        }),
        register: api::emit,
    },
    Entry {
        name: "emit_with_ack",
        params: "event data <seconds>",
        summary: "Socket.IO: send an event and wait for its acknowledgement; its data",
        examples: "let sum = emit_with_ack(\"sum\", [1, 2], 5)",
        plain: None,
        register: api::emit_with_ack,
    },
    Entry {
        name: "recv_event",
        params: "name <seconds>",
        summary: "Socket.IO: wait for the event name and return its data (other messages stay for recv)",
        examples: "emit(\"join\", \"room\"); let welcome = recv_event(\"welcome\", 5)",
        plain: None,
        register: api::recv_event,
    },
    Entry {
        name: "subscribe",
        params: "query <variables>",
        summary: "GraphQL: start a subscription (or a query); its id",
        examples: "let id = subscribe(\"subscription { count(to: 3) }\")",
        plain: None,
        register: api::subscribe,
    },
    Entry {
        name: "next_result",
        params: "id <seconds>",
        summary: "GraphQL: the next result of a subscription, () once complete; an error result is thrown",
        examples: "let id = subscribe(\"subscription { count(to: 3) }\");\nwhile true { let r = next_result(id, 5); if r == () { break } print(r) }",
        plain: None,
        register: api::next_result,
    },
    Entry {
        name: "complete",
        params: "id",
        summary: "GraphQL: stop a subscription",
        examples: "complete(id)",
        plain: None,
        register: api::complete,
    },
    Entry {
        name: "query",
        params: "query <variables> <seconds>",
        summary: "GraphQL: run a query or mutation and return its one result",
        examples: "let r = query(\"query($n: String) { hello(name: $n) }\", #{n: \"ada\"}); print(r.data.hello)",
        plain: None,
        register: api::query,
    },
    Entry {
        name: "stomp_subscribe",
        params: "destination <ack>",
        summary: "STOMP: subscribe to a destination (ack: auto, client or client-individual); its id",
        examples: "stomp_subscribe(\"/topic/news\")",
        plain: None,
        register: api::stomp_subscribe,
    },
    Entry {
        name: "stomp_send",
        params: "destination body <headers>",
        summary: "STOMP: send a body to a destination, with extra headers",
        examples: "stomp_send(\"/topic/news\", \"hello\", #{\"content-type\": \"text/plain\"})",
        plain: None,
        register: api::stomp_send,
    },
    Entry {
        name: "ack",
        params: "message",
        summary: "STOMP: acknowledge a MESSAGE that recv returned",
        examples: "let m = recv(); ack(m)",
        plain: None,
        register: api::ack,
    },
    Entry {
        name: "rpc",
        params: "method <params> <seconds>",
        summary: "JSON-RPC: call a method and return its result; an error reply is thrown (the rest of the line: JSON params)",
        examples: "rpc sum [1, 2]            calls sum and shows the reply\nlet n = rpc(\"sum\", [1, 2], 5)",
        plain: Some(Plain {
            args: Args::Verbatim,
            run: plain::rpc,
        }),
        register: api::rpc,
    },
    Entry {
        name: "rpc_notify",
        params: "method <params>",
        summary: "JSON-RPC: send a notification (no reply comes)",
        examples: "rpc_notify(\"note\", [\"hello\"])",
        plain: None,
        register: api::rpc_notify,
    },
    Entry {
        name: "send",
        params: "x",
        summary: "send a string as text, a blob as binary, a map or an array as JSON text",
        examples: "send(#{op: \"subscribe\", id: 1}); send(recv())",
        plain: None,
        register: api::send,
    },
    Entry {
        name: "sleep",
        params: "seconds",
        summary: "pause (Ctrl+C interrupts it)",
        examples: "for i in 0..3 { text(\"tick\"); sleep(0.5) }",
        plain: None,
        register: api::sleep,
    },
    Entry {
        name: "url",
        params: "",
        summary: "the connected URL",
        examples: "print(url())",
        plain: None,
        register: api::url,
    },
    Entry {
        name: "connect",
        params: "url <options>",
        summary: "open another connection; options: headers, subprotocols, max_message_size, connect_timeout, compression",
        examples: "let c = connect(\"ws://localhost:8000\", #{headers: #{\"X-Token\": \"t\"}}); c.text(\"hi\"); print(c.recv()); c.close()",
        plain: None,
        register: api::connect,
    },
    Entry {
        name: "closed",
        params: "",
        summary: "whether the connection has ended",
        examples: "while !closed() { print(recv()) }",
        plain: None,
        register: api::closed,
    },
    Entry {
        name: "close_code",
        params: "",
        summary: "the close code once the connection has ended, else ()",
        examples: "if closed() { print(close_code()) }",
        plain: None,
        register: api::close_code_of,
    },
    Entry {
        name: "close_reason",
        params: "",
        summary: "the close reason once the connection has ended, else ()",
        examples: "print(close_reason())",
        plain: None,
        register: api::close_reason,
    },
    Entry {
        name: "read_file",
        params: "path",
        summary: "a file's text (UTF-8); text(s) never reads files by itself",
        examples: "text(read_file(\"request.json\"))",
        plain: None,
        register: api::read_file,
    },
    Entry {
        name: "read_blob",
        params: "path",
        summary: "a file's bytes as a blob",
        examples: "byte(read_blob(\"frame.bin\"))",
        plain: None,
        register: api::read_blob,
    },
    Entry {
        name: "parse_json",
        params: "text",
        summary: "JSON text to a Rhai value (maps, arrays, numbers, strings)",
        examples: "let m = parse_json(recv()); print(m.id)",
        plain: None,
        register: api::parse_json,
    },
    Entry {
        name: "to_json",
        params: "value",
        summary: "a Rhai value to JSON text",
        examples: "text(to_json(#{op: \"sub\", id: 1}))",
        plain: None,
        register: api::to_json,
    },
    Entry {
        name: "from_hex",
        params: "text",
        summary: "hex digits to a blob (spaces, : and a leading 0x allowed)",
        examples: "byte(from_hex(\"de ad be ef\"))",
        plain: None,
        register: api::from_hex,
    },
    Entry {
        name: "to_hex",
        params: "blob",
        summary: "a blob as hex digits",
        examples: "print(to_hex(recv()))",
        plain: None,
        register: api::to_hex,
    },
    Entry {
        name: "from_base64",
        params: "text",
        summary: "base64 (padding optional, URL-safe too) to a blob",
        examples: "byte(from_base64(\"3q2+7w==\"))",
        plain: None,
        register: api::from_base64,
    },
    Entry {
        name: "to_base64",
        params: "blob",
        summary: "a blob as base64",
        examples: "print(to_base64(recv()))",
        plain: None,
        register: api::to_base64,
    },
    Entry {
        name: "print",
        params: "x",
        summary: "print into the console and its transcript",
        examples: "print(`got ${recv()}`)",
        plain: None,
        register: api::built_in,
    },
    Entry {
        name: "exit",
        params: "n",
        summary: "end a script with exit status n",
        examples: "if recv() != \"ok\" { exit(3) }",
        plain: None,
        register: api::exit,
    },
    Entry {
        name: "assert",
        params: "condition <message>",
        summary: "fail unless the condition is true",
        examples: "assert(closed(), \"the server should have closed\")",
        plain: None,
        register: super::assert::register_assert,
    },
    Entry {
        name: "assert_eq",
        params: "left right",
        summary: "fail unless equal: maps and arrays structurally, a JSON text against a map",
        examples: "text(`{\"id\":7}`); assert_eq(recv(), #{id: 7})",
        plain: None,
        register: super::assert::register_assert_eq,
    },
    Entry {
        name: "assert_ne",
        params: "left right",
        summary: "fail if the two values are equal",
        examples: "assert_ne(recv(), \"error\")",
        plain: None,
        register: super::assert::register_assert_ne,
    },
    Entry {
        name: "assert_match",
        params: "text pattern",
        summary: "fail unless the text matches the regular expression",
        examples: "assert_match(recv(), \"^welcome \\\\w+$\")",
        plain: None,
        register: super::assert::register_assert_match,
    },
];

/// The plain commands, in table order.
pub(crate) fn commands() -> impl Iterator<Item = &'static Entry> {
    TABLE.iter().filter(|e| e.plain.is_some())
}

/// The Rhai functions that are not plain commands, in table order.
pub(crate) fn functions() -> impl Iterator<Item = &'static Entry> {
    TABLE.iter().filter(|e| e.plain.is_none())
}

/// The plain command of this name.
pub(crate) fn find(name: &str) -> Option<&'static Entry> {
    commands().find(|c| c.name == name)
}

/// The function (not a plain command) of this name.
pub(crate) fn find_function(name: &str) -> Option<&'static Entry> {
    functions().find(|f| f.name == name)
}

/// Whether `help name` has something to say about `name`.
pub(crate) fn has_help(name: &str) -> bool {
    TABLE.iter().any(|e| e.name == name)
}

/// The closest command name to a mistyped word, if one is close.
pub(crate) fn suggest(word: &str) -> Option<&'static str> {
    commands()
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

    #[test]
    fn every_entry_has_help_and_an_example() {
        for entry in TABLE {
            assert!(
                !entry.summary.trim().is_empty(),
                "{} has no summary",
                entry.name
            );
            assert!(
                !entry.examples.trim().is_empty(),
                "{} has no example",
                entry.name
            );
            assert!(
                entry.examples.contains(entry.name),
                "{}'s examples do not use it",
                entry.name
            );
        }
    }

    #[test]
    fn names_are_unique() {
        for (i, entry) in TABLE.iter().enumerate() {
            assert!(
                TABLE[i + 1..].iter().all(|e| e.name != entry.name),
                "{} is in the table twice",
                entry.name
            );
        }
    }

    /// Whatever the engine has registered (connection methods included)
    /// has an entry, so it has help and an example; only Rhai's own
    /// functions given safer versions (`print`, `to_string`…) need none.
    #[test]
    fn every_registered_function_is_in_the_table() {
        let name = |signature: &str| signature.split('(').next().unwrap_or_default().to_string();
        let own: std::collections::HashSet<String> = Engine::new()
            .gen_fn_signatures(true)
            .iter()
            .map(|s| name(s))
            .collect();
        let ctx = Rc::new(Context::new(
            crate::console::Console::silent(),
            crate::settings::Settings::default(),
            false,
            false,
        ));
        let engine = super::super::engine(&ctx);
        let signatures = engine.gen_fn_signatures(false);
        assert!(signatures.len() >= TABLE.len() - 1, "{signatures:?}");
        for signature in signatures {
            let name = name(&signature);
            assert!(
                TABLE.iter().any(|e| e.name == name) || own.contains(&name),
                "{name} is registered but has no entry in the command table ({signature})"
            );
        }
    }
}
