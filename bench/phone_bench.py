"""How long a caller waits for the phone line's answer at each step of a report, printed as figures.

Twilio gives up on a voice webhook after 15 s; a caller hears silence for as long as we take. Each run
places `--calls` scripted calls (ring, "1", the report said, "1" to confirm the place, "2" for no SMS)
through the real voice webhooks over HTTP, signed as Twilio signs them, and prints p50/p99/max per step.
The bar (SPEC, the phone line): every answer under 0.5 s on this machine.

Run: `.venv/bin/python bench/phone_bench.py [--calls 50] [--database sqlite|postgresql+psycopg://…]`. On
SQLite it uses a file in a temporary directory; a PostgreSQL URL must name a database it may fill.
"""

from __future__ import annotations

import argparse
import logging
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlmodel import col, func, select  # noqa: E402

from channels.standins.server import LocalServer  # noqa: E402
from channels.standins.twilio import TwilioStandin, call_step  # noqa: E402
from gateway.app import create_app  # noqa: E402
from gateway.runtime import Runtime  # noqa: E402
from gateway.settings import Settings  # noqa: E402
from store.models import Call  # noqa: E402

TOKEN = "phone-bench-token"
LINE = "+33700000009"
STEPS = (("ring", None), ("menu: 1", "1"), ("report said", "Il y a un nid de poule devant le 14 rue Victor Hugo"),
         ("place confirmed", "1"), ("no SMS", "2"))


class Gateway(LocalServer):
    name = "gateway"

    def __init__(self, rt: Runtime, port: int):
        super().__init__(port=port)
        self.app = create_app(runtime=rt)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--database", default="sqlite")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request

    with tempfile.TemporaryDirectory() as tmp, TwilioStandin(auth_token=TOKEN) as twilio:
        url = f"sqlite:///{tmp}/phone.db" if args.database == "sqlite" else args.database
        port = free_port()  # Twilio signs the URL it was given: the bench's gateway is its own public URL
        settings = Settings.from_env({
            "GUICHET_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "DATABASE_URL": url, "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_API_URL": twilio.url,
            "TWILIO_VOICE_FROM": LINE, "GUICHET_MEDIA_DIR": f"{tmp}/media", "GUICHET_QUIET_HOURS": "off",
            "GUICHET_SECRET_KEY": "phone-bench-secret"})
        rt = Runtime(settings)
        rt.db.upgrade()
        _ = rt.understander, rt.router  # loaded before the first call, as `guichet serve` does
        with Gateway(rt, port) as gateway:
            timings: dict[str, list[float]] = {name: [] for name, _ in STEPS}
            for n in range(args.calls):
                caller, step = f"+336{n:08d}", None
                for name, entry in STEPS:
                    started = time.perf_counter()
                    step = call_step(gateway.url, caller=caller, to=LINE, auth_token=TOKEN,
                                     account_sid=twilio.account_sid,
                                     call_sid=step.call_sid if step else None, gather=step.gather if step else None,
                                     redirect=step.redirect if step else None, entry=entry)
                    timings[name].append(time.perf_counter() - started)
        with rt.db.session() as session:
            # The same pothole each time: the first call opens the case, the others join it.
            opened = session.exec(select(func.count()).select_from(Call).where(col(Call.case_id).is_not(None))).one()
        rt.db.dispose()
    if opened != args.calls:
        raise SystemExit(f"{opened} of {args.calls} calls reached a case: the script no longer walks the line")

    print(f"phone line, {args.calls} scripted calls on {args.database.split(':')[0]}, seconds per answer:")
    for name, seconds in timings.items():
        ordered = sorted(seconds)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        print(f"  {name:<16} p50 {statistics.median(ordered):.3f}  p99 {p99:.3f}  max {ordered[-1]:.3f}")
    worst = max(max(seconds) for seconds in timings.values())
    print(f"slowest answer: {worst:.3f} s ({'under' if worst < 0.5 else 'OVER'} the 0.5 s bar)")


if __name__ == "__main__":
    main()
