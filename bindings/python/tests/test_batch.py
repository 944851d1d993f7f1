"""``Bundle.decide_batch`` over Arrow data: every row gets the decision
``decide`` gives it, refused rows are kept with every problem, and pandas
DataFrames go through Arrow."""

import datetime
import decimal
import json

import pytest

import bursar
from conftest import ROOT, VECTORS

pa = pytest.importorskip("pyarrow")

SAMPLE = ROOT / "policies" / "beijing" / "data" / "population-sample.csv"
BUNDLE = VECTORS / "bundles" / "2023-career-boost.bundle.json"


def categories(decision):
    names = []
    for a in decision["awards"]:
        if a["category"] not in names:
            names.append(a["category"])
    return ";".join(names) or None


@pytest.mark.parametrize("file", sorted(p.name for p in VECTORS.glob("*.json")))
def test_every_vector_decides_in_a_batch_as_alone(file):
    vectors = [v for v in json.loads((VECTORS / file).read_text(encoding="utf-8")) if "errors" not in v]
    bundle = bursar.Bundle.load(VECTORS / vectors[0]["bundle"])
    # Every row with every key: `from_pylist` takes its columns from the first.
    keys = sorted({k for v in vectors for k in v["applicant"]})
    table = pa.Table.from_pylist([{k: v["applicant"].get(k) for k in keys} for v in vectors])
    out = bundle.decide_batch(table)
    assert out.column_names == ["id", "outcome", "category", "amount", "reason"]
    assert out.schema.field("amount").type == pa.decimal128(38, 2)
    rows = out.to_pylist()
    assert len(rows) == len(vectors)
    for v, row in zip(vectors, rows):
        d = v["decision"]
        assert row["outcome"] == d["outcome"], v["name"]
        assert row["amount"] == decimal.Decimal(d["paid"]), v["name"]
        assert row["category"] == categories(d), v["name"]
        assert row["id"] == d["applicant"], v["name"]
        assert row["reason"], v["name"]


def test_refused_rows_are_kept_with_every_problem():
    table = pa.table(
        {
            "person_id": ["A", "B", "C"],
            "member_card": [True, True, None],
            "voc_level": [1, 1, 1],
            "voc_issuer": ["beijing_center"] * 3,
            "voc_issued": [datetime.date(2022, 1, 1)] * 3,
            "voc_boosted_before": [False, False, False],
            "applied_on": ["2023-04-10", "2023-02-30", "2023-02-30"],
        }
    )
    rows = bursar.Bundle.load(BUNDLE).decide_batch(table).to_pylist()
    assert [r["outcome"] for r in rows] == ["paid", "skipped", "skipped"]
    assert [r["id"] for r in rows] == ["A", "B", "C"]
    assert rows[1]["amount"] is None
    assert "applied_on" in rows[1]["reason"] and "2023-02-30" in rows[1]["reason"]
    # Both problems of the third row, not only the first.
    assert "member_card" in rows[2]["reason"] and "applied_on" in rows[2]["reason"]


def test_a_record_batch_and_a_stream_of_batches():
    rows = [{"person_id": "A", "member_card": True, "voc_level": 2, "voc_issuer": "beijing_center",
             "voc_issued": "2022-03-01", "voc_boosted_before": False, "applied_on": "2023-04-10"}]
    bundle = bursar.Bundle.load(BUNDLE)
    table = pa.Table.from_pylist(rows * 3).combine_chunks()
    batches = pa.Table.from_batches(table.to_batches(max_chunksize=1))
    for data in (table.to_batches()[0], batches):
        out = bundle.decide_batch(data).to_pylist()
        assert [r["amount"] for r in out] == [decimal.Decimal("1000.00")] * 3


def test_a_column_with_no_applicant_value_is_refused_up_front():
    table = pa.table({"person_id": ["A"], "applied_on": pa.array([0], pa.timestamp("s"))})
    with pytest.raises(TypeError) as e:
        bursar.Bundle.load(BUNDLE).decide_batch(table)
    assert "applied_on" in str(e.value)


def test_a_pandas_population_gives_the_simulation_total():
    pd = pytest.importorskip("pandas")
    # Arrow-backed columns keep integers with gaps integers (numpy's would
    # be floats, which the runtime refuses for a whole number).
    df = pd.read_csv(SAMPLE, dtype_backend="pyarrow")
    out = bursar.Bundle.load(BUNDLE).decide_batch(df).to_pandas()
    paid = out[out["outcome"] == "paid"]
    report = bursar.simulate(BUNDLE, SAMPLE)
    assert len(out) == report["rows"]
    assert len(paid) == report["paid"]
    assert sum(paid["amount"]) == decimal.Decimal(report["total"])


def test_a_polars_frame():
    pl = pytest.importorskip("polars")
    df = pl.read_csv(SAMPLE)
    out = bursar.Bundle.load(BUNDLE).decide_batch(df)
    assert out.num_rows == df.height


def test_a_batch_larger_than_one_chunk_of_outcomes_keeps_every_row_in_order():
    n = 70_000  # above the 65,536 rows held before they become a batch
    table = pa.table(
        {
            "person_id": [f"R{i}" for i in range(n)],
            "member_card": [i % 2 == 0 for i in range(n)],
            "voc_level": [1] * n,
            "voc_issuer": ["beijing_center"] * n,
            "voc_issued": [datetime.date(2022, 1, 1)] * n,
            "voc_boosted_before": [False] * n,
            "applied_on": ["2023-04-10"] * (n - 1) + ["2023-02-30"],
        }
    )
    out = bursar.Bundle.load(BUNDLE).decide_batch(table)
    assert out.num_rows == n
    assert out.column("id").to_pylist() == [f"R{i}" for i in range(n)]
    outcomes = out.column("outcome").to_pylist()
    assert outcomes[:4] == ["paid", "not_eligible", "paid", "not_eligible"]
    assert outcomes[-1] == "skipped"
    assert outcomes.count("paid") == n // 2
