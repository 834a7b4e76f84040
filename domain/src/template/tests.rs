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
        Template::parse(TemplateKind::IncidentCreated, "{{ title }}|{{\ttitle\n}}").unwrap();
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
        "unknown variable {{titel}} at position 10; use one of {{title}}, {{severity}}, {{status}}, {{message}}, {{service}}, {{url}}, {{page}}"
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
            "variable {{code}} at position 5 is not available in incident_created templates"
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
        "unclosed {{ at position 6; close the placeholder with }}"
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
        "stray }} at position 4; remove it or open a placeholder with {{"
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
fn fitted_never_cuts_url() {
    let template = Template::default_for(TemplateKind::IncidentCreated);
    let url = format!("https://status.acme.com/incidents/{}", "a".repeat(150));
    let values = incident_values().with(Variable::Url, url.as_str());
    let fitted = template.render_fitted(&values, false);

    assert!(fitted.ends_with(&url), "{fitted}");
    assert_eq!(fitted, format!("[Acme] Major incident: . {url}"));
    assert_eq!(count(&fitted).segments, 2);
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
    let unreplaced = template.render_fitted(&values, false);
    assert_eq!(unreplaced, "It’s...");
}
