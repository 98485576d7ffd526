from bot.indexing.attribution import attribute, cited_in
from bot.types import Origin

GUT = Origin(
    "gutierrez", "AI Engineer vs ML Scientist in 2025", "Ignacio Gutierrez", ("Gutierrez",)
)
OBS = Origin("obsidi", "How to Hire an ML Developer", "Obsidi", ("Obsidi",))
BOTH = (GUT, OBS)


def test_sentence_naming_a_source_is_attributed_to_it_only():
    assert attribute("Obsidi says $100–$250 per hour.", origins=BOTH) == (OBS,)


def test_unnamed_sentence_inherits_from_its_paragraph_then_heading_then_document():
    assert attribute("Seniors earn more.", context=["Gutierrez gives U.S. pay."], origins=BOTH) == (
        GUT,
    )
    assert attribute("Seniors earn more.", headings=["What Obsidi reports"], origins=BOTH) == (OBS,)
    assert attribute("Seniors earn more.", origins=BOTH) == BOTH


def test_names_match_whole_words_only():
    assert cited_in("Obsidian is a note app", BOTH) == ()
    assert cited_in("per obsidi's guide", BOTH) == (OBS,)


def test_several_names_are_returned_in_the_order_the_text_gives_them():
    assert cited_in("Obsidi and Gutierrez disagree", BOTH) == (OBS, GUT)
