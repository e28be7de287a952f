#!/bin/sh
# The Spark test: dwell's batch jobs on Spark local[2] give the single machine's answers (spark/test_dwell_spark.py).
# Creates or reuses a venv with pyspark 3.5.3 in $DWELL_SPARK_VENV (default ~/.cache/dwell-spark-venv), builds
# release dwell, runs the test. Without Java or pyspark it says SKIPPED and exits 0; a failing test exits 1.
set -eu
cd "$(dirname "$0")/.."
VENV="${DWELL_SPARK_VENV:-$HOME/.cache/dwell-spark-venv}"

skip() { echo "SKIPPED: Spark test: $*" >&2; exit 0; }

command -v java >/dev/null 2>&1 || skip "no java on PATH (Spark 3.5 needs Java 8/11/17)"
command -v python3 >/dev/null 2>&1 || skip "no python3"
if ! "$VENV/bin/python" -c 'import pyspark' >/dev/null 2>&1; then
    python3 -m venv "$VENV" >/dev/null 2>&1 || skip "cannot create a venv in $VENV (python3-venv missing?)"
    "$VENV/bin/pip" install --quiet pyspark==3.5.3 || skip "pip install pyspark==3.5.3 failed (offline?)"
fi

swift build -c release --product dwell >/dev/null
swift build -c release --product dwell-scenario >/dev/null
BIN="$(swift build -c release --show-bin-path)"

export DWELL="$BIN/dwell" DWELL_SCENARIO="$BIN/dwell-scenario"
export SPARK_LOCAL_IP=127.0.0.1 PYSPARK_PYTHON="$VENV/bin/python" PYSPARK_DRIVER_PYTHON="$VENV/bin/python"
exec "$VENV/bin/python" spark/test_dwell_spark.py
