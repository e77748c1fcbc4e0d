"""A town loads its own territory from national open data: commune contours (geo.api.gouv.fr GeoJSON), its
districts, and the Base Adresse Nationale CSV of its département (tests/routing/fixtures/open_data holds small
files in those exact formats: three communes of Indre-et-Loire, Chinon's two districts, 96 BAN rows of which
five are in Tours, which was not asked for, and one a lieu-dit without house numbers)."""

from __future__ import annotations

import csv
import json
import re
import shutil

import yaml
from click.testing import CliRunner

from gateway.cli import main
from gateway.runtime import Runtime
from gateway.settings import REPO
from tests.conftest import GATEWAY_NUMBER, serve_app

OPEN_DATA = REPO / "tests" / "routing" / "fixtures" / "open_data"
CHINON, BEAUMONT = "37072", "37022"


def run_import(out, *extra: str):
    return CliRunner().invoke(main, [
        "territory", "import", "--communes", str(OPEN_DATA / "communes-37.geojson"), "--insee", CHINON,
        "--insee", BEAUMONT, "--districts", str(OPEN_DATA / "quartiers-chinon.geojson"),
        "--ban", str(OPEN_DATA / "adresses-37.csv"), "--out", str(out), *extra])


def gazetteer_rows(out) -> list[dict[str, str]]:
    with (out / "gazetteer.csv").open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def test_the_import_writes_the_asked_communes_their_districts_and_their_streets(tmp_path):
    result = run_import(tmp_path)

    assert result.exit_code == 0, result.output
    assert "2 commune(s), 2 district(s), 4 streets from 80 addresses" in result.output
    features = json.loads((tmp_path / "territories.geojson").read_text())["features"]
    assert [(f["properties"]["kind"], f["properties"]["code"]) for f in features] == [
        ("commune", "chinon"), ("commune", "beaumont-en-veron"),
        ("district", "chinon-centre-historique"), ("district", "chinon-saint-mexme")]
    assert features[0]["properties"] == {"code": "chinon", "name": "Chinon", "kind": "commune",
                                              "citycode": CHINON, "postcode": "37500"}
    streets = {row["name"]: row for row in gazetteer_rows(tmp_path)}
    assert set(streets) == {"Rue Voltaire", "Place du Général de Gaulle", "Rue Jean-Jacques Rousseau",
                            "Rue de la Mairie"}  # not Tours' Rue Nationale, not the lieu-dit
    assert (streets["Rue Voltaire"]["first_number"], streets["Rue Voltaire"]["last_number"]) == ("1", "40")
    assert streets["Rue Voltaire"]["district"] == "chinon-centre-historique"
    assert streets["Rue Jean-Jacques Rousseau"]["district"] == "chinon-saint-mexme"
    assert streets["Rue de la Mairie"]["commune"] == "beaumont-en-veron"


def test_a_second_import_needs_force_and_keeps_the_landmarks_a_town_added(tmp_path):
    assert run_import(tmp_path).exit_code == 0
    with (tmp_path / "gazetteer.csv").open("a", encoding="utf-8") as file:
        file.write("landmark,Forteresse royale,chinon,chinon-centre-historique,47.1685,0.2360,,,,,château\n")

    refused = run_import(tmp_path)
    forced = run_import(tmp_path, "--force")

    assert refused.exit_code == 1
    assert "territories.geojson exists: pass --force to replace it (its landmarks are kept)" in refused.output
    assert forced.exit_code == 0 and "1 landmark(s) kept" in forced.output
    assert [row["name"] for row in gazetteer_rows(tmp_path) if row["kind"] == "landmark"] == ["Forteresse royale"]


def test_files_that_are_not_what_the_import_reads_get_one_sentence(tmp_path):
    wrong_code = CliRunner().invoke(main, [
        "territory", "import", "--communes", str(OPEN_DATA / "communes-37.geojson"), "--insee", "37999",
        "--ban", str(OPEN_DATA / "adresses-37.csv"), "--out", str(tmp_path)])
    not_ban = CliRunner().invoke(main, [
        "territory", "import", "--communes", str(OPEN_DATA / "communes-37.geojson"), "--insee", CHINON,
        "--ban", str(OPEN_DATA / "communes-37.geojson"), "--out", str(tmp_path)])

    communes_as_districts = CliRunner().invoke(main, [
        "territory", "import", "--communes", str(OPEN_DATA / "communes-37.geojson"), "--insee", CHINON,
        "--ban", str(OPEN_DATA / "adresses-37.csv"), "--districts", str(OPEN_DATA / "communes-37.geojson"),
        "--out", str(tmp_path / "third")])

    assert wrong_code.exit_code == 1 and "has no commune with INSEE code 37999" in wrong_code.output
    assert not_ban.exit_code == 1 and "is not a Base Adresse Nationale CSV" in not_ban.output
    assert communes_as_districts.exit_code == 1 and communes_as_districts.output.strip().endswith(
        "covers the whole commune of Chinon: --districts takes the districts (quartiers) inside a commune, "
        "not communes")
    assert not (tmp_path / "third").exists()
    assert "Traceback" not in wrong_code.output + not_ban.output + communes_as_districts.output


def write_services(config) -> None:
    services = [
        {"code": "chinon-voirie", "name": "Voirie", "communes": ["chinon"],
         "categories": ["chaussee", "obstacle", "signalisation"], "email": "voirie@ville-chinon.example"},
        {"code": "chinon-accueil", "name": "Accueil de la mairie", "communes": ["chinon"], "categories": ["autre"]},
        {"code": "beaumont-accueil", "name": "Secrétariat de mairie", "communes": ["beaumont-en-veron"],
         "categories": ["autre"]},
    ]
    (config / "services.yaml").write_text(yaml.safe_dump({"services": services}, allow_unicode=True))
    oncall = {"default": [{"name": "Astreinte de la communauté de communes", "channel": "sms",
                           "address": "+33600000300"}],
              "communes": {"chinon": [{"name": "Astreinte technique", "channel": "sms", "address": "+33600000301"}]}}
    (config / "oncall.yaml").write_text(yaml.safe_dump(oncall, allow_unicode=True))


def test_config_check_names_each_problem_then_agrees(tmp_path):
    config = tmp_path / "config"
    shutil.copytree(REPO / "config", config)
    run_import(config, "--force")

    before = CliRunner().invoke(main, ["config", "check"], env={"GUICHET_CONFIG_DIR": str(config)})
    write_services(config)
    after = CliRunner().invoke(main, ["config", "check"], env={"GUICHET_CONFIG_DIR": str(config)})

    assert before.exit_code == 1
    assert "error: services.yaml: service valmont-voirie serves commune 'valmont', which territories.geojson does " \
           "not have" in before.output
    assert "error: services.yaml: no service takes 'autre' in chinon" in before.output
    assert "error: oncall.yaml: commune 'valmont' is not in territories.geojson" in before.output
    assert after.exit_code == 0, after.output
    assert "note: beaumont-en-veron: category chaussee has no service of its own and goes to beaumont-accueil" \
           in after.output
    assert "error" not in after.output
    assert "on-call lists, directory, communes and the town's identity agree" in after.output


def test_a_report_at_an_imported_address_is_routed_and_answered(shared_runtime, twilio, tmp_path):
    config = tmp_path / "config"
    shutil.copytree(REPO / "config", config)
    assert run_import(config, "--force").exit_code == 0
    write_services(config)
    chinon = Runtime(shared_runtime.settings.replace(config_dir=config))
    twilio.reset()
    from gateway.outbound.worker import Worker

    with serve_app(chinon) as gateway:
        gateway.sms("+33611223344", "nid de poule devant le 12 rue voltaire")
        Worker(chinon).run_once()

    replies = [m["body"] for m in twilio.messages if m["to"] == "+33611223344" and m["from"] == GATEWAY_NUMBER]
    assert len(replies) == 1, replies
    assert "12 Rue Voltaire, Chinon" in replies[0] and "Service : Voirie" in replies[0], replies[0]


def test_a_latin1_or_cut_short_ban_file_gets_one_sentence(tmp_path):
    latin = tmp_path / "adresses-37.csv"
    latin.write_bytes((OPEN_DATA / "adresses-37.csv").read_text(encoding="utf-8").encode("latin-1"))
    cut = tmp_path / "adresses-37.csv.gz"
    import gzip

    cut.write_bytes(gzip.compress((OPEN_DATA / "adresses-37.csv").read_bytes())[:600])

    said = [CliRunner().invoke(main, [
        "territory", "import", "--communes", str(OPEN_DATA / "communes-37.geojson"), "--insee", CHINON,
        "--ban", str(ban), "--out", str(tmp_path / "out")]) for ban in (latin, cut)]

    assert [result.exit_code for result in said] == [1, 1]
    assert "is not UTF-8 text" in said[0].output and "is cut short or not gzip" in said[1].output
    assert "Traceback" not in said[0].output + said[1].output and "Aborted" not in said[1].output


def test_config_check_reads_the_towns_identity_too(tmp_path):
    config = tmp_path / "config"
    shutil.copytree(REPO / "config", config)
    town = (config / "town.yaml").read_text(encoding="utf-8")
    (config / "town.yaml").write_text(re.sub(r"^name: .*$", 'name: ""', town, count=1, flags=re.M), encoding="utf-8")

    result = CliRunner().invoke(main, ["config", "check"], env={"GUICHET_CONFIG_DIR": str(config)})

    assert result.exit_code == 1
    assert f"error: {config / 'town.yaml'}: name is empty: write it" in result.output
