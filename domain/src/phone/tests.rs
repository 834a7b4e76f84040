use super::*;

fn parse(input: &str) -> PhoneNumber {
    match PhoneNumber::parse(input) {
        Ok(number) => number,
        Err(error) => panic!("{input:?} was rejected: {error}"),
    }
}

#[test]
fn e164_and_parts() {
    let number = parse("+1 (415) 555-2671");
    assert_eq!(number.as_str(), "+14155552671");
    assert_eq!(number.to_string(), "+14155552671");
    assert_eq!(number.country_calling_code(), 1);
    assert_eq!(number.region().as_deref(), Some("US"));
}

#[test]
fn international_format() {
    assert_eq!(parse("+14155552671").international(), "+1 415-555-2671");
    assert_eq!(parse("+447911123456").international(), "+44 7911 123456");
    assert_eq!(parse("+33612345678").international(), "+33 6 12 34 56 78");
}

#[test]
fn masked_keeps_country_code_and_last_two() {
    assert_eq!(parse("+447911123456").masked(), "+44********56");
    assert_eq!(parse("+14155552671").masked(), "+1********71");
}

#[test]
fn trunk_prefix_in_parentheses_stripped() {
    assert_eq!(parse("+44 (0)7911 123456").as_str(), "+447911123456");
}

#[test]
fn italian_mobile_accepted_and_fixed_line_rejected() {
    assert_eq!(parse("+39 312 345 6789").as_str(), "+393123456789");
    assert_eq!(
        PhoneNumber::parse("+39 02 1234 5678"),
        Err(PhoneError::NotMobile {
            kind: NonMobileType::FixedLine
        })
    );
}

#[test]
fn non_geographic_number_has_no_region() {
    let number = parse("+882 34 21234");
    assert_eq!(number.country_calling_code(), 882);
    assert_eq!(number.region(), None);
}

#[test]
fn overlong_input_rejected() {
    let input = format!("+1 {}", "5".repeat(300));
    assert_eq!(PhoneNumber::parse(&input), Err(PhoneError::Invalid));
}

#[test]
fn error_messages_name_fix() {
    assert_eq!(
        PhoneError::MissingCountryCode.to_string(),
        "The phone number has no country code. Add the country code, starting with + (for example +1 for the US or +44 for the UK)."
    );
    assert_eq!(
        PhoneError::NotMobile {
            kind: NonMobileType::TollFree
        }
        .to_string(),
        "The phone number is a toll-free number, which cannot receive text messages. Enter a mobile number."
    );
}

#[test]
fn from_str_parses() {
    let number: PhoneNumber = "+33 6 12 34 56 78".parse().unwrap();
    assert_eq!(number.as_str(), "+33612345678");
    assert_eq!(
        "nope".parse::<PhoneNumber>(),
        Err(PhoneError::MissingCountryCode)
    );
}

#[test]
fn serde_round_trip_as_e164() {
    let number = parse("+44 7911 123456");
    let json = serde_json::to_string(&number).unwrap();
    assert_eq!(json, "\"+447911123456\"");
    let back: PhoneNumber = serde_json::from_str(&json).unwrap();
    assert_eq!(back, number);
}

#[test]
fn deserialize_rejects_invalid() {
    let error = serde_json::from_str::<PhoneNumber>("\"+44 20 7946 0958\"").unwrap_err();
    assert!(error.to_string().contains("fixed-line"), "{error}");
    assert!(serde_json::from_str::<PhoneNumber>("\"12345\"").is_err());
}

#[test]
fn trusted_value_kept_as_is() {
    let number = PhoneNumber::from_e164_trusted("+447911123456".to_owned());
    assert_eq!(number.region().as_deref(), Some("GG"));
    assert_eq!(number.international(), "+44 7911 123456");

    let garbage = PhoneNumber::from_e164_trusted("not a number".to_owned());
    assert_eq!(garbage.as_str(), "not a number");
    assert_eq!(garbage.country_calling_code(), 0);
    assert_eq!(garbage.region(), None);
    assert_eq!(garbage.international(), "not a number");
}

#[test]
fn country_calling_codes_sorted_by_region() {
    let codes = country_calling_codes();
    assert!(codes.windows(2).all(|pair| pair[0].0 < pair[1].0));
    assert!(codes.contains(&("US".to_owned(), 1)));
    assert!(codes.contains(&("CA".to_owned(), 1)));
    assert!(codes.contains(&("GB".to_owned(), 44)));
    assert!(codes.iter().all(|(region, _)| region.len() == 2));
    assert!(codes.len() > 200, "{} regions", codes.len());
}
