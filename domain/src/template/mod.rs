//! SMS templates with `{{variable}}` placeholders.
//!
//! Each [`TemplateKind`] has a default text and a set of variables it may
//! use. [`Template::parse`] checks a page owner's text against them, and
//! [`Template::render_fitted`] fills it in and keeps it to one SMS segment
//! where it can.

mod error;
mod fit;
mod kind;
mod parse;
mod render;
mod services;
mod variable;

pub use error::TemplateError;
pub use kind::{incident_url, TemplateKind};
pub use parse::MAX_TEMPLATE_CHARS;
pub use services::service_list;
pub use variable::{Values, Variable};

use parse::Part;

use crate::segments;

/// A parsed template of a given kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    kind: TemplateKind,
    source: String,
    parts: Vec<Part>,
}

impl Template {
    /// Parses template text for `kind`.
    ///
    /// Rejects:
    /// - empty text, or text over [`MAX_TEMPLATE_CHARS`] characters;
    /// - an unknown variable, or one the kind does not allow;
    /// - an unclosed `{{` or a stray `}}`, because there is no escape for
    ///   literal double braces;
    /// - a template missing a required variable, such as a verification
    ///   template without `{{code}}`.
    pub fn parse(kind: TemplateKind, source: &str) -> Result<Template, TemplateError> {
        let parts = parse::parse_parts(kind, source)?;
        Ok(Template {
            kind,
            source: source.to_owned(),
            parts,
        })
    }

    /// Returns the kind's default template.
    pub fn default_for(kind: TemplateKind) -> Template {
        Template::parse(kind, kind.default_source())
            .expect("every default template is valid, as the template tests check")
    }

    pub fn kind(&self) -> TemplateKind {
        self.kind
    }

    /// Returns the text the template was parsed from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Returns the variables the template uses, each once, in order of first
    /// use.
    pub fn variables(&self) -> Vec<Variable> {
        let mut used = Vec::new();
        for part in &self.parts {
            if let Part::Placeholder(variable) = part {
                if !used.contains(variable) {
                    used.push(*variable);
                }
            }
        }
        used
    }

    /// Fills the placeholders with `values` as plain text, with no escaping.
    ///
    /// A variable without a value renders as nothing and takes one
    /// neighbouring space with it, so an empty `{{message}}` leaves no double
    /// space.
    pub fn render(&self, values: &Values) -> String {
        render::render_parts(&self.parts, values)
    }

    /// Renders the template and keeps the result to one SMS segment where it
    /// can.
    ///
    /// When the text is too long, `{{message}}` is cut at a word boundary and
    /// ends with `...`, down to nothing if need be, and then `{{title}}` is
    /// cut the same way but keeps at least its first 16 characters. When
    /// that is still too long, as a Chinese or emoji title under UCS-2 can
    /// be, the text may take two segments, and only past two is the title
    /// cut further, down to nothing. No other variable is ever cut, so
    /// `{{url}}` and `{{code}}` stay whole. If the text still does not fit,
    /// the shortest version is returned and goes as several segments.
    ///
    /// With `replace_typographic`, the template text and the values first go
    /// through [`segments::replace_typographic`], so curly quotes and dashes do not
    /// force UCS-2 encoding.
    pub fn render_fitted(&self, values: &Values, replace_typographic: bool) -> String {
        if !replace_typographic {
            return fit::render_fitted_parts(&self.parts, values);
        }
        let parts: Vec<Part> = self
            .parts
            .iter()
            .map(|part| match part {
                Part::Literal(text) => Part::Literal(segments::replace_typographic(text)),
                Part::Placeholder(variable) => Part::Placeholder(*variable),
            })
            .collect();
        let values = values.map(segments::replace_typographic);
        fit::render_fitted_parts(&parts, &values)
    }
}

#[cfg(test)]
mod tests;
