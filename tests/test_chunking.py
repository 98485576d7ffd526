import re
from pathlib import Path

from bot.indexing.chunking import LIST_SIZE_FACTOR, chunk_document
from bot.indexing.documents import load_document
from bot.text import split_sentences

ROOT = Path(__file__).resolve().parents[1]


def sample(tmp_path: Path) -> Path:
    body = ["---", "title: Sample", "sources: [Vector Talent Partners]", "---", "# Sample", ""]
    body += ["## Pay", "", "Short pay section about figures.", ""]
    body += ["## Interviews", "", "### Stage one", ""]
    body += [
        f"Sentence number {i} talks about interview stage design in detail." for i in range(40)
    ]
    path = tmp_path / "sample.md"
    path.write_text("\n".join(body), encoding="utf-8")
    return path


def test_chunks_carry_their_heading_path_and_respect_size(tmp_path):
    doc = load_document(sample(tmp_path))
    chunks = chunk_document(doc, size=400, overlap=80)
    assert chunks[0].headings == ("Pay",)
    assert all(c.headings == ("Interviews", "Stage one") for c in chunks[1:])
    assert len(chunks) > 3
    assert all(len(c.text) <= 400 for c in chunks)
    assert chunks[1].embedding_text.startswith("Sample > Interviews > Stage one\n")
    assert [c.index for c in chunks] == list(range(len(chunks)))


def test_overlap_repeats_whole_sentences_only(tmp_path):
    chunks = chunk_document(load_document(sample(tmp_path)), size=400, overlap=80)
    second, third = chunks[1], chunks[2]
    first_of_third = split_sentences(third.text.replace("\n", " "))[0]
    assert first_of_third in second.text  # overlap carried over
    assert first_of_third.startswith("Sentence number") and first_of_third.endswith(".")


def test_chunk_ids_are_stable_and_change_with_content(tmp_path):
    path = sample(tmp_path)
    a = chunk_document(load_document(path), size=400, overlap=80)
    b = chunk_document(load_document(path), size=400, overlap=80)
    assert [c.id for c in a] == [c.id for c in b]
    path.write_text(path.read_text() + "\nOne more sentence at the end.\n")
    c = chunk_document(load_document(path), size=400, overlap=80)
    assert not {x.id for x in a} & {x.id for x in c}


def test_every_knowledge_document_chunks_cleanly():
    for path in sorted((ROOT / "knowledge").rglob("*.md")):
        doc = load_document(path)
        chunks = chunk_document(doc, size=900, overlap=120)
        assert chunks, path
        assert all(c.origins and c.title for c in chunks)
        for c in chunks:  # over size only when the chunk holds a whole list and its lead
            assert len(c.text) <= 900 or (
                len(c.text) <= 900 * LIST_SIZE_FACTOR and re.search(r":\n- |:\n1\. ", c.text)
            ), c.text[:80]


def test_a_list_stays_in_one_chunk_with_the_sentence_that_introduces_it(tmp_path):
    items = [
        f"- Warning sign {i}: the candidate shows problem number {i} in detail." for i in range(8)
    ]
    body = ["---", "title: Flags", "sources: [Obsidi]", "---", "# Flags", "", "## Signs", ""]
    body += ["Some opening prose about hiring that runs for a while. " * 4, ""]
    body += [
        "Obsidi names eight warning signs:",
        "",
        *items,
        "",
        "A closing remark after the list.",
    ]
    path = tmp_path / "flags.md"
    path.write_text("\n".join(body), encoding="utf-8")
    chunks = chunk_document(load_document(path), size=400, overlap=80)
    holding = [c for c in chunks if "eight warning signs:" in c.text]
    assert len(holding) == 1
    assert all(f"problem number {i} " in holding[0].text for i in range(8))
    assert 400 < len(holding[0].text) <= 400 * LIST_SIZE_FACTOR
    assert not any("problem number 3 " in c.text for c in chunks if c is not holding[0])


def test_every_knowledge_list_is_whole_in_some_chunk():
    for path in sorted((ROOT / "knowledge").rglob("*.md")):
        doc = load_document(path)
        chunks = chunk_document(doc, size=900, overlap=120)
        for lead, items in re.findall(r"\n([^\n]+:)\n\n((?:(?:- |\d+\. )[^\n]+\n?)+)", doc.text):
            lines = [line[:60] for line in items.strip().splitlines()]
            assert any(lead in c.text and all(x in c.text for x in lines) for c in chunks), lead
