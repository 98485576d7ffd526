"""Incremental ingest against the real model and a real embedded Chroma in a temp dir."""

from pathlib import Path

import numpy as np

from bot.indexing.ingestion import ingest
from bot.services import build_services
from tests.conftest import make_settings

DOC_A = """---
title: Contractor rates
sources: [Obsidi]
---
# Contractor rates

Obsidi says freelance ML developers charge roughly $100–$250 per hour depending on scope.
Rates depend on the engagement and on the specialisation of the developer.
"""
DOC_B = """# Interview loop

A structured interview compares every candidate on the same dimensions, stage by stage.
"""


def run(services, folder: Path, **kw):
    s = services.settings
    return ingest(
        [folder],
        store=services.store,
        embedder=services.embedder,
        chunk_size=s.chunk_size,
        chunk_overlap=s.chunk_overlap,
        progress=False,
        **kw,
    )


def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "rates.md").write_text(DOC_A)
    (folder / "interviews.txt").write_text(DOC_B)
    return folder


def services_with(tmp_path, counting_embedder):
    return build_services(make_settings(tmp_path / "data"), embedder=counting_embedder)


def test_first_run_adds_everything_and_rerun_embeds_nothing(tmp_path, counting_embedder):
    services = services_with(tmp_path, counting_embedder)
    folder = corpus(tmp_path)
    first = run(services, folder)
    assert (first.files_added, first.files_changed, first.files_removed) == (2, 0, 0)
    assert first.chunks_added == services.store.count() > 0
    assert first.ok and counting_embedder.texts == first.texts_embedded > first.chunks_added

    before = counting_embedder.texts
    again = run(services, folder)
    assert counting_embedder.texts == before  # no embedding at all
    assert (again.files_unchanged, again.chunks_added, again.chunks_removed) == (2, 0, 0)
    assert again.chunks_unchanged == first.chunks_added


def test_changed_file_replaces_only_its_own_chunks(tmp_path, counting_embedder):
    services = services_with(tmp_path, counting_embedder)
    folder = corpus(tmp_path)
    run(services, folder)
    old_ids = {c.id for c in services.store.all_chunks() if c.source.endswith("rates.md")}
    (folder / "rates.md").write_text(DOC_A.replace("$100–$250", "$120–$260"))
    report = run(services, folder)
    assert (report.files_changed, report.files_unchanged) == (1, 1)
    chunks = services.store.all_chunks()
    rates = [c for c in chunks if c.source.endswith("rates.md")]
    assert rates and not old_ids & {c.id for c in rates}
    assert any("$120–$260" in c.text for c in rates)
    assert not any("$100–$250" in c.text for c in chunks)
    assert report.chunks_removed == len(old_ids)
    # the sentence units of the old chunks went with them
    assert services.store.units_for(sorted(old_ids)) == {cid: [] for cid in sorted(old_ids)}


def test_deleted_file_loses_its_chunks(tmp_path, counting_embedder):
    services = services_with(tmp_path, counting_embedder)
    folder = corpus(tmp_path)
    run(services, folder)
    (folder / "interviews.txt").unlink()
    report = run(services, folder)
    assert report.files_removed == 1 and report.chunks_removed >= 1
    assert {c.source.rsplit("/", 1)[-1] for c in services.store.all_chunks()} == {"rates.md"}


def test_bad_files_are_reported_and_the_rest_is_ingested(tmp_path, counting_embedder):
    services = services_with(tmp_path, counting_embedder)
    folder = corpus(tmp_path)
    (folder / "empty.md").write_text("")
    (folder / "blob.md").write_bytes(b"\x00\xff" * 100)
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 nope")
    (folder / "notes.csv").write_text("reported,because,unsupported")
    (folder / ".hidden.md").write_text(DOC_B)
    report = run(services, folder)
    reasons = {Path(p).name: r for p, r in report.failures}
    # hidden files are ignored; an unsupported type is reported, never skipped without a word
    assert set(reasons) == {"empty.md", "blob.md", "broken.pdf", "notes.csv"}
    assert reasons["empty.md"] == "file is empty"
    assert "binary" in reasons["blob.md"]
    assert "PDF" in reasons["broken.pdf"]
    assert report.files_added == 2 and not report.ok


def test_a_file_that_breaks_keeps_its_previous_chunks(tmp_path, counting_embedder):
    services = services_with(tmp_path, counting_embedder)
    folder = corpus(tmp_path)
    run(services, folder)
    count = services.store.count()
    (folder / "rates.md").write_bytes(b"\x00" * 50)
    report = run(services, folder)
    assert not report.ok and services.store.count() == count


def test_changed_chunk_settings_reembed_everything(tmp_path, counting_embedder):
    services = services_with(tmp_path, counting_embedder)
    folder = corpus(tmp_path)
    run(services, folder)
    s = services.settings
    report = ingest(
        [folder],
        store=services.store,
        embedder=counting_embedder,
        chunk_size=s.chunk_size + 100,
        chunk_overlap=s.chunk_overlap,
        progress=False,
    )
    assert report.files_changed == 2 and report.texts_embedded > 0


def test_missing_path_is_a_failure_not_a_crash(tmp_path, counting_embedder):
    services = services_with(tmp_path, counting_embedder)
    report = run(services, tmp_path / "nope")
    assert report.failures == [(str(tmp_path / "nope"), "no such file or directory")]
    assert services.store.count() == 0


def test_texts_embedded_longest_first_come_back_in_their_own_order(embedder):
    from bot.indexing.ingestion import EMBED_BATCH, _embed_all

    texts = [("word " * (n % 37 + 1)).strip() + f" {n}" for n in range(EMBED_BATCH + 9)]
    vectors = _embed_all(embedder, texts, progress=False)
    alone = np.vstack([embedder.embed([t]) for t in texts[:3] + texts[-3:]])
    assert vectors.shape == (len(texts), embedder.dimension)
    assert np.allclose(vectors[:3], alone[:3], atol=1e-4)
    assert np.allclose(vectors[-3:], alone[3:], atol=1e-4)
