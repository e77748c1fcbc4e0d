"""The theme of a report: what is wrong, not where it is."""

import pytest


@pytest.mark.parametrize(
    "text, category",
    [
        ("scooter stationné sur la piste cyclable avenue Marceau", "stationnement"),
        ("une voiture garée sur la piste cyclable rue Pasteur", "stationnement"),
        ("camion stationné sur le trottoir devant l'école", "stationnement"),
        ("car parked in the bike lane on rue Danton", "stationnement"),
        ("la piste cyclable est pleine de trous", "velo"),
        ("someone sprayed graffiti on the bus shelter", "graffiti"),
        ("des tags sur l'abribus rue Pasteur", "graffiti"),
        ("nid de guêpes dans l'abribus", "autre"),
        ("l'abribus est cassé", "autre"),
    ],
)
def test_the_category_is_the_problem_not_the_place(understander, text, category):
    analysis = understander.analyze(text)

    assert (analysis.intent, analysis.category) == ("report", category)
