"""The pages French law asks of a town's website, filled from config/town.yaml and the settings: mentions
légales, the accessibility statement (RGAA model) and personal data (RGPD: controller, purposes, legal basis,
retention read from GUICHET_RETENTION_MONTHS and GUICHET_PHOTO_RETENTION_DAYS, rights, the DPO)."""

from __future__ import annotations

from flask import Blueprint, render_template

from gateway.runtime import current_runtime

bp = Blueprint("legal", __name__)

# The pages the axe-core browser tests check (tests/gateway/web/test_accessibility.py reads this list), at
# desktop width and at 390 px; the accessibility statement names them. `{case}` is a case's reference.
CHECKED_PAGES = (
    ("Accueil", "/"),
    ("Carte des signalements", "/carte"),
    ("Statistiques", "/statistiques"),
    ("Suivi d'un signalement", "/suivi/{case}"),
    ("Signalement introuvable", "/suivi/GU-0000-0000"),
    ("Idées", "/idees"),
    ("Une idée, sa réponse et ses étapes", "/idees/{idea}"),
    ("Mentions légales", "/mentions-legales"),
    ("Déclaration d'accessibilité", "/accessibilite"),
    ("Données personnelles", "/donnees-personnelles"),
    ("Connexion des agents", "/agents/connexion"),
    ("Dossiers des agents", "/agents/"),
    ("Dossier d'un signalement (agents)", "/agents/dossiers/{case}"),
    ("Carte des dossiers (agents)", "/agents/carte"),
    ("Journal des actions (agents)", "/agents/journal"),
    # -- ideas: events
    ("Événements", "/evenements"),
    ("Un événement et son inscription", "/evenements/{event}"),
    ("Événements (agents)", "/agents/evenements"),
    ("Un événement et ses inscrits (agents)", "/agents/evenements/{event}"),
)
CHECKED_WIDTHS = (1280, 390)
AXE_VERSION = "4.14.1"  # package.json's axe-core
MEASURED_ON = "2 décembre 2026"


@bp.get("/mentions-legales")
def notice():
    """Mentions légales: who publishes the site, who hosts it."""
    return render_template("legal/notice.html")


@bp.get("/accessibilite")
def accessibility():
    """Déclaration d'accessibilité, in the RGAA's model."""
    return render_template("legal/accessibility.html", pages=CHECKED_PAGES, widths=CHECKED_WIDTHS,
                           axe_version=AXE_VERSION, measured_on=MEASURED_ON,
                           site=current_runtime().settings.public_url)


@bp.get("/donnees-personnelles")
def personal_data():
    """Données personnelles: what the town keeps of residents, why, how long, and their rights."""
    settings = current_runtime().settings
    return render_template("legal/personal_data.html", retention_months=settings.retention_months,
                           photo_retention_days=settings.photo_retention_days)
