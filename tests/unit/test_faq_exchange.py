"""The knowledge base as YAML and CSV: an export imported again is the same knowledge base
(entries, and the categories with their names and order) and exports to the same bytes; a
file that cannot be trained on is refused with every problem and where it is."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faq.exchange import from_csv, parse, write
from faq.knowledge_base import ExchangeError, KnowledgeBase, TopicFacts
from faq.model import LANGUAGES, Category, FaqEntryData
from faq.seed import load_knowledge_base


def ordered(entries: list[FaqEntryData]) -> list[FaqEntryData]:
    """Entries in a fixed order (the formats write them in different ones)."""
    return sorted(entries, key=lambda e: (e.slug, e.language))


def assert_round_trip(knowledge_base: KnowledgeBase, file_format: str) -> None:
    exported = write(knowledge_base, file_format)
    imported = parse(exported, file_format)
    assert ordered(imported.entries) == ordered(knowledge_base.entries)
    assert imported.topics() == knowledge_base.topics()  # owners, review dates, enabled
    assert imported.categories == knowledge_base.categories
    assert write(imported, file_format) == exported  # the same bytes again


@pytest.mark.parametrize("file_format", ["yaml", "csv"])
def test_the_demo_knowledge_base_goes_round_exactly(file_format: str) -> None:
    shipped = load_knowledge_base()
    assert len(shipped.categories) == 10
    assert_round_trip(shipped, file_format)


# Words as people type them: umlauts, quotes, commas, semicolons, emoji, a "#" and a ":".
_WORD = (
    st.text(
        alphabet=st.sampled_from(
            list("abcdefghijkmnopqrstuvwxyzäöüßÄÖÜ€%&'\",;:#*-—–• 0123456789🙂")
        ),
        min_size=1,
        max_size=12,
    )
    .map(str.strip)
    .filter(bool)
)
_LINE = st.lists(_WORD, min_size=1, max_size=6).map(" ".join)
_ANSWER = st.lists(_LINE, min_size=1, max_size=4).map("\n".join)
_SLUG = st.from_regex(r"[a-z][a-z0-9_]{2,20}", fullmatch=True)


_NAME = _LINE.map(lambda name: name[:24].strip()).filter(bool)


@st.composite
def knowledge_bases(draw: st.DrawFn) -> KnowledgeBase:
    """Random topics in one or both languages, in categories named in the languages their
    topics have (a CSV carries a category's name in its topics' rows)."""
    slugs = draw(st.lists(_SLUG, min_size=1, max_size=5, unique=True))
    category_slugs = draw(st.lists(_SLUG, min_size=1, max_size=3, unique=True))
    entries = []
    spoken: dict[str, set[str]] = {}
    for slug in slugs:
        category = draw(st.sampled_from(category_slugs))
        for language in draw(st.sampled_from([("de",), ("en",), ("de", "en")])):
            spoken.setdefault(category, set()).add(language)
            entries.append(
                FaqEntryData(
                    slug=slug,
                    language=language,
                    category=category,
                    question=draw(_LINE),
                    answer=draw(_ANSWER),
                    examples=tuple(draw(st.lists(_LINE, min_size=2, max_size=5))),
                )
            )
    used = [slug for slug in category_slugs if slug in spoken]  # a CSV has rows for these
    categories = [
        Category(slug, {lang: draw(_NAME) for lang in LANGUAGES if lang in spoken[slug]}, index)
        for index, slug in enumerate(used)
    ]
    facts = {
        slug: TopicFacts(
            draw(st.one_of(st.just(""), _NAME)),
            draw(st.one_of(st.none(), st.dates(date(2020, 1, 1), date(2030, 12, 31)))),
            draw(st.booleans()),
        )
        for slug in slugs
    }
    return KnowledgeBase(entries, categories, {s: f for s, f in facts.items() if f != TopicFacts()})


@settings(max_examples=150, deadline=None)
@given(knowledge_bases())
def test_any_knowledge_base_survives_both_formats(knowledge_base: KnowledgeBase) -> None:
    for file_format in ("yaml", "csv"):
        assert_round_trip(knowledge_base, file_format)


def test_a_csv_from_excel_with_a_bom_and_other_column_order_is_read() -> None:
    text = (
        "\ufeffquestion;x".replace(";x", "")
        + ",slug,language,category,answer,examples\n"
        + 'Versand?,shipping_costs,de,shipping,"6,90 € netto","versand\nporto"\n'
    )
    [entry] = from_csv(text).entries
    assert (entry.slug, entry.answer, entry.examples) == (
        "shipping_costs",
        "6,90 € netto",
        ("versand", "porto"),
    )


def test_every_problem_is_named_with_its_place_and_nothing_is_returned() -> None:
    text = (
        "slug,category,language,question,answer,examples\n"
        "Bad Slug,x,fr,,,one\n"
        'returns,returns,de,Rückgabe?,Geht.,"a\nb"\n'
        'returns,other,en,Returns?,Fine.,"a\nb"\n'
        'returns,returns,de,Nochmal?,Doppelt.,"a\nb"\n'
    )
    with pytest.raises(ExchangeError) as refused:
        from_csv(text)
    problems = refused.value.problems
    assert "line 2, Bad Slug (fr): the language must be de or en" in problems
    assert any(p.startswith("line 2,") and "two example phrasings" in p for p in problems)
    assert any(p.startswith("line 5,") and "another category" in p for p in problems)
    assert any(p.startswith("line 7,") and "appears twice" in p for p in problems)


@pytest.mark.parametrize(
    "text",
    ["entries: 3", "- just a list", "entries:\n  - slug: x\n", "{not yaml", "entries:\n- 5\n"],
)
def test_a_yaml_file_of_the_wrong_shape_is_refused_not_a_crash(text: str) -> None:
    with pytest.raises(ExchangeError):
        parse(text, "yaml")


def test_a_csv_without_the_columns_is_refused() -> None:
    with pytest.raises(ExchangeError) as refused:
        from_csv("Frage,Antwort\nWas?,Das.\n")
    assert "the header lacks the columns" in refused.value.problems[0]


def test_a_file_without_categories_or_category_names_is_still_read() -> None:
    text = (
        "entries:\n  - slug: returns\n    category: returns\n    de:\n      question: Rückgabe?\n"
    )
    text += "      answer: Geht.\n      examples: [rückgabe, zurückschicken]\n"
    assert parse(text, "yaml").categories == []
    csv_text = 'slug,category,language,question,answer,examples\nreturns,returns,de,R?,A.,"a\nb"\n'
    assert parse(csv_text, "csv").categories == [Category("returns", {}, 0)]


def test_bad_categories_are_named_with_their_place() -> None:
    text = "categories:\n  - slug: Bad Key\n  - slug: ok\n    de: " + "x" * 25 + "\n  - slug: ok\n"
    text += "entries: []\n"
    with pytest.raises(ExchangeError) as refused:
        parse(text, "yaml")
    problems = refused.value.problems
    assert any(p.startswith("category 1:") and "2-32 lower-case" in p for p in problems)
    assert any(p.startswith("category 2:") and "at most 24" in p for p in problems)
    assert any(p.startswith("category 3:") and "appears twice" in p for p in problems)
    csv_text = "slug,category,language,question,answer,examples,category_name\n"
    csv_text += 'a1,c1,de,Q?,A.,"a\nb",Eins\nb1,c1,de,Q?,A.,"a\nb",Zwei\n'
    with pytest.raises(ExchangeError) as refused:
        parse(csv_text, "csv")
    assert any("another name for c1" in p for p in refused.value.problems)


def test_a_topics_owner_review_date_and_enabled_travel_with_it() -> None:
    text = (
        "entries:\n  - slug: returns\n    category: returns\n    owner: Team Süd\n"
        "    last_reviewed: 2026-11-30\n    enabled: false\n    de:\n      question: R?\n"
        "      answer: A.\n      examples: [rückgabe, zurückschicken]\n"
    )
    parsed = parse(text, "yaml")
    content = parsed.topics()["returns"]
    assert (content.owner, content.last_reviewed, content.enabled) == (
        "Team Süd",
        date(2026, 11, 30),
        False,
    )
    assert parsed.answered() == [], "a disabled topic is kept, not answered"
    csv_text = write(parsed, "csv")
    assert csv_text.rstrip().endswith(",Team Süd,2026-11-30,false")
    assert parse(csv_text, "csv").topics() == parsed.topics()


def test_malformed_or_contradicting_facts_are_named() -> None:
    header = "slug,category,language,question,answer,examples,owner,last_reviewed,enabled\n"
    rows = 'a1,c1,de,Q?,A.,"a\nb",Team,30.11.2026,vielleicht\n'
    rows += 'a1,c1,en,Q?,A.,"a\nb",Other team,,true\n'
    with pytest.raises(ExchangeError) as refused:
        parse(header + rows, "csv")
    problems = refused.value.problems
    assert any(p.startswith("line 2:") and "a date like" in p for p in problems)
    assert any(p.startswith("line 2:") and "true or false" in p for p in problems)
    assert any(p.startswith("line 4:") and "other owner" in p for p in problems)  # 2 lines a row
