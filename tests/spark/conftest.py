"""Fixtures for the Spark tests: one local[2] Spark session on loopback, and a small policy
compiled from .sla text. Run by `make test-spark`; `make test` leaves this folder out.

pyspark is imported at module level on purpose: without it these tests fail (collection error),
they never skip — `make test-spark` installs it.
"""

from __future__ import annotations

import os
import sys
import warnings

import pyspark  # noqa: F401 - a missing pyspark must fail `make test-spark`, not skip it
import pytest

import slalang

from spark_kit import POLICY


@pytest.fixture(scope="session")
def spark():
    """Spark in local mode with two cores, bound to 127.0.0.1, no UI, the venv's Python as the
    workers' Python, a session time zone that is not UTC (so that instants must be carried as
    instants), several input partitions and several Arrow batches per partition."""
    from pyspark.sql import SparkSession

    os.environ["PYSPARK_PYTHON"] = sys.executable          # workers run this venv (pyarrow, slalang)
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
    session = (SparkSession.builder
               .master("local[2]")
               .appName("slalang-tests")
               .config("spark.driver.host", "127.0.0.1")
               .config("spark.driver.bindAddress", "127.0.0.1")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", "2")
               .config("spark.default.parallelism", "4")
               .config("spark.sql.execution.arrow.maxRecordsPerBatch", "40")
               .config("spark.sql.session.timeZone", "America/New_York")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def policy_path(tmp_path_factory):
    """The kit's policy compiled from .sla text on disk, saved as an artifact: its path."""
    src = tmp_path_factory.mktemp("policy")
    (src / "policy.sla").write_text(POLICY)
    policy = slalang.compile(src)
    out = tmp_path_factory.mktemp("artifact") / "policy.json"
    policy.save(out)
    return out


@pytest.fixture(scope="session")
def policy(policy_path):
    from slalang.runtime import load
    return load(policy_path)
