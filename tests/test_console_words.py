"""Every stored value the workbench shows has words in both languages: statuses, the audit log's
actions, objects and actors (a new one without words would show raw on an officer's page)."""

from __future__ import annotations

import re
from pathlib import Path

from api.console import messages
from api.console.render import ENV
from geo.vocab import StationStatus
from membership.vocab import ApplicationStatus
from membership.worker_requests.vocab import Category, Outcome, RequestAction, RequestStatus
from officers.requestwork import Handling

ROOT = Path(__file__).resolve().parents[1]
# the first two strings of a call: its action and object type
RECORDED = re.compile(r'audit\.record\([^"]*?"([a-z_]+)",\s*"([a-z_]+)"')


def recorded() -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for package in ("api", "officers", "membership", "visits", "yizhan", "seed"):
        for path in (ROOT / package).rglob("*.py"):
            found |= set(RECORDED.findall(path.read_text(encoding="utf-8")))
    # an officer's handling of a request is audited under its action's name
    return found | {(a.value, "request") for a in Handling}


def test_every_audited_action_and_object_has_words() -> None:
    pairs = recorded()
    assert ("withdraw", "application") in pairs and ("read", "request") in pairs  # it finds them
    for action, kind in pairs:
        assert action in messages.AUDIT_ACTION, action
        assert kind in messages.AUDIT_OBJECT, kind


def test_statuses_and_actors_are_words_in_both_languages() -> None:
    for status in ApplicationStatus:
        assert status.value in messages.STATUS
    for station in StationStatus:
        assert station.value in messages.STATION_STATUS
    for lang in ("zh", "en"):
        for name in ("applicant", "worker", "public"):
            assert messages.word(lang, "actor", name) != name or (lang == "en" and name == "applicant")


def test_every_word_of_requests_is_said_in_both_languages() -> None:
    for vocabulary, values in (("category", Category), ("outcome", Outcome),
                               ("request_status", RequestStatus),
                               ("request_event", RequestAction), ("request_action", Handling)):
        for value in values:
            zh, en = (messages.word(lang, vocabulary, value.value) for lang in ("zh", "en"))
            assert value.value not in (zh, en), (vocabulary, value)
            assert zh != en


def test_a_missing_value_is_never_printed_as_none() -> None:
    assert ENV.from_string("{{ x }}").render(x=None) == "—"
