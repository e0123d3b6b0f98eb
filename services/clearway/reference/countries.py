"""Country names as written in the sanctions lists -> ISO 3166-1 alpha-2.

Screening compares a party's country with the listed countries, so the lists' free-text names
(OFAC "Korea, North", UN "Iran (Islamic Republic of)", BIS codes) are mapped to one code system.
The table holds the names that occur in the lists plus common short forms; an unknown name maps
to None and is left out rather than guessed. Kosovo uses the widely adopted user-assigned XK.
"""

from __future__ import annotations

_NAMES: dict[str, str] = {
    "afghanistan": "AF", "albania": "AL", "algeria": "DZ", "angola": "AO",
    "argentina": "AR", "armenia": "AM", "aruba": "AW", "australia": "AU", "austria": "AT",
    "azerbaijan": "AZ", "bahamas": "BS", "bahamas, the": "BS", "bahrain": "BH",
    "bangladesh": "BD", "barbados": "BB", "belarus": "BY", "belgium": "BE", "belize": "BZ",
    "benin": "BJ", "bolivia": "BO", "bosnia and herzegovina": "BA", "brazil": "BR",
    "british virgin islands": "VG", "virgin islands, british": "VG", "brunei": "BN",
    "bulgaria": "BG", "burkina faso": "BF", "burma": "MM", "myanmar": "MM", "burundi": "BI",
    "cabo verde": "CV", "cape verde": "CV", "cambodia": "KH", "cameroon": "CM",
    "canada": "CA", "cayman islands": "KY", "central african republic": "CF", "chad": "TD",
    "chile": "CL", "china": "CN", "colombia": "CO", "comoros": "KM",
    "congo": "CG", "congo, republic of the": "CG",
    "congo, democratic republic of the": "CD", "democratic republic of the congo": "CD",
    "costa rica": "CR", "cote d ivoire": "CI", "cote d'ivoire": "CI", "côte d'ivoire": "CI",
    "croatia": "HR", "cuba": "CU", "cyprus": "CY", "czech republic": "CZ", "czechia": "CZ",
    "denmark": "DK", "dominica": "DM", "dominican republic": "DO", "ecuador": "EC",
    "egypt": "EG", "el salvador": "SV", "equatorial guinea": "GQ", "eritrea": "ER",
    "ethiopia": "ET", "finland": "FI", "france": "FR", "gabon": "GA", "gambia": "GM",
    "the gambia": "GM", "georgia": "GE", "germany": "DE", "ghana": "GH", "gibraltar": "GI",
    "greece": "GR", "guatemala": "GT", "guernsey": "GG", "guinea": "GN",
    "guinea-bissau": "GW", "guyana": "GY", "haiti": "HT", "honduras": "HN",
    "hong kong": "HK", "china, hong kong special administrative region": "HK",
    "india": "IN", "indonesia": "ID", "iran": "IR", "iran (islamic republic of)": "IR",
    "iraq": "IQ", "ireland": "IE", "isle of man": "IM", "man, isle of": "IM", "israel": "IL",
    "italy": "IT", "jamaica": "JM", "japan": "JP", "jersey": "JE", "jordan": "JO",
    "kazakhstan": "KZ", "kenya": "KE", "korea, north": "KP", "north korea": "KP",
    "democratic people's republic of korea": "KP", "korea, south": "KR",
    "south korea": "KR", "republic of korea": "KR", "kosovo": "XK", "kuwait": "KW",
    "kyrgyzstan": "KG", "laos": "LA", "latvia": "LV", "lebanon": "LB", "liberia": "LR",
    "libya": "LY", "liechtenstein": "LI", "lithuania": "LT", "luxembourg": "LU",
    "macau": "MO", "macao": "MO", "macedonia, the former yugoslav republic of": "MK",
    "north macedonia": "MK", "malaysia": "MY", "maldives": "MV", "mali": "ML",
    "malta": "MT", "marshall islands": "MH", "mauritania": "MR", "mexico": "MX",
    "moldova": "MD", "mongolia": "MN", "montenegro": "ME", "morocco": "MA",
    "mozambique": "MZ", "namibia": "NA", "netherlands": "NL", "new zealand": "NZ",
    "nicaragua": "NI", "niger": "NE", "nigeria": "NG", "norway": "NO", "oman": "OM",
    "pakistan": "PK", "palau": "PW", "palestinian": "PS", "state of palestine": "PS",
    "west bank": "PS", "region: gaza": "PS", "panama": "PA", "paraguay": "PY",
    "peru": "PE", "philippines": "PH", "poland": "PL", "portugal": "PT", "qatar": "QA",
    "region: crimea": "UA", "region: northern mali": "ML", "romania": "RO",
    "russia": "RU", "russian federation": "RU", "rwanda": "RW",
    "saint kitts and nevis": "KN", "st. kitts & nevis": "KN",
    "saint vincent and the grenadines": "VC", "st. vincent and the grenadines": "VC",
    "samoa": "WS", "saudi arabia": "SA", "senegal": "SN", "serbia": "RS",
    "seychelles": "SC", "sierra leone": "SL", "singapore": "SG", "slovakia": "SK",
    "slovenia": "SI", "somalia": "SO", "south africa": "ZA", "south sudan": "SS",
    "spain": "ES", "sri lanka": "LK", "sudan": "SD", "sweden": "SE", "switzerland": "CH",
    "syria": "SY", "syrian arab republic": "SY", "taiwan": "TW", "tajikistan": "TJ",
    "tanzania": "TZ", "united republic of tanzania": "TZ", "thailand": "TH", "togo": "TG",
    "trinidad and tobago": "TT", "tunisia": "TN", "turkey": "TR", "türkiye": "TR",
    "turkmenistan": "TM", "uganda": "UG", "ukraine": "UA", "united arab emirates": "AE",
    "united kingdom": "GB", "united kingdom of great britain and northern ireland": "GB",
    "united states": "US", "united states of america": "US", "uruguay": "UY",
    "uzbekistan": "UZ", "vanuatu": "VU", "venezuela": "VE", "vietnam": "VN",
    "viet nam": "VN", "yemen": "YE", "zimbabwe": "ZW",
}

#: Codes other than ISO alpha-2 that occur where a code is expected (BIS uses PRC for China).
_CODE_ALIASES = {"PRC": "CN", "UK": "GB"}

KNOWN_CODES = frozenset(_NAMES.values())


def country_code(name: str) -> str | None:
    """ISO alpha-2 code for a country name or code as written in a list, or None if unknown."""
    key = " ".join(name.split())
    if not key:
        return None
    if key in _CODE_ALIASES:
        return _CODE_ALIASES[key]
    if key in KNOWN_CODES:  # codes only in capitals: the UN list writes "na" for not available
        return key
    return _NAMES.get(key.casefold())
