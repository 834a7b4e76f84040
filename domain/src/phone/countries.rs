use phonenumber::metadata::DATABASE;

use super::rules::NON_GEOGRAPHIC_REGION;

/// Lists every region with its country calling code, sorted by region, for a
/// country picker.
///
/// Regions are ISO 3166-1 alpha-2 codes from libphonenumber's metadata, such
/// as `("GB", 44)`. Several regions can share a code (the US and Canada both
/// use 1). Non-geographic codes such as +800 are left out.
pub fn country_calling_codes() -> Vec<(String, u16)> {
    let mut codes: Vec<(String, u16)> = DATABASE
        .iter()
        .filter(|metadata| metadata.id() != NON_GEOGRAPHIC_REGION)
        .map(|metadata| (metadata.id().to_owned(), metadata.country_code()))
        .collect();
    codes.sort();
    codes
}
