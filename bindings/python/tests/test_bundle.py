"""Loading schemes, the types of a decision, and refusals with every problem."""

import datetime
import decimal

import pytest

import bursar
from conftest import ROOT, VECTORS

POLICY = ROOT / "policies" / "beijing" / "2023-career-boost.bursar"
BUNDLE = VECTORS / "bundles" / "2023-career-boost.bundle.json"

E01 = {
    "person_id": "E01",
    "member_card": True,
    "voc_level": 1,
    "voc_issuer": "beijing_center",
    "voc_issued": datetime.date(2022, 1, 1),
    "voc_boosted_before": False,
    "applied_on": "2023-04-10",
}


def test_a_bundle_and_its_policy_are_one_scheme():
    loaded = bursar.Bundle.load(BUNDLE)
    compiled = bursar.Bundle.from_policy(str(POLICY))
    assert loaded.id == compiled.id == "beijing_career_boost_2023"
    assert loaded.hash == compiled.hash
    assert loaded.hash.startswith("sha256:")
    assert loaded.decide(E01) == compiled.decide(E01)
    assert "beijing_career_boost_2023" in repr(loaded)
    assert loaded.identifier == "person_id"


def test_money_is_decimal_and_dates_are_dates():
    d = bursar.Bundle.load(BUNDLE).decide(E01)
    assert d["outcome"] == "paid"
    assert d["paid"] == decimal.Decimal("2000.00")
    assert isinstance(d["paid"], decimal.Decimal)
    assert d["awards"][0]["amount"] == decimal.Decimal("2000.00")
    assert d["categories"]["vocational"]["amount"] == decimal.Decimal("2000.00")
    assert d["categories"]["contest"]["amount"] is None
    assert d["application"]["received"] == datetime.date(2023, 4, 10)
    assert d["application"]["deadline"] == datetime.date(2023, 10, 31)
    assert all(isinstance(x, datetime.date) for x in d["schedule"].values())
    assert d["schedule"]


def test_explain_gives_every_condition():
    e = bursar.Bundle.load(BUNDLE).explain(E01)
    assert e["outcome"] == "paid"
    vocational = next(c for c in e["categories"] if c["name"] == "vocational")
    assert vocational["eligible"] is True
    assert all(line["status"] == "pass" for line in vocational["conditions"])


def test_every_problem_is_carried():
    b = bursar.Bundle.load(BUNDLE)
    with pytest.raises(bursar.InputError) as e:
        b.decide(
            {
                "person_id": "R2",
                "member_card": "yes",
                "voc_levle": 1,
                "voc_boosted_before": False,
                "applied_on": object(),
            }
        )
    assert isinstance(e.value, ValueError)
    fields = [p["field"] for p in e.value.problems]
    # The runtime's problems, then the value with no JSON form (reported
    # once: not also as missing).
    assert fields == ["member_card", "voc_levle", "applied_on"]
    assert e.value.problems[2]["pointer"] == "/applied_on"
    assert "object" in e.value.problems[2]["message"]
    assert "voc_levle" in str(e.value)


def test_a_datetime_is_not_taken_for_its_date():
    with pytest.raises(bursar.InputError) as e:
        bursar.Bundle.load(BUNDLE).decide(
            {**E01, "applied_on": datetime.datetime(2023, 4, 10, 9, 30)}
        )
    assert [p["field"] for p in e.value.problems] == ["applied_on"]


def test_an_applicant_is_a_dict():
    with pytest.raises(bursar.InputError) as e:
        bursar.Bundle.load(BUNDLE).decide(["E01"])
    assert e.value.problems[0]["pointer"] == ""


def test_a_tampered_bundle_is_refused(tmp_path):
    text = BUNDLE.read_text(encoding="utf-8").replace("2000.00", "2100.00", 1)
    path = tmp_path / "tampered.bundle.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(bursar.BundleError) as e:
        bursar.Bundle.load(path)
    assert "hash" in str(e.value)
    assert len(e.value.problems) == 1


def test_a_policy_with_errors_raises_every_diagnostic(tmp_path):
    source = POLICY.read_text(encoding="utf-8")
    broken = source.replace("voc_level", "voc_levle", 2)
    assert broken != source
    path = tmp_path / "broken.bursar"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(bursar.BundleError) as e:
        bursar.Bundle.from_policy(path)
    assert len(e.value.problems) >= 1
    assert all("error" in p for p in e.value.problems)


def test_a_missing_file_is_an_os_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        bursar.Bundle.load(tmp_path / "none.bundle.json")
