"""The knowledge base as YAML and CSV: an export imported again is the same knowledge base and
exports to the same bytes; a file that cannot be trained on is refused with every problem and
where it is."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faq.exchange import ExchangeError, from_csv, from_yaml, parse, to_csv, to_yaml
from faq.model import FaqEntryData
from faq.seed import load_faq_file


def ordered(entries: list[FaqEntryData]) -> list[FaqEntryData]:
    """Entries in the order exports write them."""
    return sorted(entries, key=lambda e: (e.slug, e.language))


@pytest.mark.parametrize(("write", "read"), [(to_yaml, from_yaml), (to_csv, from_csv)])
def test_the_demo_knowledge_base_goes_round_exactly(
    write: Callable[[list[FaqEntryData]], str], read: Callable[[str], list[FaqEntryData]]
) -> None:
    entries = load_faq_file()
    exported = write(entries)
    assert ordered(read(exported)) == ordered(entries)
    assert write(read(exported)) == exported  # the same bytes again


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


@st.composite
def knowledge_bases(draw: st.DrawFn) -> list[FaqEntryData]:
    """Random topics in one or both languages."""
    slugs = draw(st.lists(_SLUG, min_size=1, max_size=5, unique=True))
    entries = []
    for slug in slugs:
        category = draw(_SLUG)
        for language in draw(st.sampled_from([("de",), ("en",), ("de", "en")])):
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
    return entries


@settings(max_examples=150, deadline=None)
@given(knowledge_bases())
def test_any_knowledge_base_survives_both_formats(entries: list[FaqEntryData]) -> None:
    for write, read in ((to_yaml, from_yaml), (to_csv, from_csv)):
        exported = write(entries)
        assert ordered(read(exported)) == ordered(entries)
        assert write(read(exported)) == exported


def test_a_csv_from_excel_with_a_bom_and_other_column_order_is_read() -> None:
    text = (
        "\ufeffquestion;x".replace(";x", "")
        + ",slug,language,category,answer,examples\n"
        + 'Versand?,shipping_costs,de,shipping,"6,90 € netto","versand\nporto"\n'
    )
    [entry] = from_csv(text)
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
