"""Profile the warm `ask` hot path with pyinstrument: `python -m benchmarks.profile_ask`.

Prints the call tree of answering every eval question once (after a warm-up), so the
dominant costs are visible (it showed the query embedding, re-reading the collection, and a
second embedding for the scope check before those were fixed)."""

from __future__ import annotations

import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main() -> int:
    from pyinstrument import Profiler

    from benchmarks.fixtures import knowledge_services, questions

    services = knowledge_services()
    qs = questions()
    for q in qs[:10]:
        services.qa.ask(q)
    profiler = Profiler(interval=0.001)
    profiler.start()
    for q in qs:
        services.qa.ask(q)
    profiler.stop()
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
