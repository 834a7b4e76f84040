//! Splitting template text into literal text and placeholders.

use super::error::TemplateError;
use super::kind::TemplateKind;
use super::variable::Variable;
use crate::text::is_invisible_format;

/// Maximum characters in a template: Twilio rejects a message body longer
/// than 1,600 characters (error 21617).
pub const MAX_TEMPLATE_CHARS: usize = 1600;

/// The variable that may have no value where it is allowed: `{{service}}`
/// of an incident or window that names no service. Every other variable is
/// required input (a title, a message) or set by Kodo.
const MAY_BE_EMPTY: Variable = Variable::Service;

/// A piece of a parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Part {
    Literal(String),
    Placeholder(Variable),
}

/// Parses template text into parts and checks it against the kind.
///
/// A placeholder is `{{name}}`, with optional white space inside the braces.
/// There is no escape for literal braces: a `{{` must open a placeholder and
/// a `}}` outside one is rejected as stray, because either is almost always
/// a typing mistake. Single braces are literal text.
pub(super) fn parse_parts(kind: TemplateKind, source: &str) -> Result<Vec<Part>, TemplateError> {
    let length = source.chars().count();
    if source.trim().is_empty() {
        return Err(error(
            0,
            "the template is empty; write the text of the message".to_owned(),
        ));
    }
    if let Some((position, c)) = source.chars().enumerate().find(|&(_, c)| c.is_control() && c != '\n') {
        return Err(error(
            position,
            format!(
                "the control character U+{:04X} at {} cannot be sent in an SMS; remove it",
                u32::from(c),
                place(position)
            ),
        ));
    }
    if length > MAX_TEMPLATE_CHARS {
        return Err(error(
            MAX_TEMPLATE_CHARS,
            format!(
                "the template has {length} characters; shorten it to at most {MAX_TEMPLATE_CHARS}, Twilio's limit for a message"
            ),
        ));
    }

    let mut parts = Vec::new();
    let mut start = 0;
    loop {
        let rest = &source[start..];
        let open = rest.find("{{");
        if let Some(close) = rest.find("}}") {
            if open.is_none_or(|open| close < open) {
                let position = char_position(source, start + close);
                return Err(error(
                    position,
                    format!("stray }}}} at {}; remove it or open a placeholder with {{{{", place(position)),
                ));
            }
        }
        let Some(open) = open else {
            push_literal(&mut parts, rest);
            break;
        };

        push_literal(&mut parts, &rest[..open]);
        let open_at = start + open;
        let position = char_position(source, open_at);
        let inner_start = open_at + 2;
        let inner_end = match source[inner_start..].find("}}") {
            Some(end) if !source[inner_start..inner_start + end].contains("{{") => {
                inner_start + end
            }
            _ => {
                return Err(error(
                    position,
                    format!(
                        "unclosed {{{{ at {}; close the placeholder with }}}}",
                        place(position)
                    ),
                ));
            }
        };
        let name = source[inner_start..inner_end].trim();
        parts.push(Part::Placeholder(resolve(kind, name, position)?));
        start = inner_end + 2;
    }

    let has_text = parts.iter().any(|part| match part {
        Part::Literal(text) => text.chars().any(|c| !c.is_whitespace() && !is_invisible_format(c)),
        Part::Placeholder(variable) => *variable != MAY_BE_EMPTY,
    });
    if !has_text {
        return Err(error(
            0,
            "the template could produce an empty message, because {{service}} is empty when no service \
             is named; add some words, or another variable such as {{title}}"
                .to_owned(),
        ));
    }

    for &required in kind.required_variables() {
        if !parts.contains(&Part::Placeholder(required)) {
            return Err(error(
                length,
                format!(
                    "{} templates must contain {}; add it where the value belongs",
                    kind.name(),
                    required.placeholder()
                ),
            ));
        }
    }
    Ok(parts)
}

/// Returns the variable a placeholder names, if the kind allows it.
fn resolve(kind: TemplateKind, name: &str, position: usize) -> Result<Variable, TemplateError> {
    let allowed = allowed_list(kind);
    let Some(variable) = Variable::from_name(name) else {
        return Err(error(
            position,
            format!("unknown variable {{{{{name}}}}} at {}; use one of {allowed}", place(position)),
        ));
    };
    if !kind.allowed_variables().contains(&variable) {
        return Err(error(
            position,
            format!(
                "variable {} at {} is not available in {} templates; use one of {allowed}",
                variable.placeholder(),
                place(position),
                kind.name()
            ),
        ));
    }
    Ok(variable)
}

/// Returns the kind's variables as placeholders, comma separated.
fn allowed_list(kind: TemplateKind) -> String {
    kind.allowed_variables()
        .iter()
        .map(|variable| variable.placeholder())
        .collect::<Vec<_>>()
        .join(", ")
}

fn push_literal(parts: &mut Vec<Part>, text: &str) {
    if !text.is_empty() {
        parts.push(Part::Literal(text.to_owned()));
    }
}

/// Converts a byte offset into `source` to a character offset.
fn char_position(source: &str, byte_offset: usize) -> usize {
    source[..byte_offset].chars().count()
}

/// Names a 0-based character offset the way a person counts: from 1, as the
/// template editor marks it.
fn place(position: usize) -> String {
    format!("character {}", position + 1)
}

fn error(position: usize, message: String) -> TemplateError {
    TemplateError { position, message }
}
