use super::parse::Part;
use super::variable::Values;

/// Fills the placeholders with their values as plain text.
///
/// A placeholder without a value, or with an empty one, renders as nothing
/// and also removes one neighbouring space. When the text before it is empty
/// or ends in white space, the space after it goes. At the end of the text,
/// the space before it goes. So an empty `{{message}}` in
/// `{{title}}. {{message}} {{url}}` leaves a single space.
pub(super) fn render_parts(parts: &[Part], values: &Values) -> String {
    let mut rendered = String::new();
    let mut drop_next_space = false;
    for part in parts {
        match part {
            Part::Literal(text) => {
                let text = match text.strip_prefix(' ') {
                    Some(rest) if drop_next_space => rest,
                    _ => text.as_str(),
                };
                rendered.push_str(text);
                drop_next_space = false;
            }
            Part::Placeholder(variable) => {
                let value = values.get(*variable).unwrap_or_default();
                if value.is_empty() {
                    drop_next_space |=
                        rendered.is_empty() || rendered.ends_with(char::is_whitespace);
                } else {
                    rendered.push_str(value);
                    drop_next_space = false;
                }
            }
        }
    }
    if drop_next_space && rendered.ends_with(' ') {
        rendered.pop();
    }
    rendered
}
