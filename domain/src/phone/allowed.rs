use std::fmt;

use super::PhoneNumber;

/// A number whose country is not in a page's list of allowed countries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountryNotAllowed {
    /// The number's ISO 3166-1 alpha-2 region, or `None` for numbers of no
    /// single country, such as +800 freephone numbers.
    pub region: Option<String>,
    /// The allowed regions, as the page lists them.
    pub allowed: Vec<String>,
}

impl fmt::Display for CountryNotAllowed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.region {
            Some(region) => write!(f, "Numbers from {region}")?,
            None => f.write_str("Numbers of no single country")?,
        }
        write!(
            f,
            " cannot subscribe to this page; it accepts numbers from {}.",
            self.allowed.join(", ")
        )
    }
}

impl std::error::Error for CountryNotAllowed {}

impl PhoneNumber {
    /// Checks the number's region against a list of ISO 3166-1 alpha-2
    /// codes. Numbers of no single country are rejected by any list.
    pub fn ensure_country_allowed(&self, allowed: &[String]) -> Result<(), CountryNotAllowed> {
        let region = self.region();
        if region.as_ref().is_some_and(|region| allowed.contains(region)) {
            return Ok(());
        }
        Err(CountryNotAllowed {
            region,
            allowed: allowed.to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed(codes: &[&str]) -> Vec<String> {
        codes.iter().map(|code| (*code).to_owned()).collect()
    }

    #[test]
    fn listed_region_passes() {
        let phone = PhoneNumber::parse("+447400123456").unwrap();
        assert_eq!(phone.ensure_country_allowed(&allowed(&["GB", "US"])), Ok(()));
    }

    #[test]
    fn unlisted_region_names_both() {
        let phone = PhoneNumber::parse("+447400123456").unwrap();
        let error = phone.ensure_country_allowed(&allowed(&["CA", "US"])).unwrap_err();
        assert_eq!(error.region.as_deref(), Some("GB"));
        assert_eq!(
            error.to_string(),
            "Numbers from GB cannot subscribe to this page; it accepts numbers from CA, US."
        );
    }
}
