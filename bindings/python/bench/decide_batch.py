"""How fast ``Bundle.decide_batch`` decides, for docs/scale.md.

    python bench/decide_batch.py BUNDLE POPULATION.csv [--rounds 5]

Reads the population once with pyarrow (timed apart), then decides it
``--rounds`` times and prints each round's rows per second and the median.
Build the package with ``maturin develop --release`` first: a debug build
is many times slower. Not a test: times are not asserted anywhere.
"""

import argparse
import statistics
import time

import pyarrow.csv

import bursar


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle")
    parser.add_argument("population")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    bundle = bursar.Bundle.load(args.bundle)
    started = time.perf_counter()
    table = pyarrow.csv.read_csv(args.population)
    read = time.perf_counter() - started
    print(f"read {table.num_rows:,} rows with pyarrow in {read:.2f} s")
    rates = []
    for _ in range(args.rounds):
        started = time.perf_counter()
        out = bundle.decide_batch(table)
        seconds = time.perf_counter() - started
        assert out.num_rows == table.num_rows
        rates.append(table.num_rows / seconds)
        print(f"decided in {seconds:.2f} s: {rates[-1]:,.0f} rows/s")
    print(f"median {statistics.median(rates):,.0f} rows/s over {args.rounds} rounds")


if __name__ == "__main__":
    main()
