"""Synthetic English news stories for the streaming and Kafka tests: distinct articles (no
near-duplicates of each other), each with events, reproducible from a number."""

from __future__ import annotations

import random

LEADERS = [
    "Maria Lindqvist", "Tomas Herrera", "Aiko Tanaka", "Kwame Mensah", "Elena Petrova",
    "Rahul Desai", "Sofia Marquez", "Jonas Weber", "Amina Diallo", "Liam O'Connor",
    "Yusuf Demir", "Chen Wei", "Ingrid Solberg", "Pedro Alves", "Nadia Karimi", "Oliver Grant",
]  # fmt: skip
COUNTRIES = [
    "Norway", "Chile", "Japan", "Ghana", "Ukraine", "India", "Mexico", "Germany", "Senegal",
    "Ireland", "Turkey", "China", "Brazil", "Kenya", "Canada", "Poland", "Egypt", "Peru",
]  # fmt: skip
CITIES = [
    "Oslo", "Santiago", "Osaka", "Accra", "Kyiv", "Mumbai", "Monterrey", "Hamburg", "Dakar",
    "Cork", "Izmir", "Wuhan", "Recife", "Mombasa", "Calgary", "Gdansk", "Cairo", "Lima",
]  # fmt: skip
TOPICS = [
    "fishing rights", "grain exports", "border security", "energy prices", "refugee returns",
    "water sharing", "rail links", "vaccine supplies", "mining licences", "port fees",
]  # fmt: skip
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
SENTENCES = [
    "{a}, the foreign minister of {x}, met {b} in {city} on {day} to discuss {topic}.",
    "The government of {x} accused {y} of breaking the agreement on {topic} near {city}.",
    "{a} said that {x} would send emergency aid to {y} after the floods around {city}.",
    "Officials in {y} rejected the proposal from {x} on {topic} during talks in {city}.",
    "{b} urged {x} to release the detained reporters from {y} before {day}.",
    "Thousands of protesters marched through {city} on {day} to demand new elections in {y}.",
    "{x} and {y} signed a deal on {topic} in {city} after weeks of negotiations.",
    "Police in {city} arrested {n} people after clashes between demonstrators and police.",
    "{a} praised {b} for the work of {y} on {topic} at a summit in {city}.",
    "Troops from {x} attacked positions held by rebels near {city} on {day}, witnesses said.",
]


def make_article(number: int) -> dict:
    """A distinct English story (no near-duplicate of another) with events in it."""
    r = random.Random(number)
    a, b = r.sample(LEADERS, 2)
    x, y = r.sample(COUNTRIES, 2)
    words = {"a": a, "b": b, "x": x, "y": y}
    text = " ".join(
        s.format(
            **words,
            city=r.choice(CITIES),
            day=r.choice(DAYS),
            topic=r.choice(TOPICS),
            n=r.randint(5, 90),
        )
        for s in r.sample(SENTENCES, 5)
    )
    return {"article_id": f"fault-{number}", "title": f"{x} and {y}", "text": text}
