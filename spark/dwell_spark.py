#!/usr/bin/env python3
"""dwell on Apache Spark: each task runs the `dwell` binary on a share of the evidence files.

Jobs (--job, repeatable):
  sweep      dwell sweep --iocs FILE on every share; hits as JSON lines (OUT/sweep.jsonl, sorted)
  parse      dwell parse on every share; normalised events as JSON lines (OUT/events.jsonl) or Parquet
             (OUT/events.parquet, --parse-format parquet) for Spark SQL
  summarize  dwell summarize on every share -> tree reduce with `dwell merge` (the merge rules of dwell itself)
             -> OUT/partials.jsonl -> dwell investigate --partials -> OUT/report/

Build dwell once, statically linked against the Swift runtime, on a machine whose glibc is not newer than the
cluster's:
    swift build -c release --static-swift-stdlib
    python3 spark/dwell_spark.py --dwell .build/release/dwell --master spark://head:7077 \
        --glob '/mnt/evidence/**/*.log*' --job summarize --job sweep --iocs iocs.txt --out /mnt/out

Why mapPartitions with subprocess and not RDD.pipe(): pipe() writes each item as one line on the child's stdin
(a file name holding a newline becomes two items), gives the child an empty environment, ignores a non-zero exit
unless checkCode=True and then loses the child's stderr. Here each task starts dwell with the file names as
arguments (no line splitting at all; names travel through the RDD base64-encoded, so any byte except NUL
survives), with an explicit environment, and a failing exit status raises an error that carries dwell's stderr.
"""

import argparse
import base64
import glob as globmod
import json
import os
import subprocess
import sys
import tempfile

# Exit statuses of dwell (README, "Exit status"): 0 clean, 1 sweep hits, 2 usage error / nothing readable,
# 3 finished with evidence problems (listed on stderr, and in the manifest).
OK_STATUS = {"sweep": {0, 1, 3}, "parse": {0, 3}, "summarize": {0, 3}, "merge": {0}}
FILES_PER_RUN = 200


class DwellFailed(RuntimeError):
    """dwell exited with a status the job does not accept; the message holds its command and stderr."""


def encode_path(path):
    """A file name as an RDD item: base64 of its bytes (newlines, tabs and non-UTF-8 bytes survive)."""
    return base64.b64encode(os.fsencode(path)).decode("ascii")


def decode_path(item):
    return base64.b64decode(item.encode("ascii"))


def child_env():
    """The environment dwell runs with: explicit, never the empty one pipe() gives, never the executor's whole one."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TMPDIR": os.environ.get("TMPDIR", tempfile.gettempdir()),
        "HOME": os.environ.get("HOME", "/tmp"),
    }
    if "SOURCE_DATE_EPOCH" in os.environ:
        env["SOURCE_DATE_EPOCH"] = os.environ["SOURCE_DATE_EPOCH"]
    return env


def run_dwell(binary, job, args, stdin_bytes=None):
    """Runs dwell; returns stdout bytes. Raises DwellFailed with dwell's stderr on an unaccepted exit status."""
    cmd = [binary, job] + args
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        if stdin_bytes is None:
            proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=child_env())
        else:
            proc = subprocess.run(cmd, input=stdin_bytes, stdout=out, stderr=err, env=child_env())
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode not in OK_STATUS[job]:
        shown = [os.fsdecode(a) if isinstance(a, bytes) else a for a in cmd[:6]]
        raise DwellFailed(
            "dwell %s exited with status %d (%s%s)\n--- dwell stderr ---\n%s"
            % (job, proc.returncode, " ".join(shown), " ..." if len(cmd) > 6 else "",
               stderr.decode("utf-8", "replace")[-8000:]))
    return stdout


def dwell_path(name):
    from pyspark import SparkFiles
    return SparkFiles.get(name)


def share_runner(binary_name, job, extra):
    """A mapPartitions function: dwell `job` over the partition's files, FILES_PER_RUN names per run."""

    def run(items):
        binary = dwell_path(binary_name)
        paths = [decode_path(i) for i in items]
        for start in range(0, len(paths), FILES_PER_RUN):
            chunk = paths[start:start + FILES_PER_RUN]
            yield run_dwell(binary, job, ["--quiet", "--jobs", "1"] + extra + chunk)

    return run


def expand_inputs(paths, globs, files_from):
    """The evidence file list: explicit paths, globs the driver sees, and a list file (one JSON string per line)."""
    found = list(paths)
    for g in globs:
        found += sorted(p for p in globmod.glob(g, recursive=True) if os.path.isfile(p))
    if files_from:
        with open(files_from, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                line = line.strip()
                if not line:
                    continue
                try:
                    found.append(json.loads(line))
                except ValueError:
                    raise SystemExit("%s:%d: expected a JSON string per line (a file name)" % (files_from, n))
    seen = set()
    out = []
    for p in found:
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out


def merge_two(binary_name):
    def merge(a, b):
        binary = dwell_path(binary_name)
        with tempfile.NamedTemporaryFile(suffix=".jsonl") as fa:
            fa.write(a)
            fa.flush()
            return run_dwell(binary, "merge", [fa.name, "-"], stdin_bytes=b)
    return merge


def ship(sc, dwell):
    """Sends the dwell binary and this module to the executors; returns the binary's name for SparkFiles.get."""
    sc.addPyFile(os.path.abspath(__file__))
    sc.addFile(os.path.abspath(dwell))
    return os.path.basename(dwell)


def run_jobs(spark, dwell, files, jobs, out_dir, iocs=None, partitions=None, parse_format="jsonl", formats="all"):
    """Runs the jobs; returns {job: path of its output}."""
    sc = spark.sparkContext
    name = ship(sc, dwell)
    os.makedirs(out_dir, exist_ok=True)
    n = partitions or max(1, min(len(files), sc.defaultParallelism * 4))
    rdd = sc.parallelize([encode_path(f) for f in files], n)
    results = {}
    if "sweep" in jobs:
        if not iocs:
            raise SystemExit("the sweep job needs --iocs FILE")
        # The list travels as a broadcast value (addFile refuses a second file of the same name from elsewhere).
        with open(iocs, "rb") as f:
            listed = sc.broadcast(f.read())

        def sweep(items):
            with tempfile.NamedTemporaryFile(suffix=os.path.basename(iocs)) as f:
                f.write(listed.value)
                f.flush()
                extra = ["--iocs", f.name, "--output", "jsonl"]
                for chunk in share_runner(name, "sweep", extra)(items):
                    yield chunk

        hits = sorted(set(line for chunk in rdd.mapPartitions(sweep).collect()
                          for line in chunk.decode("utf-8").splitlines() if line))
        path = os.path.join(out_dir, "sweep.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            f.writelines(h + "\n" for h in hits)
        results["sweep"] = path
    if "parse" in jobs:
        lines = rdd.mapPartitions(share_runner(name, "parse", ["--output", "jsonl", "--no-summary"])) \
            .flatMap(lambda chunk: chunk.decode("utf-8").splitlines())
        if parse_format == "parquet":
            path = os.path.join(out_dir, "events.parquet")
            spark.read.json(lines).write.mode("overwrite").parquet(path)
        else:
            path = os.path.join(out_dir, "events.jsonl")
            with open(path, "w", encoding="utf-8") as f:
                for line in lines.toLocalIterator():
                    f.write(line + "\n")
        results["parse"] = path
    if "summarize" in jobs:
        partials = rdd.mapPartitions(share_runner(name, "summarize", ["--output", "jsonl"]))
        merged = partials.treeReduce(merge_two(name), depth=2)
        path = os.path.join(out_dir, "partials.jsonl")
        with open(path, "wb") as f:
            f.write(merged)
        report_dir = os.path.join(out_dir, "report")
        proc = subprocess.run(
            [dwell_path(name), "investigate", "--partials", path, "--out", report_dir, "--formats", formats],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=child_env())
        if proc.returncode not in (0, 3):
            raise DwellFailed("dwell investigate --partials exited with status %d\n--- dwell stderr ---\n%s"
                              % (proc.returncode, proc.stderr.decode("utf-8", "replace")[-8000:]))
        sys.stdout.write(proc.stdout.decode("utf-8", "replace"))
        results["summarize"] = path
        results["report"] = report_dir
    return results


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Run dwell's batch jobs (sweep, parse, summarize -> report) on Apache Spark.",
        epilog="EXAMPLES\n"
               "  spark-submit spark/dwell_spark.py --dwell dwell --glob '/data/logs/**/*' --job summarize --out out\n"
               "  python3 spark/dwell_spark.py --master 'local[2]' --dwell .build/release/dwell "
               "--job sweep --iocs iocs.txt --files-from files.jsonl --out out\n",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="*", help="evidence files (as the cluster sees them)")
    ap.add_argument("--glob", action="append", default=[], help="a glob the driver expands (** recurses)")
    ap.add_argument("--files-from", help="a file of evidence names, one JSON string per line")
    ap.add_argument("--dwell", required=True, help="the dwell binary (built with --static-swift-stdlib)")
    ap.add_argument("--job", action="append", choices=["sweep", "parse", "summarize"], required=True)
    ap.add_argument("--iocs", help="indicator list for the sweep job")
    ap.add_argument("--out", required=True, help="output directory (on the driver)")
    ap.add_argument("--master", help="Spark master (default: spark-submit's)")
    ap.add_argument("--partitions", type=int)
    ap.add_argument("--parse-format", choices=["jsonl", "parquet"], default="jsonl")
    ap.add_argument("--formats", default="all", help="report formats for the summarize job")
    a = ap.parse_args(argv)
    files = expand_inputs(a.paths, a.glob, a.files_from)
    if not files:
        raise SystemExit("no evidence files: give paths, --glob or --files-from")
    from pyspark.sql import SparkSession
    b = SparkSession.builder.appName("dwell")
    if a.master:
        b = b.master(a.master)
    spark = b.getOrCreate()
    try:
        results = run_jobs(spark, a.dwell, files, a.job, a.out, iocs=a.iocs, partitions=a.partitions,
                           parse_format=a.parse_format, formats=a.formats)
    finally:
        spark.stop()
    for job, path in sorted(results.items()):
        print("%s: %s" % (job, path))


if __name__ == "__main__":
    main()
