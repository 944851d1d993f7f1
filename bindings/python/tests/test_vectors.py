"""The shared test vectors (tests/vectors/, written from the Rust CLI): every
applicant must get, through the Python package, exactly the decision,
explanation or refusal that ``bursar eval`` and ``bursar explain`` give."""

import datetime
import decimal
import json
import re

import pytest

import bursar
from conftest import ROOT, VECTORS

FILES = sorted(p.name for p in VECTORS.glob("*.json"))
BUNDLES = sorted(p.name for p in (VECTORS / "bundles").glob("*.bundle.json"))


def as_json(value):
    """A decision back in the JSON's terms: money and dates as their text."""
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


MONEY = re.compile(r"^-?[0-9]+\.[0-9]{2}$")
DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def strings_left(value, path=""):
    """Strings of a converted decision that read like money or a date: the
    binding converts by key, so any of these is a key it missed."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from strings_left(v, f"{path}/{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from strings_left(v, f"{path}/{i}")
    elif isinstance(value, str) and (MONEY.match(value) or DATE.match(value)):
        yield path, value


def load(file):
    vectors = json.loads((VECTORS / file).read_text(encoding="utf-8"))
    assert vectors, file
    return vectors


def test_there_are_vectors_for_the_2023_scheme_and_the_examples():
    assert "2023-career-boost.json" in FILES
    assert len(FILES) >= 10, FILES


@pytest.mark.parametrize("file", FILES)
def test_vectors(file):
    bundles = {}
    for v in load(file):
        if v["bundle"] not in bundles:
            bundles[v["bundle"]] = bursar.Bundle.load(VECTORS / v["bundle"])
        bundle = bundles[v["bundle"]]
        assert bundle.hash == v["bundle_hash"], v["name"]
        if "errors" in v:
            for call in (bundle.decide, bundle.explain):
                with pytest.raises(bursar.InputError) as e:
                    call(v["applicant"])
                assert e.value.problems == v["errors"], v["name"]
        else:
            decision = bundle.decide(v["applicant"])
            assert as_json(decision) == v["decision"], v["name"]
            assert list(strings_left(decision)) == [], v["name"]
            assert isinstance(decision["paid"], decimal.Decimal)
            assert bundle.explain(v["applicant"]) == v["explanation"], v["name"]


def typed(applicant, schema):
    """The applicant with Python's types where its schema says date or amount."""
    out = dict(applicant)
    for name, value in applicant.items():
        prop = schema["properties"].get(name, {})
        kinds = prop.get("anyOf", [prop])
        if not isinstance(value, str):
            continue
        if any(k.get("format") == "date" for k in kinds):
            out[name] = datetime.date.fromisoformat(value)
        elif any(k.get("description") == "an exact amount" for k in kinds):
            out[name] = decimal.Decimal(value)
    return out


@pytest.mark.parametrize("file", FILES)
def test_dates_and_decimals_decide_as_their_text(file):
    for v in load(file):
        if "errors" in v:
            continue
        bundle = bursar.Bundle.load(VECTORS / v["bundle"])
        applicant = typed(v["applicant"], bundle.input_schema())
        assert as_json(bundle.decide(applicant)) == v["decision"], v["name"]


def test_the_typed_applicants_hold_dates_and_decimals():
    seen = set()
    for file in ("2023-career-boost.json", "household-rebate.json"):
        for v in (v for v in load(file) if "errors" not in v):
            schema = bursar.Bundle.load(VECTORS / v["bundle"]).input_schema()
            seen |= {type(x) for x in typed(v["applicant"], schema).values()}
    assert {datetime.date, decimal.Decimal} <= seen


@pytest.mark.parametrize("file", BUNDLES)
def test_input_schema_is_the_one_compile_writes(file):
    bundle = bursar.Bundle.load(VECTORS / "bundles" / file)
    schema = json.loads(
        (VECTORS / "bundles" / file.replace(".bundle.json", ".schema.json")).read_text(
            encoding="utf-8"
        )
    )
    assert bundle.input_schema() == schema


@pytest.mark.parametrize("file", FILES)
def test_the_policy_compiles_to_the_vectors_bundle(file):
    v = load(file)[0]
    assert bursar.Bundle.from_policy(ROOT / v["policy"]).hash == v["bundle_hash"]
