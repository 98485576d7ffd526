"""How well `hirebot gaps` groups questions: a sweep of the clustering distance cut over the
fixed topics of evals/gaps.yaml (dev split to choose the cut, test split held out).

python -m benchmarks.gap_grouping
"""

from __future__ import annotations

import os
from itertools import combinations
from pathlib import Path

import yaml

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

GAPS_SET = Path(__file__).resolve().parents[1] / "evals" / "gaps.yaml"
CUTS = (0.50, 0.55, 0.60, 0.625, 0.65, 0.675, 0.70, 0.725, 0.75)


def load_split(split: str, path: Path = GAPS_SET) -> list[tuple[str, str]]:
    """(topic, question) pairs of one split of evals/gaps.yaml."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [(topic, q) for topic, questions in data[split].items() for q in questions]


def pair_scores(topics: list[str], labels: list[int]) -> dict[str, float]:
    """Pairwise precision and recall of a grouping against the topics, plus pure whole topics."""
    together = same = both = 0
    for i, j in combinations(range(len(topics)), 2):
        grouped, related = labels[i] == labels[j], topics[i] == topics[j]
        together += grouped
        same += related
        both += grouped and related
    precision = both / together if together else 1.0
    recall = both / same if same else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    members: dict[int, set[str]] = {}
    for topic, label in zip(topics, labels, strict=True):
        members.setdefault(label, set()).add(topic)
    labels_of = {
        t: {lab for tt, lab in zip(topics, labels, strict=True) if tt == t} for t in topics
    }
    exact = sum(len(ls) == 1 and members[next(iter(ls))] == {t} for t, ls in labels_of.items())
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "groups": len(members),
        "exact_topics": exact / len(labels_of),
    }


def main() -> int:
    from bot.gaps.grouping import BACKGROUND_WEIGHT, MAX_DISTANCE, cluster, remove_background
    from bot.services import build_services
    from bot.settings import Settings

    services = build_services(Settings())
    services.ensure_index()
    finder = services.gap_finder
    background = finder.background()
    print(
        f"evals/gaps.yaml; index of {services.store.count()} chunks in {services.settings.data_dir}"
    )
    print(
        f"chosen: complete linkage after removing {BACKGROUND_WEIGHT} x the knowledge base's "
        f"mean direction, cut {MAX_DISTANCE}; baseline: average linkage on the raw embeddings"
    )
    for split in ("dev", "test"):
        pairs = load_split(split)
        topics = [t for t, _ in pairs]
        vectors = finder.embed([q for _, q in pairs])
        shifted = remove_background(vectors, background, BACKGROUND_WEIGHT)
        print(f"\n{split}: {len(pairs)} questions, {len(set(topics))} topics\n")
        print("| method | cut | groups | pair precision | pair recall | pair F1 | whole topics |")
        print("|---|---|---|---|---|---|---|")
        for method, linkage, points in (
            ("baseline", "average", vectors),
            ("chosen", "complete", shifted),
        ):
            for cut in CUTS:
                s = pair_scores(topics, cluster(points, max_distance=cut, linkage=linkage))
                mark = " **←**" if method == "chosen" and abs(cut - MAX_DISTANCE) < 1e-9 else ""
                print(
                    f"| {method} | {cut:.3f}{mark} | {s['groups']} | {s['precision']:.3f} | "
                    f"{s['recall']:.3f} | {s['f1']:.3f} | {s['exact_topics']:.2f} |"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
