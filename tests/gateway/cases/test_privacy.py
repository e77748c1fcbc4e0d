"""Masking personal data in public text: plates, phone numbers, e-mails and names (gateway/cases/privacy.py)."""

from __future__ import annotations

import pytest

from gateway.cases.privacy import EMAIL, NAME, PHONE, PLATE, mask_personal


@pytest.mark.parametrize("text, expected", [
    ("voiture AB-123-CD sur le trottoir", f"voiture {PLATE} sur le trottoir"),
    ("voiture ab-123-cd sur le trottoir", f"voiture {PLATE} sur le trottoir"),
    ("camion AB 123 CD en double file", f"camion {PLATE} en double file"),
    ("épave AB123CD depuis un mois", f"épave {PLATE} depuis un mois"),
    ("vieille 1234 AB 56 abandonnée", f"vieille {PLATE} abandonnée"),
    ("une 123 ABC 2A ventouse", f"une {PLATE} ventouse"),
])
def test_french_licence_plates_are_masked(text, expected):
    assert mask_personal(text) == expected


@pytest.mark.parametrize("number", [
    "06 12 34 56 78", "0612345678", "06.12.34.56.78", "06-12-34-56-78", "+33 6 12 34 56 78", "+33612345678",
    "+33 (0)6 12 34 56 78", "0033 6 12 34 56 78", "01 23 45 67 89", "+44 20 7946 0958",
])
def test_phone_numbers_are_masked(number):
    assert mask_personal(f"rappelez-moi au {number} svp") == f"rappelez-moi au {PHONE} svp"


def test_email_addresses_are_masked():
    assert mask_personal("écrivez à jean.dupont+mairie@example.fr merci") == f"écrivez à {EMAIL} merci"


@pytest.mark.parametrize("text, expected", [
    ("c'est M. Dupont qui se gare là", f"c'est M. {NAME} qui se gare là"),
    ("Mme Anne Martin a vu le trou", f"Mme {NAME} a vu le trou"),
    ("mme durand habite au 3", f"mme {NAME} habite au 3"),
    ("Monsieur Lefèvre-Petit laisse ses poubelles", f"Monsieur {NAME} laisse ses poubelles"),
    ("la voiture de Madame Roux", f"la voiture de Madame {NAME}"),
    ("je m'appelle jean dupont et il y a un trou", f"je m'appelle {NAME} et il y a un trou"),
    ("Bonjour, je m'appelle Paul, lampadaire éteint", f"Bonjour, je m'appelle {NAME}, lampadaire éteint"),
    ("M. et Mme Durand", f"M. et Mme {NAME}"),
])
def test_names_after_a_civility_or_an_introduction_are_masked(text, expected):
    assert mask_personal(text) == expected


@pytest.mark.parametrize("text", [
    "Nid de poule devant le 14 rue Victor Hugo",
    "NID DE POULE AU 123 RUE BALZAC",
    "lampadaire éteint depuis le 12 MAI 2024 à 14h",
    "Monsieur le maire, la rue est sombre",
    "Madame la maire, merci pour la réparation",
    "trou de 30 cm au 2 bis avenue de la Gare",
    "",
])
def test_ordinary_report_text_is_left_alone(text):
    assert mask_personal(text) == text
