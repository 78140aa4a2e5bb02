"""Fit the decision to answer (bot/core/abstention.py) on labelled questions, and check it on others.

    python bench/fit_abstention.py --fit QUESTIONS ANSWERS [--fit ...] [--check QUESTIONS ANSWERS ...]

QUESTIONS: a question set (JSONL, "answerable" labels); ANSWERS: what `reviewbot eval FILE --answers-out`
saved for it. Each answer that went through the passages' decision carries its `evidence`; the others
(facts, sections, briefings, refusals the catalog decided) are left out. A logistic model (L2-regularised,
classes weighted equally, fitted by Newton's method) of answerable against the four measures is printed with
the precision and recall of its refusals on the fitting part and on the checking part, ready for
index/tuning.py's ANSWER_WEIGHTS and ANSWER_BIAS."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.core.types import Evidence  # noqa: E402

_FEATURES = ("similarity", "coverage", "unknown_share", "absent_share", "carried")
# How much the weights are held towards 0: a few hundred questions, five measures.
_L2 = 0.5


def rows(pairs: list[list[str]]) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = [], []
    for questions_path, answers_path in pairs:
        questions = [json.loads(line) for line in open(questions_path, encoding="utf-8") if line.strip()]
        answers = [json.loads(line) for line in open(answers_path, encoding="utf-8") if line.strip()]
        for question, answer in zip(questions, answers):
            if not answer.get("evidence"):
                continue
            evidence = Evidence(**answer["evidence"])
            if evidence.similarity is None:
                continue  # measured without sentence vectors: not the evidence the model weighs
            xs.append([getattr(evidence, name) for name in _FEATURES])
            ys.append(1.0 if question.get("answerable", True) else 0.0)
    return np.array(xs, dtype=float), np.array(ys, dtype=float)


def fit(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Weights, the bias last."""
    a = np.hstack([x, np.ones((len(x), 1))])
    # Each class counts as much as the other: unanswerable questions are a fifth of the sets.
    sample = np.where(y == 1, 0.5 / max(y.sum(), 1), 0.5 / max((1 - y).sum(), 1)) * len(y)
    w = np.zeros(a.shape[1])
    penalty = np.eye(a.shape[1]) * _L2
    penalty[-1, -1] = 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-a @ w))
        gradient = a.T @ (sample * (p - y)) + penalty @ w
        hessian = a.T @ (a * (sample * p * (1 - p))[:, None]) + penalty
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def report(name: str, x: np.ndarray, y: np.ndarray, w: np.ndarray, threshold: float) -> None:
    p = 1 / (1 + np.exp(-(np.hstack([x, np.ones((len(x), 1))]) @ w)))
    refused = p < threshold
    true_refusals = int((refused & (y == 0)).sum())
    precision = true_refusals / max(int(refused.sum()), 1)
    recall = true_refusals / max(int((y == 0).sum()), 1)
    false_refusals = int((refused & (y == 1)).sum()) / max(int((y == 1).sum()), 1)
    print(f"{name}: {len(y)} questions ({int((y == 0).sum())} unanswerable): refusals' precision {precision:.3f}, "
          f"recall {recall:.3f}; answerable refused {false_refusals:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fit", nargs=2, action="append", required=True, metavar=("QUESTIONS", "ANSWERS"))
    parser.add_argument("--check", nargs=2, action="append", default=[], metavar=("QUESTIONS", "ANSWERS"))
    parser.add_argument("--threshold", type=float, default=0.5)
    args = parser.parse_args()
    x, y = rows(args.fit)
    checked = rows(args.check) if args.check else None
    # The full model, and the one for an index without sentence vectors (the words alone).
    for suffix, columns in (("", slice(None)), ("_WORDS_ONLY", slice(1, None))):
        w = fit(x[:, columns], y)
        print(f"ANSWER_WEIGHTS{suffix} = (" + ", ".join(f"{v:.2f}" for v in w[:-1]) + ")")
        print(f"ANSWER_BIAS{suffix} = {w[-1]:.2f}")
        report("fit", x[:, columns], y, w, args.threshold)
        if checked is not None:
            report("check", checked[0][:, columns], checked[1], w, args.threshold)


if __name__ == "__main__":
    main()
