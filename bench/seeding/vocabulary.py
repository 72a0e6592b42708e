"""The benchmark world's one market and the words its generated names are made of."""

from __future__ import annotations

from partnerhub.core.regions import market_for

COUNTRY = "US"  # one market, so every provider may partner with every reseller and sell to every customer
MARKET = market_for(COUNTRY)
PHONE = "+14255550100"
USER_AGENT = "PartnerHub bench seed"
ROLES = ["account_admin", "admin_agent", "sales_agent", "helpdesk_agent", "billing_admin", "user_management_admin"]

# Words of the generated names. Each is 3–9 lowercase ASCII letters when lowered, so a domain prefix
# (adjective + noun + id) stays within the 27 characters customers' domains allow.
ADJECTIVES = [
    "Alpine", "Amber", "Atlas", "Azure", "Beacon", "Birch", "Bright", "Cedar", "Cobalt", "Coral", "Crest", "Delta",
    "Ember", "Evergreen", "Falcon", "Fjord", "Golden", "Granite", "Harbor", "Horizon", "Juniper", "Lumen", "Maple",
    "Meridian", "Nimbus", "Northwind", "Pacific", "Pinnacle", "Prairie", "Quartz", "Redwood", "Sable", "Sierra",
    "Silver", "Summit", "Tidal", "Vertex", "Willow", "Zephyr", "Orchard",
]  # fmt: skip
NOUNS = [
    "Anchor", "Arrow", "Bay", "Bridge", "Brook", "Canyon", "Castle", "Circle", "Cliff", "Cove", "Creek", "Field",
    "Forge", "Garden", "Gate", "Glen", "Grove", "Haven", "Hill", "Lake", "Lantern", "Ledge", "Mill", "Mountain",
    "Point", "Port", "Ridge", "River", "Rock", "Shore", "Spring", "Stone", "Tower", "Trail", "Valley", "View",
]  # fmt: skip
INDUSTRIES = [
    "Foods", "Logistics", "Dental", "Legal", "Builders", "Analytics", "Clinics", "Motors", "Media", "Farms",
    "Textiles", "Pharma", "Insurance", "Travel", "Studios", "Hotels", "Robotics", "Energy", "Bakery", "Fitness",
]  # fmt: skip
LEGAL_FORMS = ["Inc.", "LLC", "Corp.", "Ltd", "Group", "Partners"]
RESELLER_KINDS = ["IT Services", "Solutions", "Cloud Consulting", "Systems", "Technologies", "Networks"]
FIRST_NAMES = [
    "Adele", "Alex", "Ben", "Carla", "Diego", "Elena", "Farid", "Grace", "Hana", "Ivan", "Jonas", "Keiko", "Lena",
    "Mateo", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sam", "Tara", "Umar", "Vera", "Wei", "Yara", "Zoe",
]  # fmt: skip
LAST_NAMES = [
    "Adams", "Baker", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Haddad", "Ito", "Jensen", "Kim", "Lopez",
    "Miller", "Novak", "Okafor", "Patel", "Quist", "Rossi", "Silva", "Tanaka", "Usman", "Varga", "Weber", "Young",
]  # fmt: skip
CITIES = [
    ("Seattle", "WA", "981"), ("Portland", "OR", "972"), ("Austin", "TX", "787"), ("Denver", "CO", "802"),
    ("Chicago", "IL", "606"), ("Boston", "MA", "021"), ("Atlanta", "GA", "303"), ("Phoenix", "AZ", "850"),
    ("Columbus", "OH", "432"), ("Raleigh", "NC", "276"), ("Madison", "WI", "537"), ("Boise", "ID", "837"),
]  # fmt: skip
STREETS = ["Main", "Oak", "Pine", "Market", "Lake", "Hill", "Park", "Cedar", "Elm", "Washington", "Union", "Bay"]
SERVICES = ["technical_training", "marketing", "credit", "presales", "technical_support"]
