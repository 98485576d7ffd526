"""The role model at start-up and per request: loading the committed artifact against training at
start-up (the alternative it replaces), and warm `recommend` latency."""

from __future__ import annotations

import time

from benchmarks.common import median, pct, table, timed
from benchmarks.fixtures import ROOT, knowledge_services
from bot.evaluation.harness import load_roles
from bot.roles import training as rt
from bot.roles.model import DEFAULT_ARTIFACT, RoleModel


def run(*, quick: bool) -> str:
    services = knowledge_services()
    embedder = services.embedder
    items = rt.load_training_items(ROOT / "evals")
    loads = timed(lambda: RoleModel.load(DEFAULT_ARTIFACT), 3 if quick else 10)
    model = RoleModel.load(DEFAULT_ARTIFACT)
    embedder.embed(["warm up the model threads"])
    texts = [i.situation for i in items]
    embeds, trains = [], []
    for _ in range(1 if quick else 3):
        started = time.perf_counter()
        embedder.embed(texts)
        embeds.append(time.perf_counter() - started)
        started = time.perf_counter()
        rt.train(items, embedder, config=rt.config_of(model), search=False)
        trains.append(time.perf_counter() - started)
    rows = [
        ("load the committed artifact (default)", f"{median(loads):.1f} ms"),
        (f"alternative: embed the {len(items)} training situations", f"{median(embeds):.1f} s"),
        (
            "alternative: train at start-up (embed, 5-fold calibration, fit)",
            f"{median(trains):.1f} s",
        ),
    ]
    recommender = services.roles.recommender
    situations = [i.situation for i in load_roles(ROOT / "evals" / rt.DEV_FILE)]
    if quick:
        situations = situations[:8]
    started = time.perf_counter()
    recommender.recommend(situations[0])  # first call: reads the artifact, builds the profiles
    first_ms = (time.perf_counter() - started) * 1000
    for s in situations:  # warm-up pass
        recommender.recommend(s)
    warm, embed = [], []
    for s in situations:  # interleaved, so load changes on a shared machine hit both alike
        warm += timed(lambda s=s: recommender.recommend(s), 1)
        embed += timed(lambda s=s: embedder.embed([s]), 1)
    start_table = table(
        "Role model at start-up (median of runs)", ("how the model is ready", "time"), rows
    )
    request_table = table(
        f"pick-role over {len(situations)} dev situations (ms)",
        ("first call (artifact + profiles)", "warm p50", "warm p95", "embedding alone p50"),
        [(first_ms, median(warm), pct(warm, 95), median(embed))],
    )
    return start_table + "\n" + request_table
