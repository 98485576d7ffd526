from pathlib import Path

from bot.chunking import chunk_document
from bot.documents import load_document
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
        assert all(len(c.text) <= 900 for c in chunks)
