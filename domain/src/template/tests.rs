use unicode_segmentation::UnicodeSegmentation;

use super::fit::TITLE_FLOOR_GRAPHEMES;
use super::*;
use crate::segments::{count, fits_one_segment, Encoding};

fn incident_values() -> Values {
    TemplateKind::IncidentCreated.example_values()
}

fn parse_error(kind: TemplateKind, source: &str) -> TemplateError {
    match Template::parse(kind, source) {
        Ok(template) => panic!("{source:?} parsed as {template:?}"),
        Err(error) => error,
    }
}

#[test]
fn every_default_parses() {
    for kind in TemplateKind::ALL {
        let template = Template::parse(kind, kind.default_source());
        assert!(template.is_ok(), "{}: {template:?}", kind.name());
    }
}

#[test]
fn every_default_fits_one_gsm7_segment() {
    for kind in TemplateKind::ALL {
        let rendered = Template::default_for(kind).render(&kind.example_values());
        let counted = count(&rendered);
        assert_eq!(
            counted.encoding,
            Encoding::Gsm7,
            "{}: {rendered}",
            kind.name()
        );
        assert_eq!(counted.segments, 1, "{}: {rendered}", kind.name());
    }
}

#[test]
fn every_default_fills_every_placeholder() {
    for kind in TemplateKind::ALL {
        let rendered = Template::default_for(kind).render(&kind.example_values());
        assert!(!rendered.contains("{{"), "{}: {rendered}", kind.name());
        assert!(!rendered.contains("  "), "{}: {rendered}", kind.name());
    }
}

#[test]
fn verification_default_renders() {
    let values = Values::new()
        .with(Variable::Page, "Acme")
        .with(Variable::Code, "123456");
    assert_eq!(
        Template::default_for(TemplateKind::Verification).render(&values),
        "Your Acme verification code is 123456. It expires in 10 minutes."
    );
}

#[test]
fn confirmation_default_renders() {
    let rendered = Template::default_for(TemplateKind::Confirmation)
        .render(&TemplateKind::Confirmation.example_values());
    assert_eq!(
        rendered,
        "Acme: you're subscribed to status alerts by SMS. Msg frequency varies. Msg & data rates may apply. Reply HELP for help, STOP to cancel."
    );
}

#[test]
fn help_default_renders() {
    let rendered =
        Template::default_for(TemplateKind::Help).render(&TemplateKind::Help.example_values());
    assert_eq!(
        rendered,
        "Acme status alerts: https://status.acme.com/i/42 Msg frequency varies. Msg & data rates may apply. Reply STOP to cancel."
    );
}

#[test]
fn incident_created_default_renders() {
    let rendered = Template::default_for(TemplateKind::IncidentCreated).render(&incident_values());
    assert_eq!(
        rendered,
        "[Acme] Major incident: API errors. We are looking into elevated error rates. https://status.acme.com/i/42"
    );
}

#[test]
fn incident_updated_default_renders() {
    let rendered = Template::default_for(TemplateKind::IncidentUpdated).render(&incident_values());
    assert_eq!(
        rendered,
        "[Acme] Investigating: API errors. We are looking into elevated error rates. https://status.acme.com/i/42"
    );
}

#[test]
fn incident_resolved_default_renders() {
    let values = incident_values().with(Variable::Message, "Error rates are back to normal.");
    let rendered = Template::default_for(TemplateKind::IncidentResolved).render(&values);
    assert_eq!(
        rendered,
        "[Acme] Resolved: API errors. Error rates are back to normal. https://status.acme.com/i/42"
    );
}

#[test]
fn maintenance_scheduled_default_renders() {
    let rendered = Template::default_for(TemplateKind::MaintenanceScheduled)
        .render(&TemplateKind::MaintenanceScheduled.example_values());
    assert_eq!(
        rendered,
        "[Acme] Maintenance Jun 3 22:00 UTC to Jun 4 02:00 UTC: Database upgrade. The API may be read-only. https://status.acme.com/i/42"
    );
}

#[test]
fn maintenance_started_default_renders() {
    let rendered = Template::default_for(TemplateKind::MaintenanceStarted)
        .render(&TemplateKind::MaintenanceStarted.example_values());
    assert_eq!(
        rendered,
        "[Acme] Maintenance started, until Jun 4 02:00 UTC: Database upgrade. The API may be read-only. https://status.acme.com/i/42"
    );
}

#[test]
fn whitespace_inside_braces_allowed() {
    let template =
        Template::parse(TemplateKind::IncidentCreated, "{{ title }}|{{\n title\n}}").unwrap();
    let values = Values::new().with(Variable::Title, "API");
    assert_eq!(template.render(&values), "API|API");
}

#[test]
fn missing_value_renders_empty() {
    let template = Template::parse(TemplateKind::IncidentCreated, "[{{page}}]{{title}}").unwrap();
    assert_eq!(template.render(&Values::new()), "[]");
}

#[test]
fn empty_value_leaves_no_double_space() {
    let template = Template::default_for(TemplateKind::IncidentCreated);
    let values = incident_values().with(Variable::Message, "");
    assert_eq!(
        template.render(&values),
        "[Acme] Major incident: API errors. https://status.acme.com/i/42"
    );
}

#[test]
fn empty_values_at_both_ends_leave_no_spaces() {
    let template = Template::parse(TemplateKind::IncidentCreated, "{{page}} Down {{url}}").unwrap();
    assert_eq!(template.render(&Values::new()), "Down");
}

#[test]
fn values_are_plain_text() {
    let template = Template::parse(TemplateKind::IncidentCreated, "{{title}}").unwrap();
    let values = Values::new().with(Variable::Title, "<b>API</b> & {{url}}");
    assert_eq!(template.render(&values), "<b>API</b> & {{url}}");
}

#[test]
fn unknown_variable_rejected_with_position() {
    let error = parse_error(TemplateKind::IncidentCreated, "Incident: {{titel}}");
    assert_eq!(error.position, 10);
    assert_eq!(
        error.to_string(),
        "unknown variable {{titel}} at character 11; use one of {{title}}, {{severity}}, {{status}}, {{message}}, {{service}}, {{url}}, {{page}}"
    );
}

#[test]
fn position_counts_characters_not_bytes() {
    let error = parse_error(TemplateKind::IncidentCreated, "Störung 🔥 {{titel}}");
    assert_eq!(error.position, 10);
}

#[test]
fn variable_not_allowed_for_kind() {
    let error = parse_error(TemplateKind::IncidentCreated, "Code {{code}}");
    assert_eq!(error.position, 5);
    assert!(
        error.message.starts_with(
            "variable {{code}} at character 6 is not available in incident_created templates"
        ),
        "{error}"
    );

    let error = parse_error(TemplateKind::Confirmation, "{{page}}: {{title}}");
    assert_eq!(error.position, 10);
    assert!(
        error.message.ends_with("use one of {{page}}, {{url}}"),
        "{error}"
    );
}

#[test]
fn maintenance_times_only_in_maintenance() {
    assert!(Template::parse(TemplateKind::MaintenanceScheduled, "{{starts_at}}").is_ok());
    assert!(Template::parse(TemplateKind::IncidentCreated, "{{starts_at}}").is_err());
}

#[test]
fn unclosed_placeholder_rejected() {
    let error = parse_error(TemplateKind::IncidentCreated, "Down: {{title");
    assert_eq!(error.position, 6);
    assert_eq!(
        error.to_string(),
        "unclosed {{ at character 7; close the placeholder with }}"
    );
}

#[test]
fn placeholder_opened_twice_is_unclosed() {
    let error = parse_error(TemplateKind::IncidentCreated, "{{title {{url}}");
    assert_eq!(error.position, 0);
    assert!(error.message.starts_with("unclosed {{"), "{error}");
}

#[test]
fn stray_close_rejected() {
    let error = parse_error(TemplateKind::IncidentCreated, "Down}} {{title}}");
    assert_eq!(error.position, 4);
    assert_eq!(
        error.to_string(),
        "stray }} at character 5; remove it or open a placeholder with {{"
    );
}

#[test]
fn single_braces_are_literal() {
    let template = Template::parse(TemplateKind::IncidentCreated, "{x} {{title}} }").unwrap();
    let values = Values::new().with(Variable::Title, "API");
    assert_eq!(template.render(&values), "{x} API }");
}

#[test]
fn verification_requires_code() {
    let source = "Your {{page}} code";
    let error = parse_error(TemplateKind::Verification, source);
    assert_eq!(error.position, source.chars().count());
    assert_eq!(
        error.to_string(),
        "verification templates must contain {{code}}; add it where the value belongs"
    );
}

#[test]
fn empty_template_rejected() {
    let error = parse_error(TemplateKind::Help, "  \n ");
    assert_eq!(error.position, 0);
}

#[test]
fn overlong_template_rejected() {
    let source = "x".repeat(MAX_TEMPLATE_CHARS + 1);
    let error = parse_error(TemplateKind::IncidentCreated, &source);
    assert_eq!(error.position, MAX_TEMPLATE_CHARS);
    assert!(Template::parse(
        TemplateKind::IncidentCreated,
        &"x".repeat(MAX_TEMPLATE_CHARS)
    )
    .is_ok());
}

#[test]
fn variables_listed_once_in_order() {
    let template =
        Template::parse(TemplateKind::IncidentCreated, "{{url}} {{title}} {{url}}").unwrap();
    assert_eq!(template.variables(), vec![Variable::Url, Variable::Title]);
    assert_eq!(template.kind(), TemplateKind::IncidentCreated);
    assert_eq!(template.source(), "{{url}} {{title}} {{url}}");
}

#[test]
fn fitted_keeps_short_text_unchanged() {
    let template = Template::default_for(TemplateKind::IncidentCreated);
    let values = incident_values();
    assert_eq!(
        template.render_fitted(&values, false),
        template.render(&values)
    );
}

#[test]
fn fitted_shortens_message_first() {
    let template = Template::default_for(TemplateKind::IncidentCreated);
    let message = "We are investigating elevated error rates on the public API. Requests may fail or time out. \
                   Our engineers are working with the hosting provider and will post an update within 30 minutes.";
    let values = incident_values().with(Variable::Message, message);
    let fitted = template.render_fitted(&values, false);

    assert!(fits_one_segment(&fitted), "{fitted}");
    assert!(
        fitted.starts_with("[Acme] Major incident: API errors. We are investigating"),
        "{fitted}"
    );
    assert!(
        fitted.ends_with("... https://status.acme.com/i/42"),
        "{fitted}"
    );
    assert!(!fitted.contains("30 minutes"), "{fitted}");
}

#[test]
fn fitted_cut_is_longest_that_fits() {
    let template = Template::parse(TemplateKind::IncidentCreated, "{{message}}").unwrap();
    let message = "word ".repeat(40);
    let fitted = template.render_fitted(&Values::new().with(Variable::Message, message), false);
    // 31 words of 4 letters and 30 spaces are 154 septets, plus 3 for the
    // ellipsis; a 32nd word would need 162.
    assert_eq!(fitted, format!("{}...", ["word"; 31].join(" ")));
}

#[test]
fn fitted_drops_message_then_shortens_title() {
    let template = Template::default_for(TemplateKind::IncidentCreated);
    let title = "Elevated error rates and timeouts on the public API, the dashboard, webhooks, \
                 scheduled exports and the billing pages for customers in all regions";
    let values = incident_values().with(Variable::Title, title);
    let fitted = template.render_fitted(&values, false);

    assert!(fits_one_segment(&fitted), "{fitted}");
    assert!(!fitted.contains("We are looking"), "{fitted}");
    assert!(
        fitted.starts_with("[Acme] Major incident: Elevated error rates"),
        "{fitted}"
    );
    assert!(fitted.contains("..."), "{fitted}");
    assert!(
        fitted.ends_with(". https://status.acme.com/i/42"),
        "{fitted}"
    );
}

#[test]
fn fitted_takes_second_segment_for_long_url() {
    let template = Template::default_for(TemplateKind::IncidentCreated);
    let url = format!("https://status.acme.com/incidents/{}", "a".repeat(150));
    let values = incident_values().with(Variable::Url, url.as_str());
    let fitted = template.render_fitted(&values, false);

    // The URL alone is over one segment, so the second segment is taken and
    // the title and message fit in it whole.
    assert_eq!(fitted, template.render(&values));
    assert_eq!(count(&fitted).segments, 2);
}

#[test]
fn fitted_never_cuts_url() {
    let template = Template::default_for(TemplateKind::IncidentCreated);
    let url = format!("https://status.acme.com/incidents/{}", "a".repeat(400));
    let values = incident_values().with(Variable::Url, url.as_str());
    let fitted = template.render_fitted(&values, false);

    assert!(fitted.ends_with(&url), "{fitted}");
    assert_eq!(fitted, format!("[Acme] Major incident: . {url}"));
    assert!(count(&fitted).segments > 2);
}

#[test]
fn fitted_never_cuts_code() {
    let template = Template::parse(
        TemplateKind::Verification,
        "{{page}}: your code is {{code}}. {{url}}",
    )
    .unwrap();
    let code = "9".repeat(170);
    let values = TemplateKind::Verification
        .example_values()
        .with(Variable::Code, code.as_str());
    let fitted = template.render_fitted(&values, false);
    assert!(fitted.contains(&code), "{fitted}");
}

#[test]
fn fitted_counts_ucs2_limit_for_unicode() {
    let template = Template::default_for(TemplateKind::IncidentCreated);
    let values = incident_values().with(Variable::Title, "Сбой API 🔥").with(
        Variable::Message,
        "Мы расследуем повышенный уровень ошибок в публичном API и скоро сообщим подробности.",
    );
    let fitted = template.render_fitted(&values, false);

    let counted = count(&fitted);
    assert_eq!(counted.encoding, Encoding::Ucs2);
    assert_eq!(counted.segments, 1, "{fitted}");
    assert!(counted.units <= 70);
    assert!(fitted.contains("Сбой API 🔥"), "{fitted}");
    assert!(
        fitted.ends_with("... https://status.acme.com/i/42"),
        "{fitted}"
    );
}

#[test]
fn fitted_replaces_typographic_when_asked() {
    let template =
        Template::parse(TemplateKind::IncidentCreated, "“{{title}}” – {{message}}").unwrap();
    let values = Values::new()
        .with(Variable::Title, "API")
        .with(Variable::Message, "It’s fixed…");
    assert_eq!(
        template.render_fitted(&values, true),
        "\"API\" - It's fixed..."
    );
    assert_eq!(
        template.render_fitted(&values, false),
        "“API” – It’s fixed…"
    );
}

#[test]
fn typographic_replacement_avoids_shortening() {
    // 100 characters with one curly apostrophe: UCS-2 needs 2 segments, but
    // GSM-7 after replacement fits one.
    let message = format!("It’s {}", "x".repeat(95));
    let template = Template::parse(TemplateKind::IncidentCreated, "{{message}}").unwrap();
    let values = Values::new().with(Variable::Message, message);
    let fitted = template.render_fitted(&values, true);
    assert_eq!(fitted, format!("It's {}", "x".repeat(95)));
    // Unreplaced, the text is UCS-2 and its long word is cut to one segment.
    let unreplaced = template.render_fitted(&values, false);
    assert_eq!(count(&unreplaced).segments, 1, "{unreplaced}");
    assert!(unreplaced.starts_with("It’s xxxxxxxxxx"), "{unreplaced}");
    assert!(unreplaced.ends_with("x..."), "{unreplaced}");
}

/// A title of many words, over one GSM-7 segment on its own.
const LONG_TITLE: &str = "Elevated error rates and timeouts on the public API, the dashboard, webhooks, \
     scheduled exports, the mobile apps and the billing pages for customers in every region";

/// A message that takes several segments on its own.
const LONG_MESSAGE: &str = "We are investigating elevated error rates on the public API. Requests may fail \
     or time out. Our engineers are working with the hosting provider and will post an update within \
     30 minutes. Webhooks are queued and will be delivered once the API recovers.";

const CJK_TITLE: &str = "数据库集群故障导致所有地区的接口请求失败和严重超时";
const CJK_MESSAGE: &str = "我们正在调查公共接口错误率升高的问题。请求可能失败或超时。\
     工程师正在与托管服务商合作，将在三十分钟内发布更新。接口恢复后，排队的网络钩子将被送达。";
const EMOJI_TITLE: &str = "🔥 Datenbank-Ausfall in allen Rechenzentren der Region";

/// Renders a kind's default template fitted with `values` on top of its
/// example values, and checks what every fitted text promises: the URL and
/// the code whole, and the title's first graphemes kept within two segments.
fn check_fitted(kind: TemplateKind, overrides: &Values) -> String {
    let mut values = kind.example_values();
    for variable in Variable::ALL {
        if let Some(value) = overrides.get(variable) {
            if kind.allowed_variables().contains(&variable) {
                values.set(variable, value);
            }
        }
    }
    let template = Template::default_for(kind);
    let fitted = template.render_fitted(&values, false);
    let uses = template.variables();

    for whole in [Variable::Url, Variable::Code] {
        if let (true, Some(value)) = (uses.contains(&whole), values.get(whole)) {
            assert!(fitted.contains(value), "{}: {{{{{}}}}} cut in {fitted}", kind.name(), whole.name());
        }
    }
    assert!(count(&fitted).segments <= 2, "{}: {fitted}", kind.name());
    if let (true, Some(title)) = (uses.contains(&Variable::Title), values.get(Variable::Title)) {
        let start: String = title.graphemes(true).take(TITLE_FLOOR_GRAPHEMES).collect();
        assert!(fitted.contains(&start), "{}: title start {start:?} missing in {fitted}", kind.name());
    }
    fitted
}

#[test]
fn every_kind_fits_long_gsm_values() {
    let values = Values::new()
        .with(Variable::Title, LONG_TITLE)
        .with(Variable::Message, LONG_MESSAGE);
    for kind in TemplateKind::ALL {
        let fitted = check_fitted(kind, &values);
        let counted = count(&fitted);
        assert_eq!(counted.encoding, Encoding::Gsm7, "{}: {fitted}", kind.name());
        assert_eq!(counted.segments, 1, "{}: {fitted}", kind.name());
    }
}

#[test]
fn every_kind_keeps_cjk_title_start() {
    let values = Values::new()
        .with(Variable::Title, CJK_TITLE)
        .with(Variable::Message, CJK_MESSAGE);
    for kind in TemplateKind::ALL {
        let fitted = check_fitted(kind, &values);
        if Template::default_for(kind).variables().contains(&Variable::Title) {
            assert_eq!(count(&fitted).encoding, Encoding::Ucs2, "{}: {fitted}", kind.name());
            assert!(!fitted.contains(CJK_MESSAGE), "{}: {fitted}", kind.name());
        }
    }
}

#[test]
fn every_kind_keeps_emoji_title_start() {
    let values = Values::new()
        .with(Variable::Title, EMOJI_TITLE)
        .with(Variable::Message, LONG_MESSAGE);
    for kind in TemplateKind::ALL {
        check_fitted(kind, &values);
    }
}

#[test]
fn every_kind_keeps_long_url_and_code() {
    let url = format!("https://status.acme.com/incidents/{}", "x".repeat(90));
    let values = Values::new()
        .with(Variable::Title, LONG_TITLE)
        .with(Variable::Message, LONG_MESSAGE)
        .with(Variable::Url, url.as_str())
        .with(Variable::Code, "12345678");
    for kind in TemplateKind::ALL {
        let fitted = check_fitted(kind, &values);
        if Template::default_for(kind).variables().contains(&Variable::Url) {
            assert!(fitted.contains(&url), "{}: {fitted}", kind.name());
        }
    }
}

#[test]
fn ucs2_title_takes_second_segment_before_going() {
    let template = Template::default_for(TemplateKind::IncidentCreated);
    let values = incident_values()
        .with(Variable::Title, CJK_TITLE)
        .with(Variable::Message, CJK_MESSAGE);
    let fitted = template.render_fitted(&values, false);

    // The fixed text and the URL take 53 of the 70 units of one UCS-2
    // segment, too few for the title's first 16 characters and the
    // ellipsis, so the text takes two segments. The title fits them whole
    // and the message is cut.
    let counted = count(&fitted);
    assert_eq!(counted.segments, 2, "{fitted}");
    assert!(fitted.contains(CJK_TITLE), "{fitted}");
    assert!(fitted.ends_with("... https://status.acme.com/i/42"), "{fitted}");
}

#[test]
fn ucs2_title_cut_to_floor_in_one_segment() {
    let template = Template::parse(TemplateKind::IncidentCreated, "{{title}} {{url}}").unwrap();
    let title = "🔥 ".repeat(40);
    let values = incident_values().with(Variable::Title, title.as_str());
    let fitted = template.render_fitted(&values, false);

    assert_eq!(count(&fitted).segments, 1, "{fitted}");
    assert!(fitted.starts_with("🔥 🔥 🔥 🔥 🔥 🔥 🔥 🔥"), "{fitted}");
    assert!(fitted.ends_with("... https://status.acme.com/i/42"), "{fitted}");
}

#[test]
fn title_cut_below_floor_past_two_segments() {
    let template = Template::default_for(TemplateKind::IncidentCreated);
    // The URL's 100 units and the fixed text's 25 leave 9 of two segments'
    // 134 units: too few for the title's first 16 characters, enough for 6
    // and the ellipsis.
    let url = format!("https://status.acme.com/{}", "ж".repeat(76));
    let values = incident_values()
        .with(Variable::Title, CJK_TITLE)
        .with(Variable::Url, url.as_str());
    let fitted = template.render_fitted(&values, false);

    assert!(fitted.ends_with(&url), "{fitted}");
    assert_eq!(count(&fitted).segments, 2, "{fitted}");
    assert!(fitted.contains("Major incident: 数据库集群故..."), "{fitted}");
}

#[test]
fn title_kept_when_second_segment_holds_it() {
    let source = format!("Alert: {{{{title}}}} {}", "x".repeat(160));
    let template = Template::parse(TemplateKind::IncidentCreated, &source).unwrap();
    for replace_typographic in [false, true] {
        let fitted = template.render_fitted(&incident_values(), replace_typographic);
        assert_eq!(fitted, format!("Alert: API errors {}", "x".repeat(160)));
        assert_eq!(count(&fitted).segments, 2);
    }
}

#[test]
fn long_title_without_spaces_fills_segment() {
    let template = Template::default_for(TemplateKind::IncidentCreated);
    let title = "x".repeat(150);
    let values = incident_values().with(Variable::Title, title.as_str()).with(Variable::Message, "short");
    let fitted = template.render_fitted(&values, false);

    let counted = count(&fitted);
    assert_eq!(counted.segments, 1, "{fitted}");
    // The cut title uses the room, not just its first 16 characters.
    assert!(counted.units >= 140, "{} units: {fitted}", counted.units);
    assert!(fitted.ends_with("https://status.acme.com/i/42"), "{fitted}");
}

#[test]
fn control_characters_rejected_with_position() {
    let error = Template::parse(TemplateKind::Help, "\u{7}HELP {{page}}").unwrap_err();
    assert_eq!(error.position, 0);
    assert_eq!(error.message, "the control character U+0007 at character 1 cannot be sent in an SMS; remove it");
    assert!(Template::parse(TemplateKind::Help, "Help:\n{{page}} {{url}}").is_ok(), "line breaks are text");
}

#[test]
fn template_that_may_render_empty_rejected() {
    for (kind, source) in [
        (TemplateKind::IncidentUpdated, "{{service}}"),
        (TemplateKind::MaintenanceScheduled, " {{service}}  {{service}} "),
        (TemplateKind::IncidentCreated, "\u{200B}{{service}}\u{FEFF}"),
    ] {
        let error = Template::parse(kind, source).unwrap_err();
        assert!(error.message.contains("could produce an empty message"), "{source}: {}", error.message);
    }
    assert!(Template::parse(TemplateKind::IncidentUpdated, "{{service}}: {{status}}").is_ok());
    assert!(Template::parse(TemplateKind::IncidentUpdated, "{{title}}").is_ok());
}

#[test]
fn maintenance_templates_have_no_severity() {
    let error = Template::parse(TemplateKind::MaintenanceScheduled, "{{severity}} {{title}}").unwrap_err();
    assert!(error.message.contains("not available in maintenance_scheduled"), "{}", error.message);
}
