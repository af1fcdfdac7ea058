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
from matching.engine.candidates import _inverted, _pick, _tiers  # noqa: E402
from matching.engine.match import ALLOCATION_WORKERS, run_matching  # noqa: E402
from matching.engine.prepare import prepare  # noqa: E402
from matching.engine.types import MatchParams  # noqa: E402
from matching.engine.vectorized import score_block, score_pairs  # noqa: E402

SEED = 6


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the allocation may fork workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class Timer:
    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), cpu_seconds()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.wall
        self.cpu = cpu_seconds() - self.cpu

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
    sweep = []
    for k in (3, 5, 10, 20):
        total = run_matching(students, demands, MatchParams(candidate_k=k)).total_score
        sweep.append(f"{k}: {total / optimum:.4%}")
    print("  engine / optimum by candidate_k: " + ", ".join(sweep))
    print(f"  peak memory {peak_mib():.0f} MiB")


# --- province: engine vs a plain baseline, each in its own process ----------------------------------------------------


def baseline_plan(students, demands, k: int):
    """Top-k demands per student by a programme-only score (same programme 1, class 0.75, major category 0.5;
    eligible pairs only; equal scores in a random order per student), then the same min-cost flow."""
    params = MatchParams(weights={"programme": 1.0}, min_score=0.5)
    prep = prepare(students, demands, params)
    is_open = prep.d_cap > 0
    tiers_by = [_inverted(m, is_open) for m in (prep.d_prog, prep.d_class, prep.d_major)]
    group = (prep.s_prog.astype(np.int64) + 1) * 2**42 + (prep.s_class.astype(np.int64) + 1) * 2**21 + prep.s_major + 1
    order = np.lexsort((np.arange(prep.n_s), prep.s_tkey, group))
    keys = np.stack([group[order], prep.s_tkey[order]], axis=1)
    bounds = np.flatnonzero(np.r_[True, (keys[1:] != keys[:-1]).any(axis=1), True])
    si, dj, value = [], [], []
    for start, end in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        members = order[start:end]
        first, tkey = members[0], int(prep.s_tkey[members[0]])
        tiers = _tiers(*(_pick(lists, int(v[first])) for lists, v in zip(
            tiers_by, (prep.s_prog, prep.s_class, prep.s_major), strict=True)), np.zeros(0, dtype=np.int64))[:3]
        wanted = k
        for tier, tier_value in zip(tiers, (1.0, 0.75, 0.5), strict=True):
            tier = tier[prep.t_elig[tkey, prep.d_tkey[tier]]]
            if not len(tier) or wanted <= 0:
                continue
            take = min(wanted, len(tier))
            offset = prep.s_hash[members].astype(np.int64) % len(tier)
            picked = tier[(offset[:, None] + np.arange(take)[None, :]) % len(tier)]
            si.append(np.repeat(members, take))
            dj.append(picked.ravel())
            value.append(np.full(picked.size, tier_value))
            wanted -= take
    si, dj, value = np.concatenate(si), np.concatenate(dj), np.concatenate(value)
    chosen = allocation.max_total(si, dj, value, prep.d_cap, clusters=value >= 0.75, workers=ALLOCATION_WORKERS)
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
            si, dj, arcs = baseline_plan(students, demands, candidate_k)
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
            capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONHASHSEED": "0"},
        )
        if done.returncode:
            sys.exit(f"the {which} run failed:\n{done.stderr}")
        runs[which] = json.loads(done.stdout.strip().splitlines()[-1])
    engine, baseline = runs["engine"], runs["baseline"]
    stats = engine["stats"]
    print(f"  engine (run_matching)   {engine['wall']:7.2f} s (CPU {engine['cpu']:6.2f} s)  total "
          f"{engine['total']:11.3f}  placed {engine['placed']:,}  peak {engine['peak_mib']:,.0f} MiB "
          f"(input rows {engine['input_mib']:,.0f} MiB)")
    print("    phases: " + ", ".join(f"{k[8:]} {v:.2f} s" for k, v in stats.items() if k.startswith("seconds_")))
    print(f"    candidate pairs {int(stats['candidate_pairs']):,}, pairs scored {int(stats['cells_scored']):,} "
          f"of {200_000 * 20_000:,}, recommendations {engine['recommendations']:,}")
    mode = "exact single flow" if stats.get("allocation_exact") else "clustered (exact per cluster + fill-in flow)"
    print(f"    allocation: {mode}, {int(stats.get('allocation_components', 0))} components, largest "
          f"{int(stats.get('allocation_largest_component', 0)):,} pairs, {ALLOCATION_WORKERS} worker process(es)")
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
