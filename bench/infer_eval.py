#!/usr/bin/env python3
"""Reproduce the held-out precision/recall tables of inferred lineage (docs/inference.md).

``python bench/infer_eval.py`` evaluates the real sample and a synthetic Hub (generated with
``bench/synth_hub.py -n 50000`` when that script is present) and prints Markdown;
``--write docs/inference.md`` replaces the block between the ``results`` markers there.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hflineage.graph.inference import DEFAULT_MIN_CONFIDENCE
from hflineage.loaders import load_snapshot
from hflineage.loaders.evidence import load_evidence
from hflineage.queries.inference_eval import (
    DEFAULT_THRESHOLDS,
    evaluate_inference,
    relation_markdown,
)

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT.parent / "shared" / "data" / "hub-stats-sample-2026-05.parquet"
SYNTH = ROOT / "bench" / "synth_hub.py"
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"


def section(title: str, path: Path, folds: int, seed: int) -> str:
    """The Markdown for one dataset."""
    t0 = time.perf_counter()
    table, _ = load_snapshot(path)
    ev = evaluate_inference(table, load_evidence(path), folds=folds, seed=seed)
    secs = time.perf_counter() - t0
    m = ev.meta
    return "\n".join(
        [
            f"### {title}",
            "",
            f"{m['models']:,} models; {m['held_out_models']:,} declare parents "
            f"({m['held_out_edges']:,} edges), held out in {folds} folds (seed {seed}); "
            f"{secs:.1f} s.",
            "",
            "Overall, by minimum confidence:",
            "",
            ev.markdown(),
            "",
            f"Per rule at the default threshold ({DEFAULT_MIN_CONFIDENCE:g}):",
            "",
            ev.markdown(DEFAULT_MIN_CONFIDENCE),
            "",
            f"Per rule at {min(DEFAULT_THRESHOLDS):g} (every rule's guesses):",
            "",
            ev.markdown(min(DEFAULT_THRESHOLDS)),
            "",
            f"Recall by the declared relation at {DEFAULT_MIN_CONFIDENCE:g}:",
            "",
            relation_markdown(ev, DEFAULT_MIN_CONFIDENCE),
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    """Run the evaluation; print (and optionally write) the tables."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--sample", type=Path, default=SAMPLE, help="real hub-stats parquet")
    ap.add_argument("-n", "--synthetic", type=int, default=50_000, help="synthetic rows (0: skip)")
    ap.add_argument("--synthetic-seed", type=int, default=0)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0, help="fold assignment seed")
    ap.add_argument("--write", type=Path, help="Markdown file with results markers to update")
    args = ap.parse_args(argv)

    parts = [
        f"Reproduce with `python bench/infer_eval.py --write docs/inference.md` "
        f"(folds {args.folds}, seed {args.seed}).",
        "",
    ]
    if args.sample.is_file():
        parts.append(
            section(f"Real sample: `{args.sample.name}`", args.sample, args.folds, args.seed)
        )
    else:
        parts.append(f"Real sample not found at `{args.sample}`: not evaluated.\n")
    if args.synthetic > 0 and SYNTH.is_file():
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "synth.parquet"
            cmd = [
                sys.executable, str(SYNTH), "-n", str(args.synthetic),
                "--seed", str(args.synthetic_seed), "--out", str(out),
            ]  # fmt: skip
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            title = (
                f"Synthetic Hub: `bench/synth_hub.py -n {args.synthetic} "
                f"--seed {args.synthetic_seed}`"
            )
            parts.append(section(title, out, args.folds, args.seed))
    elif args.synthetic > 0:
        parts.append("`bench/synth_hub.py` not found: synthetic input not evaluated.\n")
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
