"""Print phone_examples.tsv: libphonenumber's answers for its own example numbers.

Every example number of every type for every region is written in
INTERNATIONAL format and, where the region has a national prefix, as
"+code (prefix)number". Each input gets the result Kodo must return, with
the same rules as phone_numbers.tsv: Unicode compatibility normalisation, a
leading 00 read as +, and rejection of missing country codes, extensions,
invalid numbers and types that cannot receive SMS.

Use the phonenumbers release whose metadata version matches the one the
`phonenumber` crate ships (the part after "+" in its version), for example:

    pip install phonenumbers==9.0.33
    python generate_phone_examples.py > phone_examples.tsv
"""

import unicodedata

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

TYPE_NAMES = {
    PhoneNumberType.FIXED_LINE: "fixed_line",
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed_line_or_mobile",
    PhoneNumberType.TOLL_FREE: "toll_free",
    PhoneNumberType.PREMIUM_RATE: "premium_rate",
    PhoneNumberType.SHARED_COST: "shared_cost",
    PhoneNumberType.VOIP: "voip",
    PhoneNumberType.PERSONAL_NUMBER: "personal_number",
    PhoneNumberType.PAGER: "pager",
    PhoneNumberType.UAN: "uan",
    PhoneNumberType.VOICEMAIL: "voicemail",
}

NOT_SMS_CAPABLE = {
    PhoneNumberType.FIXED_LINE,
    PhoneNumberType.TOLL_FREE,
    PhoneNumberType.PREMIUM_RATE,
    PhoneNumberType.SHARED_COST,
    PhoneNumberType.UAN,
    PhoneNumberType.VOICEMAIL,
}


def expected(text):
    """Return (E.164 or "reject", region or reason, INTERNATIONAL format or "-")."""
    text = unicodedata.normalize("NFKC", text).strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    if not text.startswith("+"):
        return ("reject", "missing country code", "-")
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return ("reject", "invalid number", "-")
    if number.extension:
        return ("reject", "extension", "-")
    if not phonenumbers.is_valid_number(number):
        return ("reject", "invalid number", "-")
    number_type = phonenumbers.number_type(number)
    if number_type in NOT_SMS_CAPABLE:
        return ("reject", "not an SMS-capable type: " + TYPE_NAMES[number_type], "-")
    return (
        phonenumbers.format_number(number, PhoneNumberFormat.E164),
        phonenumbers.region_code_for_number(number),
        phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL),
    )


def inputs():
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
        for number_type in TYPE_NAMES:
            example = phonenumbers.example_number_for_type(region, number_type)
            if example is None:
                continue
            yield phonenumbers.format_number(example, PhoneNumberFormat.INTERNATIONAL)
            if metadata.national_prefix:
                national = phonenumbers.national_significant_number(example)
                yield "+%d (%s)%s" % (example.country_code, metadata.national_prefix, national)
    for code in sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS):
        example = phonenumbers.example_number_for_non_geo_entity(code)
        if example is not None:
            yield phonenumbers.format_number(example, PhoneNumberFormat.INTERNATIONAL)


def main():
    print("# input\texpected (E.164 or reject)\tregion, or reason for rejecting\tINTERNATIONAL format")
    seen = set()
    for text in inputs():
        if text in seen:
            continue
        seen.add(text)
        print("\t".join((text,) + expected(text)))


if __name__ == "__main__":
    main()
