"""Opening hours in words (geo.hours.in_words), against the opening_hours parser: whatever it
accepts is shown without raising, in words without a raw token left, or as written."""

from __future__ import annotations

import re

import opening_hours
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.hours import in_words

RAW_TOKEN = re.compile(r"\b(Mo|Tu|We|Th|Fr|Sa|Su|PH|SH|off|Jan|Mar|sunrise|sunset|week)\b"
                       r"|\d-\d|/|\"")


@pytest.mark.parametrize(("raw", "zh", "en"), [
    ("Mo-Fr 09:00-17:00; PH off", "周一至周五 09:00–17:00，法定节假日休息",
     "Mon–Fri 09:00–17:00; closed on public holidays"),
    ("24/7", "24 小时开放", "Open 24 hours"),
    ("Mo-Su 00:00-24:00", "24 小时开放", "Open 24 hours"),
    ("08:00-20:00", "每天 08:00–20:00", "Daily 08:00–20:00"),
    ("Mo,We 08:00-12:00,13:00-18:00", "周一、周三 08:00–12:00、13:00–18:00",
     "Mon, Wed 08:00–12:00, 13:00–18:00"),
    ("Mo-Fr 09:00-17:00; Sa 10:00-14:00; Su,PH off",
     "周一至周五 09:00–17:00，周六 10:00–14:00，周日、法定节假日休息",
     "Mon–Fri 09:00–17:00; Sat 10:00–14:00; closed on Sun, public holidays"),
    ("Sa 00:00-24:00", "周六 24 小时开放", "Sat open 24 hours"),
    ("Jan-Mar Mo 10:00-12:00", "Jan-Mar Mo 10:00-12:00", "Jan-Mar Mo 10:00-12:00"),
    ("sunrise-sunset", "sunrise-sunset", "sunrise-sunset"),
])
def test_common_hours_in_words(raw: str, zh: str, en: str) -> None:
    assert in_words(raw, "zh") == zh and in_words(raw, "en") == en


DAY = st.sampled_from(["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"])
DAYS = st.one_of(DAY, st.tuples(DAY, DAY).map("-".join), st.just("PH"), st.just("SH"))
TIME = st.tuples(st.integers(0, 24), st.sampled_from([0, 30])).map(lambda t: f"{t[0]:02}:{t[1]:02}")
SPAN = st.one_of(st.tuples(TIME, TIME).map("-".join), st.just("sunrise-sunset"),
                 st.builds(lambda t: t + "+", TIME))
RULE = st.builds(
    lambda month, days, times, modifier: " ".join(p for p in (month, days, times, modifier) if p),
    st.sampled_from(["", "", "", "Jan-Mar", "week 01-10"]),
    st.one_of(st.just(""), st.lists(DAYS, min_size=1, max_size=3).map(",".join)),
    st.one_of(st.just(""), st.lists(SPAN, min_size=1, max_size=3).map(",".join)),
    st.sampled_from(["", "", "off", "closed", "open", '"ring the bell"']))
EXPRESSION = st.one_of(st.just("24/7"), st.lists(RULE, min_size=1, max_size=4).map("; ".join))


@settings(max_examples=400, deadline=None)
@given(EXPRESSION, st.sampled_from(["zh", "en"]))
def test_any_parsed_hours_are_words_or_as_written(expression: str, lang: str) -> None:
    try:
        opening_hours.OpeningHours(expression)
    except Exception:  # the parser is the oracle: only what it accepts is ever stored
        return
    said = in_words(expression, lang)
    if said != expression.strip():
        assert not RAW_TOKEN.search(said), (expression, said)
        for clock in re.findall(r"\d\d:\d\d", expression):  # no time is lost
            assert clock in said or clock in ("00:00", "24:00"), (expression, said)
