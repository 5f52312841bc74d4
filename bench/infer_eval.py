#!/usr/bin/env python3
"""Reproduce the held-out evaluation and the confidence calibration of inferred lineage.

``python bench/infer_eval.py`` evaluates, on held-out declarations:

- the real sample (``../shared/data/hub-stats-sample-2026-05.parquet``), split in two halves
  of its models with declared parents: half A fits the calibration, half B reports;
- the generated re-upload corpus (``tests/inference_corpus.py``): seed 1 fits, seed 2
  reports;
- a synthetic Hub (``bench/synth_hub.py -n 50000``), report only: its names come from a few
  templates, so it checks the machinery at scale rather than the rules;
- the hand-written list of real Hub ids (``tests/data/hub_reuploads.csv``), report only: re-uploads
  by the orgs that make them, their bases with the Hub's renames, and traps.
- a second hand-written list in the same format (``tests/data/hub_reuploads_heldout.csv``),
  report only and held out: written without reading the rules or the first list, never used
  to write or tune them (the first list's rows were).

and prints Markdown. ``--fit`` first refits ``graph/data/inference_calibration.csv`` from the
fitting halves; ``--write docs/inference.md`` replaces the block between the ``results``
markers there. The reported tables always use the calibration table on disk, through the
same :func:`~hflineage.graph.inference.infer_lineage` that ``infer`` and ``report --infer`` run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hflineage.graph.calibration import MIN_SUPPORT, Calibration, fit_calibration
from hflineage.graph.inference import DEFAULT_MIN_CONFIDENCE
from hflineage.loaders import load_snapshot
from hflineage.loaders.evidence import load_evidence

ROOT = Path(__file__).resolve().parent.parent
# The evaluation harness and the generated corpus live with the tests that check them.
sys.path.insert(0, str(ROOT / "tests"))

from hub_reuploads import HUB_REUPLOADS, HUB_REUPLOADS_HELDOUT, write_hub_snapshot  # noqa: E402
from inference_corpus import generate_reupload_corpus  # noqa: E402
from inference_eval import (  # noqa: E402
    WELL_POPULATED,
    InferenceEvaluation,
    Outcome,
    bucket_markdown,
    evaluate_inference,
    relation_markdown,
    reliability_markdown,
    split_declared,
)

SAMPLE = ROOT.parent / "shared" / "data" / "hub-stats-sample-2026-05.parquet"
SYNTH = ROOT / "bench" / "synth_hub.py"
TABLE = ROOT / "graph" / "data" / "inference_calibration.csv"
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"
FOLDS, FOLD_SEED, SPLIT_SEED = 5, 0, 0
#: Generator seeds: several fit (a bucket seen on one seed's few dozen edges is noisy), one
#: reports, never one of the fitting seeds.
FIT_CORPUS_SEEDS, REPORT_CORPUS_SEED, CORPUS_SCALE = (1, 3, 4), 2, 2
FIT_SYNTH_SEEDS, REPORT_SYNTH_SEED = (1, 2), 0


@dataclass
class Corpus:
    """One evaluation input: a snapshot file and what to hold out."""

    title: str
    path: Path
    no_parent: Sequence[str] = ()
    rows: np.ndarray | None = None  # held-out rows (a split); None: every declared row
    calibrates: frozenset[str] | None = None  # rules whose confidence it fits; None: all
    #: The data set it is drawn from: within a bucket, each family weighs at most
    #: ``CORPUS_CAP`` edges in the fit, however many seeds fit.
    family: str = "sample"
    #: Buckets this corpus says nothing about (neither fitted nor in its worst gap).
    ignores: frozenset[str] = frozenset()

    def speaks_for(self, o: Outcome) -> bool:
        """True when an outcome counts for calibration on this corpus."""
        rule_ok = self.calibrates is None or o.rule in self.calibrates
        return rule_ok and o.bucket not in self.ignores

    def evaluate(self, calibration: Calibration) -> tuple[InferenceEvaluation, float]:
        """Held-out evaluation with a calibration table, and its wall time."""
        t0 = time.perf_counter()
        table, _ = load_snapshot(self.path)
        ev = evaluate_inference(
            table,
            load_evidence(self.path),
            folds=FOLDS,
            seed=FOLD_SEED,
            calibration=calibration,
            no_parent=self.no_parent,
            held_out_rows=self.rows,
        )
        return ev, time.perf_counter() - t0


def _generated(tmp: Path, seed: int) -> Corpus:
    corpus = generate_reupload_corpus(seed=seed, scale=CORPUS_SCALE)
    path = tmp / f"reuploads-{seed}.jsonl"
    path.write_text("".join(json.dumps(m) + "\n" for m in corpus.models), encoding="utf-8")
    title = f"Generated re-uploads: `generate_reupload_corpus(seed={seed}, scale={CORPUS_SCALE})`"
    return Corpus(title, path, corpus.no_parent, family="generated")


def _hub_list(tmp: Path, csv_path: Path = HUB_REUPLOADS, title: str | None = None) -> Corpus:
    """A hand-written list of real Hub ids; the stand-in declarers are never held out."""
    snap = write_hub_snapshot(csv_path, tmp)
    if title is None:
        title = f"Real Hub ids, hand-written: `tests/data/{csv_path.name}`"
    return Corpus(title, snap.path, snap.hub.no_parent, rows=snap.held_out_rows, family="hub-list")


def _sample_halves(path: Path) -> tuple[Corpus, Corpus]:
    table, _ = load_snapshot(path)
    fit_rows, report_rows = split_declared(table, SPLIT_SEED)
    return (
        Corpus(f"Real sample `{path.name}`, half A", path, rows=fit_rows),
        Corpus(f"Real sample `{path.name}`, half B", path, rows=report_rows),
    )


def fit(corpora: Sequence[Corpus]) -> Calibration:
    """Fit the calibration on the fitting corpora (rules' priors as the starting point)."""
    outcomes: list[Outcome] = []
    corpus_of: list[str] = []
    for c in corpora:
        ev, _ = c.evaluate(Calibration({}))
        kept = [o for o in ev.outcomes if c.speaks_for(o)]
        outcomes += kept
        corpus_of += [c.family] * len(kept)
    priors: dict[tuple[str, str], list[float]] = {}
    for o in outcomes:
        priors.setdefault((o.rule, o.bucket), []).append(o.confidence)
    return fit_calibration(
        [(o.rule, o.bucket, o.correct) for o in outcomes],
        {k: float(np.mean(v)) for k, v in priors.items()},
        corpus_of,
    )


def _targets(corpus: Corpus, ev: InferenceEvaluation) -> list[str]:
    """Precision at the default threshold, quantized recall (all; named as re-uploads) and
    the worst calibration gap among the buckets the corpus speaks for."""
    (row,) = [r for r in ev.at(DEFAULT_MIN_CONFIDENCE) if r.rule == "overall"]
    prec = "-" if row.precision is None else f"{row.precision:.3f} ({row.correct}/{row.predicted})"
    counts = ev.meta["recall_by_declared_relation"][f"{DEFAULT_MIN_CONFIDENCE:g}"]  # type: ignore[index]

    def rate(key: str) -> str:
        c = counts.get(key, {"edges": 0, "correct": 0})
        return (
            f"{c['correct'] / c['edges']:.3f} ({c['correct']}/{c['edges']})" if c["edges"] else "-"
        )

    kept = [o for o in ev.outcomes if corpus.speaks_for(o)]
    return [prec, rate("quantized"), rate("quantized, named as a re-upload"), _worst_gap(kept)]


def _worst_gap(outcomes: Sequence[Outcome]) -> str:
    groups: dict[tuple[str, str], list[Outcome]] = {}
    for o in outcomes:
        groups.setdefault((o.rule, o.bucket), []).append(o)
    gaps = [
        (abs(np.mean([o.confidence for o in g]) - np.mean([o.correct for o in g])), k)
        for k, g in groups.items()
        if len(g) >= WELL_POPULATED
    ]
    if not gaps:
        return "-"
    gap, (rule, bucket) = max(gaps)
    return f"{gap:.3f} (`{rule}` / {bucket})"


def section(corpus: Corpus, ev: InferenceEvaluation, secs: float) -> str:
    """The Markdown for one reported corpus."""
    m = ev.meta
    extra = (
        f"; {m['no_parent_models']} models whose truth is no parent"
        if m["no_parent_models"]
        else ""
    )
    return "\n".join(
        [
            f"### {corpus.title}",
            "",
            f"{m['models']:,} models; {m['held_out_edges']:,} declared edges held out "
            f"({m['held_out_models']:,} models{extra}) in {FOLDS} folds; {secs:.1f} s.",
            "",
            "Overall, by minimum confidence:",
            "",
            ev.markdown(),
            "",
            f"Per rule at the default threshold ({DEFAULT_MIN_CONFIDENCE:g}):",
            "",
            ev.markdown(DEFAULT_MIN_CONFIDENCE),
            "",
            "Calibration, per rule and evidence bucket (every confidence):",
            "",
            bucket_markdown(ev.outcomes),
            "",
            "Reliability (stated confidence against observed precision):",
            "",
            reliability_markdown(ev.outcomes),
            "",
            f"Recall by the declared relation at {DEFAULT_MIN_CONFIDENCE:g}:",
            "",
            relation_markdown(ev, DEFAULT_MIN_CONFIDENCE),
            "",
        ]
    )


def _synthetic(tmp: Path, n: int, seed: int) -> Corpus | None:
    if n <= 0 or not SYNTH.is_file():
        return None
    out = tmp / f"synth-{seed}.parquet"
    cmd = [sys.executable, str(SYNTH), "-n", str(n), "--seed", str(seed), "--out", str(out)]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    title = f"Synthetic Hub: `bench/synth_hub.py -n {n} --seed {seed}` (template names)"
    # Its GGUF architectures are drawn apart from the parent's (a gpt2 GGUF says qwen2), so
    # an architecture clash there is noise, not evidence.
    return Corpus(title, out, family="synthetic", ignores=frozenset({"arch-clash"}))


def main(argv: list[str] | None = None) -> int:
    """Fit (optionally), evaluate, print (and optionally write) the tables."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--sample", type=Path, default=SAMPLE, help="real hub-stats parquet")
    ap.add_argument("-n", "--synthetic", type=int, default=50_000, help="synthetic rows (0: skip)")
    ap.add_argument("--fit", action="store_true", help=f"refit {TABLE.relative_to(ROOT)} first")
    ap.add_argument("--write", type=Path, help="Markdown file with results markers to update")
    args = ap.parse_args(argv)

    have_sample = args.sample.is_file()
    if args.fit and not have_sample:
        print(f"--fit needs the real sample; not found at {args.sample}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        fit_set = [_generated(tmp, seed) for seed in FIT_CORPUS_SEEDS]
        report_set = [_generated(tmp, REPORT_CORPUS_SEED)]
        if have_sample:
            half_a, half_b = _sample_halves(args.sample)
            fit_set.insert(0, half_a)
            report_set.insert(0, half_b)
        fit_set += [c for seed in FIT_SYNTH_SEEDS if (c := _synthetic(tmp, args.synthetic, seed))]
        if args.fit:
            fit(fit_set).write(TABLE)
        calibration = Calibration.read(TABLE) if TABLE.is_file() else Calibration({})
        report_set += [c for c in [_synthetic(tmp, args.synthetic, REPORT_SYNTH_SEED)] if c]
        report_set.append(_hub_list(tmp))
        # Report only, never fitted: the second list was never used to write or tune the rules.
        held_out_title = (
            "Real Hub ids, hand-written and held out (never used to tune): "
            f"`tests/data/{HUB_REUPLOADS_HELDOUT.name}`"
        )
        report_set.append(_hub_list(tmp, HUB_REUPLOADS_HELDOUT, held_out_title))
        results = [(c, *c.evaluate(calibration)) for c in report_set]

    parts = [
        "Reproduce with `python bench/infer_eval.py --fit --write docs/inference.md` "
        f"(folds {FOLDS}, fold seed {FOLD_SEED}, sample split seed {SPLIT_SEED}; calibration "
        f"fitted on {'; '.join(c.title for c in fit_set)}; buckets with fewer than "
        f"{MIN_SUPPORT} fitting edges are pulled toward their prior).",
        "",
    ]
    if not have_sample:
        parts.append(f"Real sample not found at `{args.sample}`: not evaluated.\n")
    parts += [
        f"Targets at the default threshold ({DEFAULT_MIN_CONFIDENCE:g}), on the reporting data:",
        "",
        "| corpus | precision | declared-quantized edges recovered | the same, for models "
        "named as re-uploads | worst calibration gap (buckets of "
        f"{WELL_POPULATED}+ edges) |",
        "|---|---|---|---|---|",
    ]
    parts += [f"| {c.title} | {' | '.join(_targets(c, ev))} |" for c, ev, _ in results]
    parts.append("")
    parts += [section(c, ev, secs) for c, ev, secs in results]
    text = "\n".join(parts).rstrip() + "\n"
    print(text)
    if args.write:
        doc = args.write.read_text(encoding="utf-8")
        if BEGIN not in doc or END not in doc:
            print(f"{args.write}: no {BEGIN} ... {END} block to replace", file=sys.stderr)
            return 1
        head, rest = doc.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        args.write.write_text(f"{head}{BEGIN}\n{text}{END}{tail}", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
