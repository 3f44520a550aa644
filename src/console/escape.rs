//! Text from the wire made safe to show: control characters become visible
//! symbols, so a message, a close reason or a handshake body can neither
//! move the cursor, retitle or clear the user's terminal, nor break an XML
//! transcript. The terminal and every transcript use this one mapping.

use std::borrow::Cow;

/// The character shown for `c`: C0 controls and DEL become their Unicode
/// control pictures (`ESC` is `␛`), other controls, the bidirectional
/// overrides and the non-characters XML forbids become `�`; everything else
/// is itself.
pub fn visible(c: char) -> char {
    match c {
        '\0'..='\x1f' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'),
        '\x7f' => '\u{2421}',
        '\u{fffe}' | '\u{ffff}' => '\u{fffd}',
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => '\u{fffd}',
        c if c.is_control() => '\u{fffd}',
        c => c,
    }
}

/// `text` with every character but the tab shown as [`visible`] maps it;
/// borrowed (no copy) when nothing needs mapping, the common case.
pub fn visible_text(text: &str) -> Cow<'_, str> {
    let shown = |c| if c == '\t' { c } else { visible(c) };
    if !text.bytes().any(may_need_mapping) || text.chars().all(|c| shown(c) == c) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.chars().map(shown).collect())
}

/// Whether a byte may start a character [`visible`] maps: an ASCII control
/// or the lead byte of a C1 control, a bidirectional override or U+FFFE/F.
fn may_need_mapping(b: u8) -> bool {
    b < 0x20 || b == 0x7f || b == 0xc2 || b == 0xe2 || b == 0xef
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_become_visible_and_tabs_stay() {
        assert_eq!(
            visible_text("\x1b]0;pwned\x07\x1b[2J\tok"),
            "\u{241b}]0;pwned\u{2407}\u{241b}[2J\tok"
        );
        assert_eq!(
            visible_text("a\rb\u{85}c\u{202e}d"),
            "a\u{240d}b\u{fffd}c\u{fffd}d"
        );
    }

    #[test]
    fn ordinary_text_is_not_copied() {
        for text in ["hello", "", "ünïcödé — “quoted” €", "emoji 😀"] {
            assert!(matches!(visible_text(text), Cow::Borrowed(_)), "{text}");
        }
    }
}
