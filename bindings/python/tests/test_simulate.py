"""``bursar.simulate`` gives the report ``bursar simulate --format json``
prints: the same run, through the same simulator."""

import json
import subprocess

import pytest

import bursar
from conftest import ROOT, bursar_bin

POLICY = "policies/beijing/2023-career-boost.bursar"
SAMPLE = "policies/beijing/data/population-sample.csv"


@pytest.fixture(scope="module")
def cli():
    return bursar_bin()


def cli_report(cli, *args):
    run = subprocess.run(
        [cli, "simulate", *args, "--format", "json"],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    assert run.returncode in (0, 1), run.stderr.decode()
    return json.loads(run.stdout)


@pytest.mark.parametrize(
    "policy", [POLICY, "tests/vectors/bundles/2023-career-boost.bundle.json"]
)
def test_the_2023_sample_is_reported_as_the_cli_reports_it(cli, monkeypatch, policy):
    # Relative paths, as given to the CLI: the report names its population.
    monkeypatch.chdir(ROOT)
    report = bursar.simulate(policy, SAMPLE)
    assert report == cli_report(cli, policy, "--population", SAMPLE)
    assert (report["rows"], report["paid"], report["total"]) == (24, 12, "16800.00")


def test_bad_rows_stop_the_run_or_are_skipped(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    lines = (ROOT / SAMPLE).read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    bad = lines[1].split(",")
    bad[header.index("member_card")] = "maybe"
    population = tmp_path / "bad.csv"
    population.write_text("\n".join([lines[0], ",".join(bad), *lines[2:]]) + "\n", encoding="utf-8")
    with pytest.raises(bursar.SimulationError) as e:
        bursar.simulate(POLICY, population)
    assert "member_card" in str(e.value)
    skipped = bursar.simulate(POLICY, population, on_bad_row="skip")
    assert skipped == cli_report(
        cli, POLICY, "--population", str(population), "--on-bad-row", "skip"
    )
    with pytest.raises(ValueError):
        bursar.simulate(POLICY, population, on_bad_row="ignore")


def test_a_register_is_read_with_a_column_map_and_its_encoding(cli, tmp_path, monkeypatch):
    # The sample as a Chinese register: a column renamed, saved as GBK.
    monkeypatch.chdir(ROOT)
    text = (ROOT / SAMPLE).read_text(encoding="utf-8")
    header, rest = text.split("\n", 1)
    register = tmp_path / "register.csv"
    register.write_bytes((header.replace("voc_level", "证书等级") + "\n" + rest).encode("gbk"))
    report = bursar.simulate(
        POLICY, register, map={"voc_level": "证书等级"}, encoding="gbk"
    )
    assert report == cli_report(
        cli, POLICY, "--population", str(register),
        "--map", "voc_level=证书等级", "--encoding", "gbk",
    )
    assert (report["rows"], report["paid"], report["total"]) == (24, 12, "16800.00")
    # Without the map the column is missing; without the encoding the
    # bytes are not UTF-8: both are the CLI's errors, as exceptions.
    with pytest.raises(bursar.SimulationError) as e:
        bursar.simulate(POLICY, register, encoding="gbk")
    assert "voc_level" in str(e.value)
    with pytest.raises(bursar.SimulationError) as e:
        bursar.simulate(POLICY, register, map={"voc_level": "证书等级"})
    assert "gbk" in str(e.value).lower()
    with pytest.raises(ValueError):
        bursar.simulate(POLICY, register, encoding="klingon")
