//! When a message may go: quiet hours in a subscriber's time zone, and the
//! time zone itself.

use chrono::{DateTime, Duration, LocalResult, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// A daily window in the subscriber's local time during which non-critical
/// messages wait. A window whose start is after its end crosses midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

/// Quiet hours as the API sends and shows them, such as
/// `{"start": "22:00", "end": "07:00"}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct QuietHoursText {
    pub start: String,
    pub end: String,
}

impl QuietHours {
    /// Parses `HH:MM` times, naming `quiet_hours.start` or
    /// `quiet_hours.end` in an error.
    pub fn parse(text: &QuietHoursText) -> Result<QuietHours> {
        let start = parse_time("quiet_hours.start", "Quiet hours start", &text.start)?;
        let end = parse_time("quiet_hours.end", "Quiet hours end", &text.end)?;
        if start == end {
            return Err(Error::invalid(
                "quiet_hours.end",
                "Quiet hours start and end at the same time; give an end different from the start, \
                 or turn quiet hours off (null in the API).",
            ));
        }
        Ok(QuietHours { start, end })
    }

    pub fn to_text(self) -> QuietHoursText {
        QuietHoursText {
            start: self.start.format("%H:%M").to_string(),
            end: self.end.format("%H:%M").to_string(),
        }
    }

    fn contains(self, time: NaiveTime) -> bool {
        if self.start < self.end {
            self.start <= time && time < self.end
        } else {
            time >= self.start || time < self.end
        }
    }

    /// Returns when a message due at `due` may go to a subscriber in
    /// `zone`: `due` itself, or the end of the quiet hours it falls in.
    ///
    /// An end that falls in a daylight-saving gap moves to the first local
    /// time after the gap. An end that occurs twice, when clocks go back,
    /// is the first occurrence after `due`.
    pub fn release_at(self, due: DateTime<Utc>, zone: Tz) -> DateTime<Utc> {
        let local = due.with_timezone(&zone).naive_local();
        if !self.contains(local.time()) {
            return due;
        }
        let mut end_date = local.date();
        if self.start > self.end && local.time() >= self.start {
            end_date = end_date.succ_opt().unwrap_or(end_date);
        }
        first_instant_at_or_after(zone, end_date.and_time(self.end), due).unwrap_or(due)
    }
}

/// Returns the earliest instant after `after` whose local time in `zone` is
/// `local`, or the first valid local time after it when `local` falls in a
/// daylight-saving gap.
fn first_instant_at_or_after(
    zone: Tz,
    local: NaiveDateTime,
    after: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    // The longest gap in the tz database is one skipped day (Pacific/Apia
    // on 2011-12-30), so a day of minutes reaches a valid local time.
    for minutes in 0..=24 * 60 {
        let candidate = local + Duration::minutes(minutes);
        let instants: Vec<DateTime<Utc>> = match zone.from_local_datetime(&candidate) {
            LocalResult::Single(instant) => vec![instant.with_timezone(&Utc)],
            LocalResult::Ambiguous(first, second) => {
                vec![first.with_timezone(&Utc), second.with_timezone(&Utc)]
            }
            LocalResult::None => continue,
        };
        return instants.into_iter().find(|instant| *instant > after);
    }
    None
}

fn parse_time(field: &str, label: &str, text: &str) -> Result<NaiveTime> {
    NaiveTime::parse_from_str(text.trim(), "%H:%M").map_err(|_| {
        Error::invalid(
            field,
            format!("{label} {text:?} is not a time; write it as HH:MM in 24-hour form, such as 22:00."),
        )
    })
}

/// Parses an IANA time zone name such as `America/New_York`.
pub fn parse_time_zone(field: &str, name: &str) -> Result<Tz> {
    name.trim().parse::<Tz>().map_err(|_| {
        Error::invalid(
            field,
            format!("{field} {name:?} is not a known time zone; use an IANA name such as America/New_York."),
        )
    })
}

/// Parses a local date and time as an HTML `datetime-local` input sends it
/// (`2026-06-03T22:00`, seconds optional) in `zone`. An error reports
/// `field` and starts its message with `label`, the name the form shows.
///
/// A time that occurs twice, when clocks go back, is the first occurrence.
/// A time skipped when clocks go forward is rejected.
pub fn parse_local_time(field: &str, label: &str, text: &str, zone: Tz) -> Result<DateTime<Utc>> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Error::invalid(field, format!("{label} is missing; give a date and time.")));
    }
    let local = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| {
            Error::invalid(
                field,
                format!("{label} {text:?} is not a date and time; write it as YYYY-MM-DDTHH:MM, such as 2026-06-03T22:00."),
            )
        })?;
    match zone.from_local_datetime(&local) {
        LocalResult::Single(time) | LocalResult::Ambiguous(time, _) => Ok(time.with_timezone(&Utc)),
        LocalResult::None => Err(Error::invalid(
            field,
            format!("{label} {text} does not exist in {zone}, because clocks skip it; pick a time an hour later."),
        )),
    }
}

/// Formats a time for an HTML `datetime-local` input in `zone`, such as
/// `2026-06-03T22:00`.
pub fn format_local_input(time: DateTime<Utc>, zone: Tz) -> String {
    time.with_timezone(&zone).format("%Y-%m-%dT%H:%M").to_string()
}

/// Returns a stored time zone name as a zone; an unknown name, which
/// sign-up never stores, counts as UTC.
pub fn stored_time_zone(name: &str) -> Tz {
    name.parse().unwrap_or(Tz::UTC)
}

/// Guesses a subscriber's time zone from their number's region (ISO 3166
/// country code), for sign-ups that do not send one.
///
/// NOTE: a country that spans several zones gets the zone where most of its
/// people live, such as America/New_York for the US, so the guess is
/// wrong for part of them. Other regions get the first zone the tz database
/// lists for them (`region_zones`), and numbers of no region get UTC.
pub fn guess_time_zone(region: Option<&str>) -> Tz {
    let name = match region.unwrap_or("") {
        "US" => "America/New_York",
        "CA" => "America/Toronto",
        "MX" => "America/Mexico_City",
        "BR" => "America/Sao_Paulo",
        "AR" => "America/Argentina/Buenos_Aires",
        "CL" => "America/Santiago",
        "CO" => "America/Bogota",
        "PE" => "America/Lima",
        "GB" => "Europe/London",
        "IE" => "Europe/Dublin",
        "PT" => "Europe/Lisbon",
        "ES" => "Europe/Madrid",
        "FR" => "Europe/Paris",
        "BE" => "Europe/Brussels",
        "NL" => "Europe/Amsterdam",
        "LU" => "Europe/Luxembourg",
        "DE" => "Europe/Berlin",
        "CH" => "Europe/Zurich",
        "AT" => "Europe/Vienna",
        "IT" => "Europe/Rome",
        "DK" => "Europe/Copenhagen",
        "NO" => "Europe/Oslo",
        "SE" => "Europe/Stockholm",
        "FI" => "Europe/Helsinki",
        "PL" => "Europe/Warsaw",
        "CZ" => "Europe/Prague",
        "HU" => "Europe/Budapest",
        "RO" => "Europe/Bucharest",
        "GR" => "Europe/Athens",
        "TR" => "Europe/Istanbul",
        "UA" => "Europe/Kyiv",
        "RU" => "Europe/Moscow",
        "IL" => "Asia/Jerusalem",
        "AE" => "Asia/Dubai",
        "SA" => "Asia/Riyadh",
        "EG" => "Africa/Cairo",
        "NG" => "Africa/Lagos",
        "KE" => "Africa/Nairobi",
        "ZA" => "Africa/Johannesburg",
        "IN" => "Asia/Kolkata",
        "PK" => "Asia/Karachi",
        "BD" => "Asia/Dhaka",
        "TH" => "Asia/Bangkok",
        "VN" => "Asia/Ho_Chi_Minh",
        "ID" => "Asia/Jakarta",
        "MY" => "Asia/Kuala_Lumpur",
        "SG" => "Asia/Singapore",
        "PH" => "Asia/Manila",
        "CN" => "Asia/Shanghai",
        "HK" => "Asia/Hong_Kong",
        "TW" => "Asia/Taipei",
        "KR" => "Asia/Seoul",
        "JP" => "Asia/Tokyo",
        "AU" => "Australia/Sydney",
        "NZ" => "Pacific/Auckland",
        other => crate::region_zones::FIRST_ZONE_BY_REGION
            .binary_search_by_key(&other, |(region, _)| region)
            .map_or("UTC", |index| crate::region_zones::FIRST_ZONE_BY_REGION[index].1),
    };
    name.parse().unwrap_or(Tz::UTC)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hours(start: &str, end: &str) -> QuietHours {
        QuietHours::parse(&QuietHoursText {
            start: start.to_owned(),
            end: end.to_owned(),
        })
        .unwrap()
    }

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    const NEW_YORK: Tz = chrono_tz::America::New_York;

    #[test]
    fn every_region_zone_is_known() {
        let zones = crate::region_zones::FIRST_ZONE_BY_REGION;
        assert!(zones.windows(2).all(|pair| pair[0].0 < pair[1].0), "sorted by region");
        for (region, zone) in zones {
            assert!(zone.parse::<Tz>().is_ok(), "{region}: {zone}");
            assert_eq!(guess_time_zone(Some(region)).name(), *zone, "{region}");
        }
    }

    #[test]
    fn crown_dependencies_get_their_zones() {
        assert_eq!(guess_time_zone(Some("GG")), chrono_tz::Europe::Guernsey);
        assert_eq!(guess_time_zone(Some("JE")), chrono_tz::Europe::Jersey);
        assert_eq!(guess_time_zone(Some("GB")), chrono_tz::Europe::London);
        assert_eq!(guess_time_zone(None), Tz::UTC);
    }

    #[test]
    fn outside_window_goes_at_once() {
        let due = utc("2026-06-10T18:00:00Z"); // 14:00 in New York
        assert_eq!(hours("22:00", "07:00").release_at(due, NEW_YORK), due);
    }

    #[test]
    fn window_before_midnight_ends_next_morning() {
        let due = utc("2026-06-11T03:30:00Z"); // 23:30 EDT on June 10
        assert_eq!(
            hours("22:00", "07:00").release_at(due, NEW_YORK),
            utc("2026-06-11T11:00:00Z") // 07:00 EDT on June 11
        );
    }

    #[test]
    fn window_after_midnight_ends_same_morning() {
        let due = utc("2026-06-11T06:00:00Z"); // 02:00 EDT on June 11
        assert_eq!(
            hours("22:00", "07:00").release_at(due, NEW_YORK),
            utc("2026-06-11T11:00:00Z")
        );
    }

    #[test]
    fn window_end_is_exclusive() {
        let due = utc("2026-06-11T11:00:00Z"); // 07:00 EDT
        assert_eq!(hours("22:00", "07:00").release_at(due, NEW_YORK), due);
    }

    #[test]
    fn daytime_window_does_not_cross_midnight() {
        let window = hours("12:00", "14:00");
        let lunch = utc("2026-06-10T16:30:00Z"); // 12:30 EDT
        assert_eq!(window.release_at(lunch, NEW_YORK), utc("2026-06-10T18:00:00Z"));
        let night = utc("2026-06-11T03:30:00Z"); // 23:30 EDT
        assert_eq!(window.release_at(night, NEW_YORK), night);
    }

    #[test]
    fn spring_forward_night_ends_at_local_seven() {
        // Clocks go from 02:00 EST to 03:00 EDT on 2026-03-08, so the night
        // is an hour shorter and 07:00 is already EDT (UTC-4).
        let due = utc("2026-03-08T04:00:00Z"); // 23:00 EST on March 7
        assert_eq!(
            hours("22:00", "07:00").release_at(due, NEW_YORK),
            utc("2026-03-08T11:00:00Z")
        );
    }

    #[test]
    fn end_in_spring_gap_moves_past_it() {
        // 02:30 does not exist on 2026-03-08 in New York.
        let due = utc("2026-03-08T06:00:00Z"); // 01:00 EST
        assert_eq!(
            hours("22:00", "02:30").release_at(due, NEW_YORK),
            utc("2026-03-08T07:00:00Z") // 03:00 EDT
        );
    }

    #[test]
    fn fall_back_night_ends_at_local_seven() {
        // Clocks go from 02:00 EDT back to 01:00 EST on 2026-11-01, so 07:00
        // is EST (UTC-5).
        let due = utc("2026-11-01T03:00:00Z"); // 23:00 EDT on October 31
        assert_eq!(
            hours("22:00", "07:00").release_at(due, NEW_YORK),
            utc("2026-11-01T12:00:00Z")
        );
    }

    #[test]
    fn repeated_end_is_first_occurrence_after_due() {
        // 01:30 happens twice on 2026-11-01: at 05:30 UTC (EDT) and at
        // 06:30 UTC (EST).
        let window = hours("22:00", "01:30");
        let before_first = utc("2026-11-01T05:00:00Z"); // 01:00 EDT
        assert_eq!(window.release_at(before_first, NEW_YORK), utc("2026-11-01T05:30:00Z"));
        let between = utc("2026-11-01T06:10:00Z"); // 01:10 EST, the second pass
        assert_eq!(window.release_at(between, NEW_YORK), utc("2026-11-01T06:30:00Z"));
    }

    #[test]
    fn times_must_be_hh_mm_and_differ() {
        let text = |start: &str, end: &str| QuietHoursText {
            start: start.to_owned(),
            end: end.to_owned(),
        };
        let error = QuietHours::parse(&text("10pm", "07:00")).unwrap_err();
        assert_eq!(error.field(), Some("quiet_hours.start"));
        let error = QuietHours::parse(&text("22:00", "24:00")).unwrap_err();
        assert_eq!(error.field(), Some("quiet_hours.end"));
        let error = QuietHours::parse(&text("22:00", "22:00")).unwrap_err();
        assert_eq!(error.field(), Some("quiet_hours.end"));
        assert_eq!(hours("22:00", "7:05").to_text(), text("22:00", "07:05"));
    }

    #[test]
    fn time_zone_names_are_checked() {
        assert_eq!(parse_time_zone("time_zone", "Europe/Berlin").unwrap(), chrono_tz::Europe::Berlin);
        let error = parse_time_zone("time_zone", "Mars/Olympus").unwrap_err();
        assert_eq!(error.field(), Some("time_zone"));
    }

    #[test]
    fn guess_uses_region_or_utc() {
        assert_eq!(guess_time_zone(Some("DE")), chrono_tz::Europe::Berlin);
        assert_eq!(guess_time_zone(Some("US")), NEW_YORK);
        assert_eq!(guess_time_zone(Some("ZZ")), Tz::UTC);
        assert_eq!(guess_time_zone(None), Tz::UTC);
    }

    #[test]
    fn local_time_parsed_in_zone() {
        let time = parse_local_time("starts_at", "Start", "2026-06-03T22:00", NEW_YORK).unwrap();
        assert_eq!(time, utc("2026-06-04T02:00:00Z"));
        let with_seconds = parse_local_time("starts_at", "Start", "2026-06-03T22:00:30", Tz::UTC).unwrap();
        assert_eq!(with_seconds, utc("2026-06-03T22:00:30Z"));
        assert_eq!(format_local_input(time, NEW_YORK), "2026-06-03T22:00");
    }

    #[test]
    fn local_time_in_spring_gap_rejected() {
        let error = parse_local_time("starts_at", "Start", "2026-03-08T02:30", NEW_YORK).unwrap_err();
        assert_eq!(error.field(), Some("starts_at"));
        assert!(error.to_string().contains("does not exist in America/New_York"), "{error}");
    }

    #[test]
    fn repeated_local_time_is_first() {
        let time = parse_local_time("ends_at", "End", "2026-11-01T01:30", NEW_YORK).unwrap();
        assert_eq!(time, utc("2026-11-01T05:30:00Z"));
    }

    #[test]
    fn local_time_needs_date_and_time() {
        for text in ["", "2026-06-03", "tomorrow", "2026-13-01T10:00"] {
            let error = parse_local_time("ends_at", "End", text, NEW_YORK).unwrap_err();
            assert_eq!(error.field(), Some("ends_at"), "{text:?}");
            assert!(error.to_string().starts_with("End "), "the form's name leads: {error}");
        }
    }
}
