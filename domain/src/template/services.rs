/// Maximum service names [`service_list`] writes out before it counts the
/// rest.
const MAX_LISTED_SERVICES: usize = 2;

/// Joins affected service names for the `{{service}}` variable, keeping SMS
/// short: `""` for none, `API` for one, `API, Dashboard` for two, and
/// `API, Dashboard +2 more` for four.
pub fn service_list(names: &[&str]) -> String {
    let listed = names.len().min(MAX_LISTED_SERVICES);
    let mut text = names[..listed].join(", ");
    let more = names.len() - listed;
    if more > 0 {
        text.push_str(&format!(" +{more} more"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_list_by_count() {
        assert_eq!(service_list(&[]), "");
        assert_eq!(service_list(&["API"]), "API");
        assert_eq!(service_list(&["API", "Dashboard"]), "API, Dashboard");
        assert_eq!(
            service_list(&["API", "Dashboard", "Billing"]),
            "API, Dashboard +1 more"
        );
        assert_eq!(
            service_list(&["API", "Dashboard", "Billing", "Email"]),
            "API, Dashboard +2 more"
        );
    }
}
