"""The Spark example (examples/spark_simulate.py) in local mode: its totals
over a generated population equal ``bursar simulate``'s on the same rows.
Needs pyspark and Java 17; skipped without pyspark."""

import importlib.util
import subprocess
import sys

import pytest

import bursar
from conftest import ROOT, VECTORS, bursar_bin

pytest.importorskip("pyspark")

BUNDLE = VECTORS / "bundles" / "2023-career-boost.bundle.json"
EXAMPLE = ROOT / "bindings" / "python" / "examples" / "spark_simulate.py"


def example():
    spec = importlib.util.spec_from_file_location("spark_simulate", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_spark_totals_equal_the_simulation(tmp_path, monkeypatch):
    from pyspark.sql import SparkSession

    # The workers run this interpreter, which has `bursar` installed.
    monkeypatch.setenv("PYSPARK_PYTHON", sys.executable)

    population = tmp_path / "population.csv"
    subprocess.run(
        [bursar_bin(), "synth", "--rows", "5000", "--seed", "17", "-o", str(population)],
        check=True,
    )
    report = bursar.simulate(BUNDLE, population)
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("bursar-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    try:
        # Several partitions, so that more than one task decides.
        totals = example().simulate(spark, str(BUNDLE), population, partitions=3)
    finally:
        spark.stop()
    assert totals["rows"] == report["rows"] == 5000
    assert totals["skipped"] == 0
    assert (totals["paid"], totals["total"]) == (report["paid"], report["total"])
    assert totals["paid"] > 0
    assert totals["by_category"] == {
        name: {"paid": c["paid"], "total": c["total"]}
        for name, c in report["by_category"].items()
        if c["paid"] > 0
    }


def test_a_repeated_identifier_stops_the_job(tmp_path, monkeypatch):
    from pyspark.sql import SparkSession

    monkeypatch.setenv("PYSPARK_PYTHON", sys.executable)
    sample = (ROOT / "policies" / "beijing" / "data" / "population-sample.csv").read_text(
        encoding="utf-8"
    )
    lines = sample.splitlines()
    population = tmp_path / "twice.csv"
    population.write_text("\n".join(lines + lines[2:3]) + "\n", encoding="utf-8")
    spark = SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false").getOrCreate()
    try:
        with pytest.raises(ValueError) as e:
            example().simulate(spark, str(BUNDLE), population)
    finally:
        spark.stop()
    assert "person_id" in str(e.value) and lines[2].split(",")[0] in str(e.value)
