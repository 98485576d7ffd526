from pathlib import Path

import pytest

from bot.errors import DocumentError
from bot.indexing.documents import html_to_markdown, load_document

MD = """---
title: Pay guide
sources:
  - key: obsidi
    title: How to Hire an ML Developer
    publisher: Obsidi
    cite_as: [Obsidi]
  - "Plain string source"
roles: [ml_engineer, not_a_role]
topics: [pay, rates]
---
# Pay guide

Obsidi says contractors charge roughly $100–$250 per hour.
"""


def write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_markdown_front_matter_becomes_metadata(tmp_path):
    doc = load_document(write(tmp_path / "pay.md", MD))
    assert doc.title == "Pay guide"
    assert [o.key for o in doc.origins] == ["obsidi", "plain-string-source"]
    assert doc.origins[0].cite_as == ("Obsidi",)
    assert doc.roles == ("ml_engineer",)  # unknown role tags are dropped
    assert doc.topics == ("pay", "rates")
    assert doc.text.startswith("# Pay guide")
    assert len(doc.file_hash) == 64


def test_document_without_sources_cites_itself(tmp_path):
    doc = load_document(write(tmp_path / "notes.txt", "Our own interview notes for ML hires, v2."))
    assert doc.title == "Notes"
    assert len(doc.origins) == 1 and doc.origins[0].title == "Notes"


def test_html_keeps_headings_and_list_items_and_drops_scripts(tmp_path):
    html = (
        "<html><head><style>x{}</style></head><body><h2>Red flags</h2><script>bad()</script>"
        "<p>Watch for these warning signs in interviews:</p><ul><li>No monitoring</li>"
        "<li>Silo mentality</li></ul></body></html>"
    )
    doc = load_document(write(tmp_path / "flags.html", html))
    assert "## Red flags" in doc.text
    assert "- No monitoring" in doc.text and "- Silo mentality" in doc.text
    assert "bad()" not in doc.text and "x{}" not in doc.text
    assert html_to_markdown("<p>a &amp; b</p>") == "a & b"


def test_pdf_text_is_extracted(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["pdf.fonttype"] = 42
    import matplotlib.pyplot as plt

    fig = plt.figure()
    fig.text(0.05, 0.5, "Contractors charge about 100 to 250 dollars per hour.")
    fig.savefig(tmp_path / "rates.pdf")
    plt.close(fig)
    doc = load_document(tmp_path / "rates.pdf")
    assert "250 dollars per hour" in doc.text


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.md", "", "empty"),
        ("blank.md", "   \n\n  ", "empty"),
        ("binary.md", b"\x00\x01\x02garbage\x00" * 10, "binary"),
        ("latin.txt", "caf\xe9 ".encode("latin-1") * 20, "UTF-8"),
        ("tiny.md", "# Hi\n\nok", "no usable text"),
        ("badyaml.md", "---\ntitle: [unclosed\n---\nBody text that is long enough here.", "YAML"),
        ("listmeta.md", "---\n- a\n- b\n---\nBody text that is long enough here.", "mapping"),
        ("broken.pdf", b"%PDF-1.4 this is not really a pdf", "PDF"),
        ("data.csv", "a,b\n1,2\n", "unsupported"),
    ],
)
def test_unusable_files_raise_a_plain_reason(tmp_path, name, content, reason):
    with pytest.raises(DocumentError, match=reason):
        load_document(write(tmp_path / name, content))


def test_unreadable_file_is_reported(tmp_path):
    folder = tmp_path / "folder.md"  # a directory with a document's name cannot be read as one
    folder.mkdir()
    with pytest.raises(DocumentError, match="cannot read"):
        load_document(folder)
