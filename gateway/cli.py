"""The `guichet` command: serve, worker, db, demo, analyze, case, templates."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import click
import requests

from gateway.errors import ConfigurationError
from gateway.settings import Settings


def _settings() -> Settings:
    """The settings from the environment; a malformed one ends the command with its sentence, not a traceback."""
    try:
        return Settings.from_env()
    except ConfigurationError as err:
        raise click.ClickException(str(err)) from err


def _runtime(*, serving: bool = False):
    """The process's runtime, every adapter built; a setting they refuse ends the command with its sentence.

    `serving`: a process that answers the outside (serve, worker, smtp, telegram poll) also refuses the secrets
    published in this repository; `guichet demo` sets its own."""
    from gateway.runtime import Runtime

    settings = _settings()
    try:
        if serving:
            settings.refuse_published_secrets()
        return Runtime(settings)
    except ConfigurationError as err:
        raise click.ClickException(str(err)) from err


def _migrated(rt) -> None:
    """Stop with one sentence when the database lacks migrations: a process that only reads and writes it
    (worker, smtp, poll) does not apply them, `guichet serve` and `guichet db upgrade` do."""
    from sqlalchemy.exc import OperationalError

    try:
        current = rt.db.is_current()
    except OperationalError as err:
        raise click.ClickException(f"cannot open the database at DATABASE_URL: {err.orig}") from err
    if not current:
        raise click.ClickException("the database at DATABASE_URL lacks migrations: run `guichet db upgrade` "
                                   "(or start `guichet serve`, which applies them) first")


def _logging(verbose: bool = False) -> None:
    from gateway.logs import configure

    configure(verbose)


class _Guichet(click.Group):
    """The command group; a database that cannot be reached ends any command with one sentence."""

    def invoke(self, ctx: click.Context):
        from sqlalchemy.exc import OperationalError

        try:
            return super().invoke(ctx)
        except OperationalError as err:
            raise click.ClickException(f"cannot reach the database at DATABASE_URL: {str(err.orig).strip()}") from err


@click.group(cls=_Guichet)
def main() -> None:
    """Guichet: the town's single window for residents' reports and ideas."""


@main.command()
@click.option("--port", type=int, default=None, help="Web port (default: PORT or 8000).")
def serve(port: int | None) -> None:
    """Web, worker and scheduler in one process; pending migrations applied first."""
    _logging()
    rt = _runtime(serving=True)
    from gateway.app import run_server

    run_server(rt, port or rt.settings.port)


@main.command()
def worker() -> None:
    """Deliveries, retries and scheduled jobs (the Procfile's `worker`)."""
    import signal
    import threading

    from gateway.outbound.worker import Worker

    _logging()
    rt = _runtime(serving=True)
    _migrated(rt)
    _ = rt.understander, rt.router
    worker = Worker(rt)
    worker.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    click.echo("Guichet worker running")
    stop.wait()
    worker.shutdown(wait=True)


@main.command()
def smtp() -> None:
    """The inbound mail server for GUICHET_INBOX on GUICHET_SMTP_PORT (the Procfile's `smtp`)."""
    from gateway.inbound.smtp import run_smtp

    _logging()
    rt = _runtime(serving=True)
    _migrated(rt)
    run_smtp(rt)


@main.group()
def telegram() -> None:
    """The Telegram bot."""


@telegram.command("poll")
def telegram_poll() -> None:
    """Fetch updates from Telegram instead of receiving the webhook (local use), with a worker beside it."""
    import threading

    from channels.base import ProviderUnavailable
    from gateway.inbound.telegram import poll
    from gateway.outbound.worker import Worker

    _logging()
    rt = _runtime(serving=True)
    rt.db.upgrade()
    worker = Worker(rt)
    worker.start()
    stop = threading.Event()
    try:
        poll(rt, stop=stop)
    except KeyboardInterrupt:
        stop.set()
    except (ConfigurationError, ProviderUnavailable) as err:  # a bad token, or no Bot API where it was asked
        raise click.ClickException(str(err)) from err
    finally:
        worker.shutdown(wait=False)


@telegram.command("set-webhook")
def telegram_set_webhook() -> None:
    """Tell Telegram to post updates to GUICHET_PUBLIC_URL/webhooks/telegram, with the secret token."""
    from channels.base import CredentialsRefused, ProviderUnavailable

    rt = _runtime()
    url = f"{rt.settings.public_url}/webhooks/telegram"
    try:
        rt.channels["telegram"].set_webhook(url)
    except (CredentialsRefused, ProviderUnavailable) as err:
        raise click.ClickException(str(err)) from err
    click.echo(f"Telegram now posts updates to {url}")


@main.group()
def db() -> None:
    """Database schema."""


@db.command()
def upgrade() -> None:
    """Apply pending migrations (the Procfile's `release`)."""
    from sqlalchemy.exc import OperationalError

    rt = _runtime()
    try:
        before = rt.db.revision()
        rt.db.upgrade()
        after = rt.db.revision()
    except OperationalError as err:
        raise click.ClickException(f"cannot open the database at DATABASE_URL: {err.orig}") from err
    if before == after:
        click.echo(f"database already at migration {after}: nothing to apply")
    else:
        click.echo(f"database migrated from {before or 'empty'} to {after}")


@main.command()
@click.argument("text", required=False)
@click.option("--eval", "eval_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A JSON-lines corpus to score: accuracy per field and the category confusion table.")
def analyze(text: str | None, eval_file: Path | None) -> None:
    """Understand TEXT (one JSON object), or one message a line from stdin (JSON lines)."""
    import nlu

    if eval_file is not None:
        click.echo(nlu.evaluate(eval_file, nlu.default_understander()).render())
        return
    if text is not None:
        click.echo(json.dumps(nlu.analyze(text).to_json(), ensure_ascii=False))
        return
    # bytes that are not UTF-8 become U+FFFD instead of stopping the whole batch
    stdin = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace")
    lines = [line.rstrip("\n") for line in stdin]
    for analysis in nlu.analyze_many(lines):
        click.echo(json.dumps(analysis.to_json(), ensure_ascii=False))


@main.group()
@click.option("--demo", is_flag=True, help="Act on the running demo's database instead of DATABASE_URL's.")
@click.option("--state", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The demo's state file (default var/demo.json), with --demo.")
def case(demo: bool, state: Path | None) -> None:
    """Cases, for agents at the command line (the demo's database when DATABASE_URL is not set and a demo ran here)."""
    _choose_the_database(demo, state)


def _choose_the_database(demo: bool, state: Path | None) -> None:
    """The agents' commands act on DATABASE_URL's database; with `--demo`, or when DATABASE_URL is not set and
    a demo has run in this checkout (`make run`), on the demo's (its file is not the default var/guichet.db)."""
    import os

    from gateway.demo import DEMO_STATE

    if demo:
        _use_the_demos_database(state)
    elif "DATABASE_URL" not in os.environ and (state or DEMO_STATE).exists():
        _use_the_demos_database(state)
        click.echo(f"(the demo's database, {os.environ['DATABASE_URL']}: DATABASE_URL is not set)", err=True)


def _use_the_demos_database(state: Path | None) -> None:
    """Point DATABASE_URL at the running demo's SQLite file, with the demo's settings for what it sends."""
    import os

    from gateway.demo import DEMO_STATE

    state = state or DEMO_STATE
    if not state.exists():
        raise click.ClickException(f"no demo has run here ({state} is missing): start it with `make run`")
    # The demo keeps its own SQLite file; the commands below read DATABASE_URL like every process.
    os.environ["DATABASE_URL"] = json.loads(state.read_text())["database"]
    # The demo sends at any hour (its worker has quiet hours off): an update queued here leaves now, not at 8:00.
    os.environ.setdefault("GUICHET_QUIET_HOURS", "off")


@case.command("list")
@click.option("--status", default=None)
@click.option("--service", default=None)
@click.option("--category", default=None)
@click.option("--limit", default=50, show_default=True)
@click.option("--json", "as_json_flag", is_flag=True, help="One JSON array.")
def case_list(status, service, category, limit, as_json_flag) -> None:
    """The newest cases, optionally filtered."""
    from gateway.cases.flows import as_json
    from store import cases as case_store

    rt = _runtime()
    with rt.db.session() as session:
        rows = [as_json(rt, session, c) for c in
                case_store.listing(session, status=status, service=service, category=category, limit=limit)]
    if as_json_flag:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(f"{row['reference']}  {row['status']:<11} {row['category']:<14} {row['urgency']:<9} "
                   f"{row['service'] or '-':<28} {row['address'] or '-'}")


@case.command("show")
@click.argument("reference")
@click.option("--json", "as_json_flag", is_flag=True)
def case_show(reference: str, as_json_flag: bool) -> None:
    """One case with its timeline."""
    from gateway.cases.flows import as_json
    from store import cases as case_store

    rt = _runtime()
    with rt.db.session() as session:
        found = case_store.by_reference(session, reference)
        if found is None:
            raise click.ClickException(f"no case {reference}")
        data = as_json(rt, session, found, with_timeline=True)
    if as_json_flag:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for key in ("reference", "kind", "status", "category", "urgency", "service", "territory", "district",
                "address", "lat", "lon", "channel", "followers", "created_at", "due_at", "description"):
        click.echo(f"{key:>12}: {data[key]}")
    click.echo("    timeline:")
    for event in data["timeline"]:
        change = f"{event['status_from'] or ''} -> {event['status_to']}" if event["status_to"] else ""
        click.echo(f"      {event['at']}  {event['kind']:<9} {change}  {event['message'] or ''}")


@case.command("update")
@click.argument("reference")
@click.option("--status", required=True, help="The new status (received, validated, in_progress, resolved, ...).")
@click.option("--message", default=None, help="A public message sent to the reporter and followers.")
@click.option("--photo", default=None, help="A photo file or URL kept on the timeline.")
@click.option("--target", default=None, help="With --status duplicate: the case it joins.")
@click.option("--agent", default="cli", help="Who acts, for the timeline.")
@click.option("--expected-on", default=None, help="With a validation: the day the work is expected (2026-12-12).")
@click.option("--cost", default=None, help="With a validation: the estimated cost in euros (1200 or 1200,50).")
def case_update(reference, status, message, photo, target, agent, expected_on, cost) -> None:
    """Change a case's status; every follower is told on their own channel."""
    from gateway.cases.actions import parse_cost, parse_day, plan_detail
    from gateway.cases.agents import ActionError
    from gateway.cases.flows import CaseError, change_status
    from gateway.cases.privacy import mask_personal
    from store import agents as agent_store

    rt = _runtime()
    try:
        day, cents = parse_day(expected_on), parse_cost(cost)
    except ActionError as err:
        raise click.ClickException(str(err)) from err
    if photo and not photo.startswith(("http://", "https://")):
        photo = _keep_photo(rt, reference, Path(photo))
    try:
        with rt.db.session() as session:
            updated = change_status(rt, session, reference=reference, status=status, message=message,
                                    photo=photo, actor=agent, target=target, expected_on=day, cost_cents=cents)
            # In the audit log like the back office's changes: who (the --agent given), via the command line.
            agent_store.audit(session, agent=None, actor=agent, action="status", via="cli", case=updated,
                              status=status, message=mask_personal(message) if message else None,
                              photo=photo is not None, **plan_detail(day, cents))
    except CaseError as err:
        raise click.ClickException(str(err)) from err
    click.echo(f"{updated.reference} is now {updated.status}")


def _keep_photo(rt, reference: str, path: Path) -> str:
    """Keep the photo as every photo is kept (re-encoded, EXIF dropped); refuse what is not one."""
    from gateway.cases.photos import public_photo
    from store import files

    if not path.is_file():
        raise click.ClickException(f"no photo file {path}")
    try:
        kept = files.keep_photo(rt.settings.media_dir, path.read_bytes(), prefix="agent").path.absolute()
        public_photo(kept)  # the public's copy, faces and plates blurred
        return str(kept)
    except files.NotAPhoto as err:
        raise click.ClickException(f"{path} is not a photo Guichet keeps: {err}") from err


@main.command("backup")
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(archive: Path) -> None:
    """Write the database (every table) and the media files to ARCHIVE (.tar.gz), while the service runs."""
    from sqlalchemy.exc import OperationalError

    from store.backup import backup
    from store.db import Database

    settings = _settings()
    database = Database(settings.database_url)
    try:
        done = backup(database, settings.media_dir, archive)
    except OperationalError as err:
        raise click.ClickException(f"cannot read the database at DATABASE_URL: {err.orig}") from err
    finally:
        database.dispose()
    click.echo(f"{archive}: {done.cases} case(s), {sum(done.rows.values())} rows in {len(done.rows)} tables, "
               f"{done.media_files} media file(s), at migration {done.revision}")


@main.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore_command(archive: Path) -> None:
    """Load ARCHIVE (from `guichet backup`) into the empty database at DATABASE_URL and GUICHET_MEDIA_DIR."""
    from sqlalchemy.exc import OperationalError

    from store.backup import BackupError, restore
    from store.db import Database

    settings = _settings()
    database = Database(settings.database_url)
    try:
        done = restore(database, settings.media_dir, archive)
    except BackupError as err:
        raise click.ClickException(str(err)) from err
    except OperationalError as err:
        raise click.ClickException(f"cannot write the database at DATABASE_URL: {err.orig}") from err
    finally:
        database.dispose()
    click.echo(f"restored {done.cases} case(s), {sum(done.rows.values())} rows and {done.media_files} media "
               f"file(s) from {archive} (made at migration {done.revision})")


@main.group()
def territory() -> None:
    """The town's territory and streets."""


@territory.command("import")
@click.option("--communes", "communes_file", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Commune boundaries as GeoJSON (geo.api.gouv.fr or data.gouv.fr contours).")
@click.option("--insee", "insee_codes", required=True, multiple=True,
              help="The INSEE code of a commune to take (repeat for several).")
@click.option("--ban", "ban_file", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The Base Adresse Nationale CSV of the département (adresses-NN.csv or .csv.gz).")
@click.option("--districts", "districts_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Districts (quartiers) as GeoJSON, optional.")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="The town's config directory, where territories.geojson and gazetteer.csv are written.")
@click.option("--force", is_flag=True, help="Replace the territory already there (its landmarks are kept).")
def territory_import(communes_file, insee_codes, ban_file, districts_file, out, force) -> None:
    """Build territories.geojson and gazetteer.csv from national open data."""
    from routing.territory_import import TerritoryFileError, import_territory

    try:
        done = import_territory(communes_file=communes_file, ban_file=ban_file, insee_codes=list(insee_codes),
                                out=out, districts_file=districts_file, force=force)
    except TerritoryFileError as err:
        raise click.ClickException(str(err)) from err
    click.echo(f"{done.communes} commune(s), {done.districts} district(s), {done.streets} streets from "
               f"{done.addresses} addresses written to {out}; {done.landmarks_kept} landmark(s) kept"
               + (f"; {done.outside} address(es) lie outside their commune's boundary" if done.outside else "")
               + (f"; {done.skipped} line(s) without a number or a position left out" if done.skipped else ""))
    click.echo(f"Next: give each commune its services in {out}/services.yaml (one takes `autre`), then run "
               f"GUICHET_CONFIG_DIR={out} guichet config check")


@main.group("config")
def config_group() -> None:
    """The town's configuration files."""


@config_group.command("check")
def config_check() -> None:
    """Read catalogue, services, territories, gazetteer and templates together: one sentence per problem."""
    from gateway.engine.messages import Messages
    from gateway.settings import REPO
    from nlu.catalogue import CatalogueError, load_catalogue
    from routing.checks import Findings, check_routing

    config_dir = _settings().config_dir
    found, categories = Findings(), []
    try:
        categories = list(load_catalogue(config_dir).categories)
    except CatalogueError as err:
        found.errors.append(f"catalogue.yaml: {err}")
    if categories:
        routing = check_routing(config_dir, categories)
        found.errors += routing.errors
        found.notes += routing.notes
    try:
        found.errors += Messages(config_dir).problems(Messages(REPO / "config"))
    except ValueError as err:
        found.errors.append(str(err))
    _check_people_to_call(config_dir, found)
    try:
        from gateway.identity import load_identity

        load_identity(config_dir)
    except ValueError as err:
        found.errors.append(str(err))
    for note in found.notes:
        click.echo(f"note: {note}")
    for error in found.errors:
        click.echo(f"error: {error}")
    if found.errors:
        raise click.ClickException(f"{len(found.errors)} problem(s) in {config_dir}")
    click.echo(f"{config_dir}: catalogue, services, territories, gazetteer, templates, on-call lists, directory, "
               "communes and the town's identity agree")


def _check_people_to_call(config_dir: Path, found) -> None:
    """oncall.yaml, directory.yaml and communes.yaml: readable, about known communes, demo values named."""
    from gateway.cases.directory import Directory, OnCallTeams
    from nlu.catalogue import CatalogueError, load_catalogue
    from nlu.communes import load_communes
    from routing.territories import Territories

    try:
        served = [commune.code for commune in Territories.load(config_dir).communes()]
        catalogue = load_catalogue(config_dir)
    except (OSError, ValueError, KeyError, CatalogueError):
        return  # already reported
    try:
        teams = OnCallTeams.load(config_dir)
        for code in sorted(set(teams.communes) - set(served)):
            found.errors.append(f"oncall.yaml: commune {code!r} is not in territories.geojson "
                                f"(known: {', '.join(served)})")
        for code in served:
            team = teams.team(code)
            if not team:
                found.notes.append(f"oncall.yaml: nobody is alerted for an emergency in {code} (no list, no default)")
            elif any("démo" in contact.name.lower() or "demo" in contact.name.lower() for contact in team):
                found.notes.append(f"oncall.yaml: the on-call list of {code} holds demo contacts: replace them")
    except ValueError as err:
        found.errors.append(str(err))
    try:
        directory = Directory.load(config_dir, emergencies={e.name for e in catalogue.emergencies},
                                   categories=set(catalogue.categories))
        demo = [body.name for body in directory.bodies if body.demo]
        if demo:
            found.notes.append(f"directory.yaml: demo numbers to replace before going live: {', '.join(demo)}")
    except ValueError as err:
        found.errors.append(str(err))
    try:
        load_communes(config_dir)
    except (ValueError, KeyError, TypeError) as err:
        found.errors.append(str(err))


@main.command()
def templates() -> None:
    """What each SMS template costs: encoding, characters and segments."""
    from channels.sms import encoding, segments
    from gateway.engine.messages import Messages

    messages = Messages(_settings().config_dir)
    click.echo("Filled with the demo's values (" + ", ".join(f"{k}={v!r}" for k, v in TEMPLATE_SAMPLES.items()
                                                           if k in ("service", "place", "category")) +
               "): a longer service or street name costs more.")
    for language in ("fr", "en"):
        for key, template in messages.flat(language).items():
            text = template.format_map(_Samples(TEMPLATE_SAMPLES))
            click.echo(f"{language} {key:<34} {encoding(text):<5} {len(text):>4} chars {segments(text)} SMS")


# What a resident of the demo reads in each placeholder: the cost of an SMS is the cost of the filled text.
TEMPLATE_SAMPLES = {
    "reference": "GU-3764-1681", "category": "Chaussée et trottoirs", "place": "14 Rue Victor Hugo, Valmont",
    "service": "Voirie", "delay": "15 jours", "status": "intervention en cours", "numbers": "112 (ou 18)",
    "commune": "Valmont", "town": "Valmont", "territories": "Valmont et Saint-Aubin-sur-Loire",
    "street": "Rue Victor Hugo", "target": "GU-5120-8843", "written": "GU-3764-1618", "count": 3, "days": 15,
    "hours": "8 h", "message": "Merci, nous nous en occupons.",
}


class _Samples(dict):
    """A placeholder no sample names stays as it is written."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@main.command()
@click.option("--port", type=int, default=8000, show_default=True)
@click.option("--twilio-port", type=int, default=8089, show_default=True, help="Port of the local Twilio.")
@click.option("--smtp-port", type=int, default=2525, show_default=True, help="Port of the gateway's mail server.")
@click.option("--relay-port", type=int, default=2526, show_default=True, help="Port of the local SMTP relay.")
@click.option("--telegram-port", type=int, default=8088, show_default=True, help="Port of the local Telegram.")
@click.option("--fresh", is_flag=True, help="Start from an empty demo database.")
@click.option("--db", "database", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The demo's SQLite file (default var/demo.db).")
@click.option("--state", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where the demo writes its addresses for `guichet play` (default var/demo.json).")
def demo(port, twilio_port, smtp_port, relay_port, telegram_port, fresh, database, state) -> None:
    """The demo: SQLite, the demo territory and cases, local providers; no network, no credentials."""
    from gateway.demo import DEMO_DB, DEMO_STATE
    from gateway.demo.run import run_demo

    _logging()
    try:
        run_demo(port=port, twilio_port=twilio_port, smtp_port=smtp_port, relay_port=relay_port,
                 telegram_port=telegram_port, fresh=fresh, database=database or DEMO_DB,
                 state_file=state or DEMO_STATE)
    except ConfigurationError as err:
        raise click.ClickException(str(err)) from err


@main.command("call")
@click.argument("caller")
@click.argument("inputs", nargs=-1)
@click.option("--state", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="The running demo's var/demo.json.")
def call(caller: str, inputs: tuple[str, ...], state: Path | None) -> None:
    """Call the running demo's phone line from CALLER; each INPUT is keys ("1") or words said, "" is silence.

    With no INPUT, asks for each answer at the prompt.
    """
    from gateway.demo import DEMO_STATE
    from gateway.demo.players import play_call

    scripted = list(inputs)

    def answer() -> str | None:
        """The caller's next move: the next INPUT (shown), or one typed at the prompt; None hangs up."""
        if inputs:
            if not scripted:
                return None
            entry = scripted.pop(0)
            click.echo(f"> {entry or '(silence)'}")
            return entry
        try:
            return click.prompt("> vous (touches, paroles, rien pour un silence ; Ctrl-D raccroche)", default="",
                                show_default=False)
        except click.Abort:  # end of input or Ctrl-C: the caller hangs up
            return None

    try:
        play_call(caller, answer, state_file=state or DEMO_STATE, echo=click.echo)
    except (FileNotFoundError, requests.ConnectionError) as err:
        raise click.ClickException("the demo does not answer: start it with `make run`") from err
    except ValueError as err:  # a state file that is not the demo's
        raise click.ClickException(str(err)) from err
    except requests.RequestException as err:
        status = getattr(err.response, "status_code", None)
        raise click.ClickException(f"the demo's phone line refused the call ({status or type(err).__name__}): "
                                   "is --state the file of the demo now running?") from err
    if scripted:
        unused = ", ".join(f"« {entry} »" if entry else "« »" for entry in scripted)
        click.echo(f"The call was over before {len(scripted)} of the inputs could be used: {unused}.")


@main.command()
@click.argument("channel", type=click.Choice(["sms", "whatsapp", "telegram", "email"]))
@click.argument("sender")
@click.argument("text")
@click.option("--location", nargs=2, type=float, default=None,
              help="WhatsApp, Telegram: share a position (LAT LON).")
@click.option("--subject", default=None, help="E-mail: the subject.")
@click.option("--wait", default=5.0, show_default=True, help="Seconds to wait for the answers.")
@click.option("--state", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="The running demo's var/demo.json.")
def play(channel, sender, text, location, subject, wait, state) -> None:
    """Play a resident writing TEXT from SENDER on CHANNEL to the running demo; print the answers.

    SENDER is a phone number (sms, whatsapp), a chat id (telegram) or an e-mail address.
    """
    from gateway.demo import DEMO_STATE
    from gateway.demo.players import play as play_resident

    if not text.strip() and not location:
        raise click.ClickException('TEXT is empty: write what the resident says, e.g. "lampadaire éteint 12 rue '
                                   'Balzac" (or share a place with --location LAT LON)')
    try:
        answers = play_resident(channel, sender, text, wait=wait, location=tuple(location) if location else None,
                                subject=subject, state_file=state or DEMO_STATE)
    except (FileNotFoundError, requests.ConnectionError) as err:
        raise click.ClickException("the demo does not answer: start it with `make run`") from err
    for answer in answers:
        click.echo(f"< {answer}")


@main.group()
def user() -> None:
    """Back-office accounts: agents, supervisors, admins."""


@user.command("add")
@click.argument("email")
@click.option("--name", default="", help="The person's name, shown on case timelines.")
@click.option("--role", type=click.Choice(["agent", "referent", "supervisor", "admin"]), default="agent",
              show_default=True, help="agent: the cases of their services; referent: studies and answers ideas; "
              "supervisor: every service; admin: also manages users.")
@click.option("--service", "services", multiple=True, help="A service code (repeat for several); agents need one.")
@click.option("--theme", "themes", multiple=True, help="A référent's theme, a catalogue category (repeatable; none: all).")
@click.option("--territory", "territories", multiple=True,
              help="A référent's commune code (repeatable; none: the whole town).")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="The password (asked for when omitted; 10 characters at least).")
@click.option("--token", "with_token", is_flag=True, help="Also create a JSON API token and print it (once).")
def user_add(email, name, role, services, themes, territories, password, with_token) -> None:
    """Create a back-office account (argon2-hashed password), optionally with an API token."""
    from gateway.cases.agents import add_agent, new_token
    from gateway.errors import GuichetError
    from store import agents as agent_store

    rt = _runtime()
    token = new_token() if with_token else None
    try:
        with rt.db.session() as session:
            agent = add_agent(session, email=email, name=name, password=password, role=role,
                              services=list(services), known_services={s.code for s in rt.router.services.all()},
                              themes=list(themes), territories=list(territories),
                              known_themes=set(rt.catalogue.categories),
                              known_territories={c.code for c in rt.router.territories.communes()})
            agent_store.audit(session, agent=None, actor="cli", action="user_add", via="cli", user=agent.email,
                              role=agent.role, services=agent.services, themes=agent.themes,
                              territories=agent.territories)
            if token:
                agent_store.add_token(session, agent, token, label="cli")
                agent_store.audit(session, agent=None, actor="cli", action="token_add", via="cli", user=agent.email)
    except GuichetError as err:
        raise click.ClickException(str(err)) from err
    scope = [*agent.services, *agent.themes, *agent.territories]
    click.echo(f"{agent.email} created ({role}{': ' + ', '.join(scope) if scope else ''})")
    if token:
        click.echo(f"API token (shown once): {token}")


@user.command("password")
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="The new password (asked for when omitted; 10 characters at least).")
def user_password(email, password) -> None:
    """Set an account's password; every session it has open ends."""
    from gateway.cases.agents import change_password
    from gateway.errors import GuichetError
    from store import agents as agent_store

    rt = _runtime()
    try:
        with rt.db.session() as session:
            agent = agent_store.by_email(session, email)
            if agent is None:
                raise click.ClickException(f"no account {email.strip().lower()}")
            change_password(session, agent, password)
            agent_store.audit(session, agent=None, actor="cli", action="user_password", via="cli", user=agent.email)
    except GuichetError as err:
        raise click.ClickException(str(err)) from err
    click.echo(f"{agent.email}: password changed, its sessions ended")


@main.group()
@click.option("--demo", is_flag=True, help="Act on the running demo's database instead of DATABASE_URL's.")
@click.option("--state", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The demo's state file (default var/demo.json), with --demo.")
def contact(demo: bool, state: Path | None) -> None:
    """Residents' data: erasure on request (the demo's database when DATABASE_URL is not set and a demo ran here)."""
    _choose_the_database(demo, state)


@contact.command("erase")
@click.argument("who")
@click.option("--yes", "confirmed", is_flag=True, help="Confirm the erasure (it cannot be undone).")
@click.option("--agent", default="cli", show_default=True, help="Who asks, for the audit log.")
def contact_erase(who: str, confirmed: bool, agent: str) -> None:
    """Erase a resident named by a phone number, an e-mail address or a Telegram chat id; their cases stay."""
    from gateway.cases.erasure import erase_person, identities_at
    from store import agents as agent_store

    rt = _runtime()
    _migrated(rt)
    with rt.db.session() as session:
        people = sorted({identity.contact_id for identity in identities_at(session, who)})
        if not people:
            raise click.ClickException("nobody writes from that address (already erased, or never seen)")
        if not confirmed:
            raise click.ClickException("erasing a person cannot be undone: run it again with --yes to confirm")
        totals = {"identities": 0, "messages": 0, "cases": 0, "photos": 0}
        for contact_id in people:
            erased = erase_person(rt, session, contact_id)
            totals["identities"] += erased.identities
            totals["messages"] += erased.messages
            totals["cases"] += erased.cases
            totals["photos"] += len(erased.photos)
        # The audit line says that a person was erased and how much, never who.
        agent_store.audit(session, agent=None, actor=agent, action="contact_erase", via="cli",
                          identities=totals["identities"], messages=totals["messages"], cases=totals["cases"],
                          photos=totals["photos"])
    click.echo("erased: {identities} identities, {messages} messages, {cases} cases kept without their words, "
               "{photos} photos deleted".format(**totals))


if __name__ == "__main__":
    main()
