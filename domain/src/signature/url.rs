//! The two URL forms Twilio's validator tries: with and without a port.

/// Returns the URL with an explicit port and the URL without one.
///
/// A URL without a port gets the scheme's default port. A URL with a port
/// keeps it in the first form and loses it in the second, whatever the
/// port is, as in Twilio's validator. Text that is not an absolute URL is
/// returned unchanged in both forms.
pub(super) fn url_port_variants(url: &str) -> (String, String) {
    let Some((scheme, rest)) = url.split_once("://") else {
        return (url.to_owned(), url.to_owned());
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let host_start = authority.rfind('@').map_or(0, |at| at + 1);
    let (user_info, host_port) = authority.split_at(host_start);

    match split_port(host_port) {
        Some((host, _port)) => (
            url.to_owned(),
            format!("{scheme}://{user_info}{host}{path}"),
        ),
        None => {
            let default_port = if scheme.eq_ignore_ascii_case("https") {
                443
            } else {
                80
            };
            let with_port = format!("{scheme}://{user_info}{host_port}:{default_port}{path}");
            (with_port, url.to_owned())
        }
    }
}

/// Splits `host:port` into host and port, or returns `None` when there is
/// no port. A colon inside an IPv6 literal such as `[::1]` is no port.
fn split_port(host_port: &str) -> Option<(&str, &str)> {
    let colon = host_port.rfind(':')?;
    let (host, port) = (&host_port[..colon], &host_port[colon + 1..]);
    let is_port = !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit());
    let inside_brackets = host.starts_with('[') && !host.ends_with(']');
    (is_port && !inside_brackets).then_some((host, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_port_added_when_missing() {
        assert_eq!(
            url_port_variants("https://example.com/sms?a=1"),
            (
                "https://example.com:443/sms?a=1".to_owned(),
                "https://example.com/sms?a=1".to_owned()
            )
        );
        assert_eq!(
            url_port_variants("http://example.com"),
            (
                "http://example.com:80".to_owned(),
                "http://example.com".to_owned()
            )
        );
    }

    #[test]
    fn explicit_port_removed() {
        assert_eq!(
            url_port_variants("https://user:pw@example.com:8443/sms"),
            (
                "https://user:pw@example.com:8443/sms".to_owned(),
                "https://user:pw@example.com/sms".to_owned()
            )
        );
    }

    #[test]
    fn ipv6_host_without_port() {
        assert_eq!(
            url_port_variants("http://[::1]/sms"),
            (
                "http://[::1]:80/sms".to_owned(),
                "http://[::1]/sms".to_owned()
            )
        );
    }
}
