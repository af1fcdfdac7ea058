"""Matching engine benchmark: county scale against the exact optimum, province scale against a plain baseline.

Run from the project root: ``.venv/bin/python bench/matching_bench.py [--scale county|province|both]``.
No database: the engine is pure computation; the data come from ``bench/matching_data.py`` (seeded).

* county (3,000 students, 300 demands, 1,500 headcount): ``run_matching`` beside the exact optimum of
  scipy's ``linear_sum_assignment`` on the expanded dense matrix (one column per seat, ineligible or below-min_score
  pairs worth 0). Prints both totals, the ratio (must be ≥ 99.9 %) and the times.
* province (200,000 students, 20,000 demands, 100,000 headcount): ``run_matching`` beside a plain baseline — top-k
  demands per student by a programme-only score (same programme 1, class 0.75, major category 0.5, eligible pairs
  only) and the same min-cost flow — each in its own process so that the peak memory (``ru_maxrss``) is its own.
  The baseline's plan is also valued with the engine's full score.

Times are wall-clock seconds with the CPU seconds of the process beside them (on a busy machine the CPU time is the
better measure of the work); the jieba dictionary is loaded before timing starts (a worker loads it once).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from matching_data import generate  # noqa: E402

from matching.engine import allocation, text  # noqa: E402
from matching.engine.match import run_matching  # noqa: E402
from matching.engine.prepare import prepare  # noqa: E402
from matching.engine.types import MatchParams  # noqa: E402
from matching.engine.vectorized import score_block, score_pairs  # noqa: E402

SEED = 6


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Timer:
    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu

    def __str__(self) -> str:
        return f"{self.wall:7.2f} s (CPU {self.cpu:6.2f} s)"


# --- county: engine vs the exact optimum ------------------------------------------------------------------------------


def exact_optimum(students, demands, params: MatchParams) -> tuple[float, int]:
    """Exact maximum total score by linear_sum_assignment on the dense students × seats matrix."""
    from scipy.optimize import linear_sum_assignment

    prep = prepare(students, demands, params)
    scores = np.round(score_block(prep, np.arange(prep.n_s), np.arange(prep.n_d), "full"), 6)
    scores[~np.isfinite(scores) | (scores < params.min_score)] = 0.0
    seats = np.repeat(np.arange(prep.n_d), prep.d_cap)
    matrix = scores[:, seats]
    rows, cols = linear_sum_assignment(matrix, maximize=True)
    values = matrix[rows, cols]
    return round(math.fsum(values.tolist()), 6), int((values > 0).sum())


def county(candidate_k: int) -> None:
    students, demands = generate("county", SEED)
    params = MatchParams(candidate_k=candidate_k)
    print(f"county: {len(students):,} students, {len(demands):,} demands, "
          f"{sum(d.capacity for d in demands):,} headcount, candidate_k={candidate_k}")
    text.normaliser(params.synonyms).terms("预热")  # load jieba outside the timings
    with Timer() as engine_time:
        result = run_matching(students, demands, params)
    with Timer() as stable_time:
        stable = run_matching(students, demands, MatchParams(candidate_k=candidate_k, stable=True))
    with Timer() as exact_time:
        optimum, placed = exact_optimum(students, demands, params)
    stats = result.stats
    print(f"  engine (run_matching)        {engine_time}  total {result.total_score:10.3f}  "
          f"placed {len(result.assignments):,}  candidate pairs {int(stats['candidate_pairs']):,}  "
          f"recommendations {len(result.recommendations):,}")
    print("    phases: " + ", ".join(f"{k[8:]} {v:.2f} s" for k, v in stats.items() if k.startswith("seconds_")))
    print(f"  engine, stable matching      {stable_time}  total {stable.total_score:10.3f}  "
          f"placed {len(stable.assignments):,}")
    print(f"  exact optimum (LSA, dense)   {exact_time}  total {optimum:10.3f}  placed {placed:,}")
    ratio = result.total_score / optimum if optimum else 1.0
    print(f"  engine / optimum = {ratio:.5%}  ({'OK' if ratio >= 0.999 else 'BELOW 99.9 %'})")
    print(f"  peak memory {peak_mib():.0f} MiB")


# --- province: engine vs a plain baseline, each in its own process ----------------------------------------------------


def baseline_plan(students, demands, params: MatchParams, k: int):
    """Top-k demands per student by a programme-only score (eligible pairs only), then the same min-cost flow."""
    prep = prepare(students, demands, MatchParams(weights={"programme": 1.0}, min_score=0.5, synonyms=params.synonyms))
    by_prog, by_class, by_major = ({}, {}, {})
    for j, d in enumerate(demands):
        if d.capacity <= 0:
            continue
        for p in d.programme_ids:
            by_prog.setdefault(p, []).append(j)
        for c in d.programme_classes:
            by_class.setdefault(c, []).append(j)
        for m in d.major_category_ids:
            by_major.setdefault(m, []).append(j)
    si, dj = [], []
    for i, s in enumerate(students):
        taken: list[int] = []
        for table, key in ((by_prog, s.programme_id), (by_class, s.programme_class), (by_major, s.major_category_id)):
            for j in table.get(key, ()):
                if len(taken) >= 4 * k:
                    break
                if j not in taken:
                    taken.append(j)
        si += [i] * len(taken)
        dj += taken
    si, dj = np.array(si, dtype=np.int64), np.array(dj, dtype=np.int64)
    simple = score_pairs(prep, si, dj)  # programme-only score and eligibility
    keep = simple.eligible & (simple.score >= 0.5)
    si, dj, score = si[keep], dj[keep], simple.score[keep]
    # top-k per student (score, then demand id)
    order = np.lexsort((dj, -score, si))
    si, dj, score = si[order], dj[order], score[order]
    start = np.r_[True, si[1:] != si[:-1]]
    rank = np.arange(len(si)) - np.maximum.accumulate(np.where(start, np.arange(len(si)), 0))
    keep = rank < k
    si, dj, score = si[keep], dj[keep], score[keep]
    chosen = allocation.max_total(si, dj, score, prep.d_cap)
    return si[chosen], dj[chosen], len(si)


def province_child(which: str, candidate_k: int) -> dict:
    students, demands = generate("province", SEED)
    params = MatchParams(candidate_k=candidate_k)
    text.normaliser(params.synonyms).terms("预热")
    input_mib = peak_mib()
    out: dict = {"input_mib": input_mib}
    with Timer() as timer:
        if which == "engine":
            result = run_matching(students, demands, params)
            out.update(total=result.total_score, placed=len(result.assignments), stats=result.stats,
                       recommendations=len(result.recommendations))
        else:
            si, dj, arcs = baseline_plan(students, demands, params, candidate_k)
            out.update(placed=len(si), arcs=arcs)
    out.update(wall=timer.wall, cpu=timer.cpu, peak_mib=peak_mib())
    if which == "baseline":  # value the baseline's plan with the engine's full score (outside the timing)
        prep = prepare(students, demands, params)
        out["total"] = round(math.fsum(score_pairs(prep, si, dj).score.tolist()), 6)
    return out


def province(candidate_k: int) -> None:
    print("province: 200,000 students, 20,000 demands, 100,000 headcount "
          f"(each run in its own process), candidate_k={candidate_k}")
    runs = {}
    for which in ("engine", "baseline"):
        done = subprocess.run(
            [sys.executable, __file__, "--child", which, "--candidate-k", str(candidate_k)],
            capture_output=True, text=True, check=True, cwd=ROOT, env={**os.environ, "PYTHONHASHSEED": "0"},
        )
        runs[which] = json.loads(done.stdout.strip().splitlines()[-1])
    engine, baseline = runs["engine"], runs["baseline"]
    stats = engine["stats"]
    print(f"  engine (run_matching)   {engine['wall']:7.2f} s (CPU {engine['cpu']:6.2f} s)  total "
          f"{engine['total']:11.3f}  placed {engine['placed']:,}  peak {engine['peak_mib']:,.0f} MiB "
          f"(input rows {engine['input_mib']:,.0f} MiB)")
    print("    phases: " + ", ".join(f"{k[8:]} {v:.2f} s" for k, v in stats.items() if k.startswith("seconds_")))
    print(f"    candidate pairs {int(stats['candidate_pairs']):,}, pairs scored {int(stats['cells_scored']):,} "
          f"of {200_000 * 20_000:,}, recommendations {engine['recommendations']:,}")
    print(f"  baseline (programme-only top-{candidate_k} + min-cost flow)  {baseline['wall']:7.2f} s "
          f"(CPU {baseline['cpu']:6.2f} s)  total by the engine's score {baseline['total']:11.3f}  "
          f"placed {baseline['placed']:,}  arcs {baseline['arcs']:,}  peak {baseline['peak_mib']:,.0f} MiB")
    print(f"  engine / baseline total = {engine['total'] / baseline['total']:.4f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=("county", "province", "both"), default="both")
    parser.add_argument("--candidate-k", type=int, default=MatchParams().candidate_k)
    parser.add_argument("--child", choices=("engine", "baseline"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(province_child(args.child, args.candidate_k)))
        return 0
    print(f"cores: {os.cpu_count()}, load average: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if args.scale in ("county", "both"):
        county(args.candidate_k)
    if args.scale in ("province", "both"):
        province(args.candidate_k)
    return 0


if __name__ == "__main__":
    sys.exit(main())
