//! The free text admins type: incident and maintenance titles and messages,
//! service names, the page name and the consent text. Each is checked the
//! same way before it is stored, so nothing an SMS cannot show reaches one.

use crate::{Error, Result};

/// Whether a field may span several lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    /// Titles and names: line breaks and tabs become single spaces, and runs
    /// of spaces shrink to one, so a pasted title reads as one line.
    One,
    /// Messages: line breaks are kept (as `\n`), tabs become spaces.
    Many,
}

/// The rules that one text field is checked against.
#[derive(Debug, Clone, Copy)]
pub struct TextField {
    /// The name in the API, which errors report.
    pub field: &'static str,
    /// The name people see, which starts each error message.
    pub label: &'static str,
    pub max_chars: usize,
    pub lines: Lines,
    /// The fix shown when the field is empty, completing "… is missing; ".
    pub missing_fix: &'static str,
}

impl TextField {
    /// Returns `text` trimmed and with its white space tidied. Fails with an
    /// error naming the field and the fix when the text is empty, too long,
    /// or contains a control character.
    pub fn clean(&self, text: &str) -> Result<String> {
        let text = match self.lines {
            Lines::One => text.split_whitespace().collect::<Vec<_>>().join(" "),
            Lines::Many => text
                .replace("\r\n", "\n")
                .replace(['\r', '\u{2028}', '\u{2029}'], "\n")
                .replace('\t', " ")
                .trim()
                .to_owned(),
        };
        if text.is_empty() {
            return Err(self.invalid(format!("{} is missing; {}.", self.label, self.missing_fix)));
        }
        let allowed = |c: char| !c.is_control() || (c == '\n' && self.lines == Lines::Many);
        if let Some((index, c)) = text.chars().enumerate().find(|&(_, c)| !allowed(c)) {
            return Err(self.invalid(format!(
                "{} contains the control character U+{:04X} at character {}; remove it.",
                self.label,
                u32::from(c),
                index + 1
            )));
        }
        let chars = text.chars().count();
        if chars > self.max_chars {
            return Err(self.invalid(format!(
                "{} is {chars} characters long, over the limit of {}; shorten it.",
                self.label, self.max_chars
            )));
        }
        Ok(text)
    }

    fn invalid(&self, message: String) -> Error {
        Error::invalid(self.field, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TITLE: TextField = TextField {
        field: "title",
        label: "Title",
        max_chars: 10,
        lines: Lines::One,
        missing_fix: "describe it",
    };
    const MESSAGE: TextField = TextField { field: "message", label: "Message", lines: Lines::Many, ..TITLE };

    fn message_of(result: Result<String>) -> (String, String) {
        match result {
            Err(Error::Invalid { field, message }) => (field, message),
            other => panic!("expected an invalid-input error, got {other:?}"),
        }
    }

    #[test]
    fn one_line_fields_join_lines_and_spaces() {
        assert_eq!(TITLE.clean("  API\r\n up\t\tok ").unwrap(), "API up ok");
    }

    #[test]
    fn many_line_fields_keep_line_breaks() {
        assert_eq!(MESSAGE.clean(" a\r\nb\rc\td \n").unwrap(), "a\nb\nc d");
    }

    #[test]
    fn empty_text_names_the_field() {
        let (field, message) = message_of(TITLE.clean(" \n\t "));
        assert_eq!(field, "title");
        assert_eq!(message, "Title is missing; describe it.");
    }

    #[test]
    fn control_characters_are_rejected_with_their_place() {
        let (field, message) = message_of(MESSAGE.clean("ab\u{7}c"));
        assert_eq!(field, "message");
        assert_eq!(message, "Message contains the control character U+0007 at character 3; remove it.");
        let (_, message) = message_of(TITLE.clean("a\u{1b}[1m"));
        assert!(message.contains("U+001B at character 2"), "{message}");
    }

    #[test]
    fn length_counts_characters_after_tidying() {
        assert_eq!(TITLE.clean("ééééé     éééé").unwrap(), "ééééé éééé");
        let (_, message) = message_of(TITLE.clean("ééééé ééééé"));
        assert_eq!(message, "Title is 11 characters long, over the limit of 10; shorten it.");
    }
}
