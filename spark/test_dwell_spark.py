#!/usr/bin/env python3
"""The Spark jobs give the single machine's answers: runs spark/dwell_spark.py with master local[2] on the sample
incident and on a generated incident (many files), and compares each job with one dwell process over all files.

Environment: DWELL (the dwell binary), DWELL_SCENARIO (the generator; the generated corpus is skipped, with a
message, when it is absent), SPARK_LOCAL_IP=127.0.0.1 and PYSPARK_PYTHON (set by .ci/spark.sh).
"""

import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import dwell_spark  # noqa: E402

DWELL = os.environ.get("DWELL", os.path.join(ROOT, ".build/release/dwell"))
SCENARIO = os.environ.get("DWELL_SCENARIO", os.path.join(ROOT, ".build/release/dwell-scenario"))


def files_under(root):
    out = []
    for d, _, names in os.walk(root):
        out += [os.path.join(d, n) for n in names]
    return sorted(out)


def hit(line):
    """A sweep hit with its list named by file name: each task reads the list from its own temporary copy."""
    h = json.loads(line)
    h["indicator"]["list"] = os.path.basename(h["indicator"]["list"]).split("iocs")[-1]
    return json.dumps(h, sort_keys=True)


def single(job, args):
    return dwell_spark.run_dwell(DWELL, job, ["--quiet"] + args)


class SparkJobs(unittest.TestCase):
    spark = None

    @classmethod
    def setUpClass(cls):
        from pyspark.sql import SparkSession
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        cls.spark = (SparkSession.builder.master("local[2]").appName("dwell-test")
                     .config("spark.ui.enabled", "false").getOrCreate())
        cls.spark.sparkContext.setLogLevel("ERROR")

    @classmethod
    def tearDownClass(cls):
        cls.spark.stop()

    def check_corpus(self, files, work):
        # Indicators for the sweep: the attacker's, as one machine's report from partials names them.
        os.makedirs(work, exist_ok=True)
        whole = single("summarize", ["--output", "jsonl"] + files)
        partials = os.path.join(work, "single.partials.jsonl")
        with open(partials, "wb") as f:
            f.write(whole)
        single_report = os.path.join(work, "single-report")
        subprocess.run([DWELL, "investigate", "--partials", partials, "--out", single_report, "--formats",
                        "json,iocs"], check=True, stdout=subprocess.DEVNULL, env=dwell_spark.child_env())
        iocs = os.path.join(single_report, "iocs.txt")
        out = os.path.join(work, "spark")
        results = dwell_spark.run_jobs(self.spark, DWELL, files, ["sweep", "parse", "summarize"], out, iocs=iocs,
                                       partitions=7, formats="json")
        # sweep: the same hits, as sets
        spark_hits = set(map(hit, open(results["sweep"], encoding="utf-8").read().splitlines()))
        single_hits = set(map(hit, single("sweep", ["--iocs", iocs, "--output", "jsonl"] + files).decode().splitlines()))
        self.assertTrue(single_hits, "the sweep finds the attacker")
        self.assertEqual(spark_hits, single_hits)
        # parse: the same events
        spark_events = sorted(open(results["parse"], encoding="utf-8").read().splitlines())
        single_events = sorted(single("parse", ["--no-summary"] + files).decode().splitlines())
        self.assertGreater(len(single_events), 1000)
        self.assertEqual(spark_events, single_events)
        # summarize: byte-identical merged partials, and the same report
        self.assertEqual(open(results["summarize"], "rb").read(), whole)
        with open(os.path.join(results["report"], "report.json"), encoding="utf-8") as f:
            a = json.load(f)
        with open(os.path.join(single_report, "report.json"), encoding="utf-8") as f:
            b = json.load(f)
        self.assertEqual(a, b)

    def test_sample_incident(self):
        root = os.path.join(ROOT, "SampleLogs", "incident-2026-03")
        with tempfile.TemporaryDirectory() as work:
            self.check_corpus(files_under(root), work)

    def test_generated_incident_in_many_files(self):
        if not os.access(SCENARIO, os.X_OK):
            self.skipTest("SKIPPED: no dwell-scenario at %s (build it: swift build -c release)" % SCENARIO)
        with tempfile.TemporaryDirectory() as work:
            subprocess.run([SCENARIO, "--seed", "7", "--out", work, "--name", "case", "--days", "2",
                            "--background-scale", "0.05"], check=True, stdout=subprocess.DEVNULL)
            files = files_under(os.path.join(work, "case"))
            self.assertGreater(len(files), 10)
            self.check_corpus(files, os.path.join(work, "run"))

    def test_a_failing_dwell_surfaces_its_stderr(self):
        with tempfile.TemporaryDirectory() as work:
            bad = os.path.join(work, "bad.jsonl")
            with open(bad, "w") as f:
                f.write("{not json\n")
            with self.assertRaises(dwell_spark.DwellFailed) as ctx:
                dwell_spark.run_dwell(DWELL, "merge", [bad])
            self.assertIn("bad.jsonl:1", str(ctx.exception))
            self.assertIn("status 2", str(ctx.exception))

    def test_names_with_newlines_travel_intact(self):
        name = "/tmp/odd\nname\twith \xff bytes.log"
        self.assertEqual(dwell_spark.decode_path(dwell_spark.encode_path(name)), os.fsencode(name))
        with tempfile.TemporaryDirectory() as work:
            path = os.path.join(work, "auth\nlog")
            with open(path, "w") as f:
                f.write("Mar 11 19:58:01 db01 sshd[4242]: Accepted password for deploy from 10.0.1.10 port 51000 ssh2\n")
            out = self.spark.sparkContext.parallelize([dwell_spark.encode_path(path)], 1)
            name = dwell_spark.ship(self.spark.sparkContext, DWELL)
            events = out.mapPartitions(dwell_spark.share_runner(name, "parse", ["--no-summary"])) \
                .collect()
            lines = b"".join(events).decode().splitlines()
            self.assertEqual(len(lines), 1)
            self.assertEqual(json.loads(lines[0])["file"], path)


if __name__ == "__main__":
    unittest.main(verbosity=2)
