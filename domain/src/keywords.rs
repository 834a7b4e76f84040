//! Inbound SMS keywords: opt-out, opt-in and help.
//!
//! The keywords are Twilio's defaults for its Advanced Opt-Out feature.
//! Matching ignores case, Unicode compatibility forms (full-width letters),
//! and punctuation, symbols and emoji around and between words, so
//! "Stop!", "ＳＴＯＰ" and "Cancel 👍" all match.

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

/// Words that opt out when they are the whole message, optionally followed
/// by courtesy words.
const OPT_OUT_WORDS: [&str; 8] = [
    "stop",
    "stopall",
    "unsubscribe",
    "cancel",
    "end",
    "quit",
    "revoke",
    "optout",
];

/// Words that opt out whatever follows them, as in "stop sending these".
/// The other opt-out words also start ordinary questions such as
/// "end of the outage?", so they must stand alone.
const OPT_OUT_PREFIX_WORDS: [&str; 4] = ["stop", "stopall", "unsubscribe", "optout"];

/// Words that may follow an opt-out keyword without changing its meaning,
/// besides "thank you".
const COURTESY_WORDS: [&str; 6] = ["please", "pls", "plz", "thanks", "thx", "now"];

const OPT_IN_WORDS: [&str; 3] = ["start", "unstop", "yes"];

const HELP_WORDS: [&str; 2] = ["help", "info"];

/// Action an inbound SMS requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Keyword {
    /// Unsubscribe the sender from every message.
    OptOut,
    /// Subscribe the sender again after an opt-out.
    OptIn,
    /// Reply with the help message.
    Help,
    /// An ordinary message, not a keyword.
    None,
}

impl Keyword {
    /// Returns the keyword in snake case: `opt_out`, `opt_in`, `help` or
    /// `none`.
    pub fn as_str(self) -> &'static str {
        match self {
            Keyword::OptOut => "opt_out",
            Keyword::OptIn => "opt_in",
            Keyword::Help => "help",
            Keyword::None => "none",
        }
    }
}

/// Classifies the body of an inbound SMS.
///
/// - Opt-out: STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE, OPTOUT
///   or "opt out" (also "opt-out"), alone or followed only by courtesy
///   words (please, pls, plz, thanks, thank you, thx, now). A message that starts with
///   STOP, STOPALL, UNSUBSCRIBE, OPTOUT or "opt out" opts out whatever
///   follows.
/// - Opt-in: START, UNSTOP or YES, alone.
/// - Help: HELP or INFO, alone.
///
/// Keywords are whole words, so "stopwatch" is no keyword. A sentence that
/// merely contains one ("cancel the maintenance?") is [`Keyword::None`].
pub fn classify(body: &str) -> Keyword {
    let words = words(body);
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let Some((&first, rest)) = words.split_first() else {
        return Keyword::None;
    };

    let (first, rest) = match (first, rest) {
        ("opt", ["out", rest @ ..]) => ("optout", rest),
        _ => (first, rest),
    };

    if OPT_OUT_WORDS.contains(&first) {
        if OPT_OUT_PREFIX_WORDS.contains(&first) || is_courtesy(rest) {
            return Keyword::OptOut;
        }
        return Keyword::None;
    }
    if !rest.is_empty() {
        return Keyword::None;
    }
    if OPT_IN_WORDS.contains(&first) {
        return Keyword::OptIn;
    }
    if HELP_WORDS.contains(&first) {
        return Keyword::Help;
    }
    Keyword::None
}

/// Splits text into lowercase words after compatibility normalisation. A
/// word is a run of letters and digits, so punctuation, symbols, emoji and
/// spaces all separate words.
fn words(text: &str) -> Vec<String> {
    let normalized: String = text.nfkc().collect();
    normalized
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Returns whether every word is a courtesy word. "thank" counts only as
/// part of "thank you".
fn is_courtesy(words: &[&str]) -> bool {
    let mut rest = words;
    while let Some((&word, tail)) = rest.split_first() {
        rest = match (word, tail) {
            ("thank", ["you", tail @ ..]) => tail,
            (word, tail) if COURTESY_WORDS.contains(&word) => tail,
            _ => return false,
        };
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_opt_out_word_alone() {
        for body in OPT_OUT_WORDS {
            assert_eq!(classify(body), Keyword::OptOut, "{body}");
        }
    }

    #[test]
    fn opt_out_as_two_words() {
        assert_eq!(classify("opt out"), Keyword::OptOut);
        assert_eq!(classify("Opt-Out"), Keyword::OptOut);
        assert_eq!(classify("OPT OUT of everything"), Keyword::OptOut);
    }

    #[test]
    fn opt_alone_is_none() {
        assert_eq!(classify("opt"), Keyword::None);
        assert_eq!(classify("opt in"), Keyword::None);
    }

    #[test]
    fn courtesy_words_after_opt_out() {
        for body in [
            "cancel please",
            "END now",
            "quit, thanks!",
            "revoke thank you",
            "Cancel now please thx",
        ] {
            assert_eq!(classify(body), Keyword::OptOut, "{body}");
        }
    }

    #[test]
    fn partial_courtesy_is_none() {
        assert_eq!(classify("cancel thank"), Keyword::None);
        assert_eq!(classify("end you"), Keyword::None);
    }

    #[test]
    fn prefix_words_opt_out_whatever_follows() {
        for body in [
            "stop sending these",
            "STOP. I never signed up",
            "unsubscribe me from this list",
            "stopall 2",
            "optout of all messages",
        ] {
            assert_eq!(classify(body), Keyword::OptOut, "{body}");
        }
    }

    #[test]
    fn sentences_containing_keywords_are_none() {
        for body in [
            "end of the outage?",
            "cancel the maintenance?",
            "quit breaking prod",
            "please stop",
            "Is the API down again?",
        ] {
            assert_eq!(classify(body), Keyword::None, "{body}");
        }
    }

    #[test]
    fn keywords_are_whole_words() {
        for body in ["stopwatch", "ending", "helpful", "yesterday", "starting"] {
            assert_eq!(classify(body), Keyword::None, "{body}");
        }
    }

    #[test]
    fn opt_in_and_help_stand_alone() {
        assert_eq!(classify("Start"), Keyword::OptIn);
        assert_eq!(classify("UNSTOP!"), Keyword::OptIn);
        assert_eq!(classify("yes"), Keyword::OptIn);
        assert_eq!(classify("help?"), Keyword::Help);
        assert_eq!(classify("INFO"), Keyword::Help);
        assert_eq!(classify("yes please"), Keyword::None);
        assert_eq!(classify("help me"), Keyword::None);
    }

    #[test]
    fn punctuation_and_emoji_around_keyword_ignored() {
        assert_eq!(classify("🛑 STOP 🛑"), Keyword::OptOut);
        assert_eq!(classify("...help..."), Keyword::Help);
        assert_eq!(classify("\"start\""), Keyword::OptIn);
    }

    #[test]
    fn full_width_letters_match() {
        assert_eq!(classify("ＳＴＯＰ"), Keyword::OptOut);
    }

    #[test]
    fn empty_and_symbols_only_are_none() {
        assert_eq!(classify(""), Keyword::None);
        assert_eq!(classify("  \n "), Keyword::None);
        assert_eq!(classify("👍"), Keyword::None);
    }

    #[test]
    fn as_str_is_snake_case() {
        assert_eq!(Keyword::OptOut.as_str(), "opt_out");
        assert_eq!(Keyword::OptIn.as_str(), "opt_in");
        assert_eq!(Keyword::Help.as_str(), "help");
        assert_eq!(Keyword::None.as_str(), "none");
    }
}
