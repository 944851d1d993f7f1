"""A scheme over a population too large for one machine: Spark reads the
population, every partition is decided by ``Bundle.decide_batch`` (the same
runtime as ``bursar simulate``, on Arrow batches through ``mapInArrow``), and
Spark adds up what is paid, per category.

    python spark_simulate.py BUNDLE POPULATION.csv [--master local[2]]

prints the totals as JSON: rows, paid, total, and per category the persons
paid and the amount. On a cluster, install the ``bursar`` wheel on every
executor and give ``--master`` (or run it with ``spark-submit``); the
bundle is shipped to the executors with the job (docs/scale.md).
"""

import argparse
import decimal
import json
import os

from pyspark import SparkFiles
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

import bursar

#: What ``decide_batch`` returns, as Spark types.
OUTCOMES = T.StructType(
    [
        T.StructField("id", T.StringType()),
        T.StructField("outcome", T.StringType(), nullable=False),
        T.StructField("category", T.StringType()),
        T.StructField("amount", T.DecimalType(38, 2)),
        T.StructField("reason", T.StringType(), nullable=False),
    ]
)


def population_schema(bundle, columns):
    """The population's Spark schema, its columns in the file's order, from
    the applicant's JSON Schema: dates as dates, whole numbers as longs,
    yes/no as booleans, amounts and everything else as text for the runtime
    to read (a column that is no field is read as text, and not used)."""
    properties = bundle.input_schema()["properties"]
    fields = []
    for name in columns:
        prop = properties.get(name, {})
        kinds = prop.get("anyOf", [prop])
        if any(k.get("format") == "date" for k in kinds):
            ty = T.DateType()
        elif any(k.get("type") == "integer" for k in kinds):
            ty = T.LongType()
        elif any(k.get("type") == "boolean" for k in kinds):
            ty = T.BooleanType()
        else:
            ty = T.StringType()
        fields.append(T.StructField(name, ty))
    return T.StructType(fields)


def decide(bundle_name):
    """The function ``mapInArrow`` runs on each partition: the bundle loaded
    once per task, each Arrow batch decided."""

    def run(batches):
        bundle = bursar.Bundle.load(SparkFiles.get(bundle_name))
        for batch in batches:
            yield from bundle.decide_batch(batch).to_batches()

    return run


def simulate(spark, bundle_path, population, partitions=None):
    """Rows, persons paid and the total, in all and per category;
    ``partitions``: spread the rows over that many tasks first."""
    bundle = bursar.Bundle.load(bundle_path)
    spark.sparkContext.addFile(os.path.abspath(bundle_path))
    # FAILFAST: a cell Spark cannot read stops the job, as a bad row stops
    # `bursar simulate`; PERMISSIVE would make it null without a word.
    # A CSV schema goes by position: the header says which column is which.
    columns = spark.read.csv(str(population), header=True).columns
    rows = spark.read.csv(
        str(population),
        header=True,
        schema=population_schema(bundle, columns),
        mode="FAILFAST",
    )
    if bundle.identifier:
        # A person listed twice would be paid twice: `bursar simulate`
        # stops at a repeated identifier, and so does this job.
        repeated = (
            rows.groupBy(bundle.identifier).count().filter(F.col("count") > 1).limit(5).collect()
        )
        if repeated:
            names = ", ".join(f"`{r[bundle.identifier]}`" for r in repeated)
            raise ValueError(f"`{bundle.identifier}` repeated in the population: {names}")
    if partitions:
        rows = rows.repartition(partitions)
    outcomes = rows.mapInArrow(decide(os.path.basename(bundle_path)), OUTCOMES)
    by = (
        outcomes.groupBy("outcome", "category")
        .agg(F.count(F.lit(1)).alias("persons"), F.sum("amount").alias("amount"))
        .collect()
    )
    paid = [r for r in by if r["outcome"] == "paid"]
    skipped = sum(r["persons"] for r in by if r["outcome"] == "skipped")
    return {
        "rows": sum(r["persons"] for r in by),
        "skipped": skipped,
        "paid": sum(r["persons"] for r in paid),
        "total": str(sum((r["amount"] for r in paid), decimal.Decimal("0.00"))),
        "by_category": {
            r["category"]: {"paid": r["persons"], "total": str(r["amount"])}
            for r in sorted(paid, key=lambda r: r["category"])
        },
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle")
    parser.add_argument("population")
    parser.add_argument("--master", default="local[*]")
    parser.add_argument("--partitions", type=int, help="spread the rows over this many tasks")
    args = parser.parse_args()
    spark = SparkSession.builder.master(args.master).appName("bursar").getOrCreate()
    try:
        print(json.dumps(simulate(spark, args.bundle, args.population, args.partitions), indent=2))
    finally:
        spark.stop()


if __name__ == "__main__":
    main()
