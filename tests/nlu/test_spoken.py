"""Yes, no and menu words in what speech recognition heard: whole sentences, ending with a full stop."""

import pytest

from nlu.spoken import heard, heard_answer, says


@pytest.mark.parametrize(("sentence", "expected"), [
    ("Oui, c'est exact.", "yes"),
    ("C’est ça", "yes"),
    ("Tout à fait !", "yes"),
    ("non c'est pas la bonne rue", "no"),
    ("oui enfin non", "no"),  # a no wins over a yes
    ("Il faut recommencer.", "no"),
    ("au 12 rue Victor Hugo", None),
    ("nonante", None),  # a short word counts only as a whole word
])
def test_a_yes_or_a_no_is_heard_anywhere_in_the_sentence(sentence, expected):
    assert heard_answer(sentence) == expected


def test_a_long_key_is_heard_inside_a_word():
    assert says("Un opérateur, s'il vous plaît.", ("operat",), stems_from=6)
    assert not says("Un opérateur, s'il vous plaît.", ("operat",))


def test_heard_folds_and_drops_the_final_stop():
    assert heard("Réécouter la référence.") == "reecouter la reference"


def test_a_bare_answer_reads_as_the_chat_reads_it(understander):
    # The phone line asks the understander first; these are no words of the sentence lists.
    assert [understander.analyze(t).answer for t in ("Ouais.", "Non, merci.", "pas du tout")] == ["yes", "no", "no"]
