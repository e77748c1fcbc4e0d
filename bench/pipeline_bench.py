"""What a resident sees: signed SMS reports offered at a fixed rate, each answer timed end to end.

Run: `.venv/bin/python bench/pipeline_bench.py [--rate 300] [--duration 15] [--workers 1]` (`make bench` runs
it at 5/s, at 300/s with one and with two worker processes, and as fast as it goes).

It creates its own PostgreSQL database and starts the project's own processes: the Procfile's `web`
(gunicorn, `--web-workers`, default 8, serving the gateway plus a bare Flask endpoint, `bench/wsgi_bench.py`),
`--workers` processes of its `worker` (`guichet worker`, with the settings' default poll) and the Twilio
stand-in in a process of its own (`python -m channels.standins.twilio`). Every report has its own sender
and MessageSid and a real signature; reports are offered open loop (at their time, whatever the answers).
A resident's acknowledgement is timed from the moment their webhook request is written to the moment the
stand-in took the first answer to their number (its `received_at`, to the microsecond).

Printed: answered reports a second end to end, acknowledgement p50/p99/max, lost (no answer) and doubled
(an answer twice) reports, the webhook's own latency, CPU milliseconds per report for each kind of process
(read from /proc, PostgreSQL's processes included), the largest RSS of a web worker and of a worker process,
SQL statements and transactions per report, and the bare endpoint's rate in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import requests
from sqlalchemy import create_engine, event, text
from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.scratch import paced, scratch_database  # noqa: E402
from bench.webhook_bench import (  # noqa: E402
    ACCOUNT_SID,
    GATEWAY_NUMBER,
    PROBLEMS,
    PUBLIC_URL,
    STREETS,
    TOKEN,
    closed_loop,
    wait_port,
)
from channels.standins.twilio import inbound_sms_params  # noqa: E402
from store.db import Database  # noqa: E402

WEBHOOK = "/webhooks/twilio/messages"


def pct(values: list[float], q: float) -> float:
    """The q-quantile in milliseconds, by nearest rank (never above the largest value, even for few values)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)] * 1000
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Report:
    """One resident's report as offered: its request bytes, then when it was written and answered."""

    sender: str
    raw: bytes
    sent_at: float = 0.0
    webhook_seconds: float = 0.0
    status: int = 0


def reports(count: int, *, first: int = 0) -> list[Report]:
    """`count` signed reports, each from its own mobile number (numbers from `first` on)."""
    validator = RequestValidator(TOKEN)
    out = []
    for i in range(first, first + count):
        sender = f"+336{20000000 + i:08d}"
        body_text = PROBLEMS[i % len(PROBLEMS)].format(n=1 + (i * 7) % 50, s=STREETS[i % len(STREETS)])
        params = inbound_sms_params(from_=sender, to=GATEWAY_NUMBER, body=body_text,
                                    message_sid="SM" + uuid.uuid4().hex, account_sid=ACCOUNT_SID)
        body = urlencode(params).encode()
        head = (f"POST {WEBHOOK} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                f"X-Twilio-Signature: {validator.compute_signature(PUBLIC_URL + WEBHOOK, params)}\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n")
        out.append(Report(sender, head.encode() + body))
    return out


async def offer(port: int, batch: list[Report], rate: float) -> float:
    """Write each report at its time (open loop); returns the offered rate achieved."""

    async def send(report: Report) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        report.sent_at = time.time()
        started = time.perf_counter()
        writer.write(report.raw)
        await writer.drain()
        status_line = await reader.readline()
        await reader.read()
        writer.close()
        report.webhook_seconds = time.perf_counter() - started
        report.status = int(status_line.split()[1]) if status_line else 0

    return await paced(batch, rate, send)


# -- processes: CPU and memory from /proc ---------------------------------------------------------------------
def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def _cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _postgres_pids() -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as f:
                    if f.read().strip() in ("postgres", "postmaster"):
                        pids.append(int(entry))
            except OSError:
                continue
    return pids


@dataclass
class Roles:
    """The processes of each kind, CPU read before and after the measured run, RSS sampled during it."""

    web: subprocess.Popen
    workers: list[subprocess.Popen]
    standin: subprocess.Popen
    peak_rss: dict[str, float] = field(default_factory=lambda: {"web worker": 0.0, "worker": 0.0})

    def pids(self) -> dict[str, list[int]]:
        return {"web (gunicorn)": [self.web.pid, *_children(self.web.pid)],
                "worker": [w.pid for w in self.workers], "Twilio stand-in": [self.standin.pid],
                "PostgreSQL": _postgres_pids()}

    def cpu(self) -> dict[str, float]:
        return {role: sum(_cpu_seconds(pid) for pid in pids) for role, pids in self.pids().items()}

    def sample_rss(self, stop: threading.Event) -> None:
        while not stop.wait(0.25):
            for pid in _children(self.web.pid):
                self.peak_rss["web worker"] = max(self.peak_rss["web worker"], _rss_mb(pid))
            for worker in self.workers:
                self.peak_rss["worker"] = max(self.peak_rss["worker"], _rss_mb(worker.pid))


# -- answers at the stand-in -----------------------------------------------------------------------------------
def answers(standin_url: str) -> dict[str, list[dict]]:
    """The stand-in's accepted messages, by recipient, oldest first."""
    by_number: dict[str, list[dict]] = {}
    for message in requests.get(f"{standin_url}/_standin/messages", timeout=60).json():
        by_number.setdefault(message["to"], []).append(message)
    return by_number


def wait_drained(database_url: str, *, quiet_for: float = 3.0, stuck_for: float = 60.0) -> None:
    """Until nothing is pending inbound or queued outbound for `quiet_for` seconds, or nothing moved for
    `stuck_for` seconds (what is left then is counted lost)."""
    engine = create_engine(database_url)
    calm_since, last, moved_at = None, -1, time.monotonic()
    try:
        while time.monotonic() - moved_at < stuck_for:
            with engine.connect() as c:
                left = c.execute(text(
                    "SELECT (SELECT count(*) FROM inbound_message WHERE status = 'pending')"
                    " + (SELECT count(*) FROM outbound_message WHERE status IN ('queued', 'sending'))")).scalar_one()
            if left != last:
                last, moved_at = left, time.monotonic()
            if left:
                calm_since = None
            elif calm_since is None:
                calm_since = time.monotonic()
            elif time.monotonic() - calm_since >= quiet_for:
                return
            time.sleep(0.5)
    finally:
        engine.dispose()


def transactions(database_url: str, name: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as c:
            return c.execute(text("SELECT xact_commit FROM pg_stat_database WHERE datname = :n"),
                             {"n": name}).scalar_one()
    finally:
        engine.dispose()


def statements_per_report(database_url: str, env: dict[str, str], count: int = 100) -> tuple[float, float]:
    """SQL statements the production code runs per report: the webhook (the app, in this process) and the
    worker's pass (understanding, case, outbox, send), counted by SQLAlchemy on their engines."""
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        from gateway.app import create_app
        from gateway.outbound.worker import Worker
        from gateway.runtime import EXTENSION

        app = create_app()
        rt = app.extensions[EXTENSION]
        counted: Counter[str] = Counter()

        @event.listens_for(rt.db.engine, "before_cursor_execute")
        def tally(*_args):
            counted[phase] += 1

        worker = Worker(rt)
        client = app.test_client()
        phase = "warm-up"
        for report in reports(5, first=900_000):
            _post(client, report)
        worker.run_once()
        counted.clear()
        phase = "webhook"
        for report in reports(count, first=800_000):
            _post(client, report)
        phase = "worker"
        while sum(worker.run_once()):
            pass
        return counted["webhook"] / count, counted["worker"] / count
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _post(client, report: Report) -> None:
    head, body = report.raw.split(b"\r\n\r\n", 1)
    signature = next(line.split(b": ", 1)[1] for line in head.split(b"\r\n") if line.startswith(b"X-Twilio"))
    answer = client.post(WEBHOOK, data=body, content_type="application/x-www-form-urlencoded",
                         headers={"X-Twilio-Signature": signature.decode()}, base_url="http://127.0.0.1")
    assert answer.status_code == 200, answer.status_code


# -- the run -----------------------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=300.0, help="Reports offered a second (0: as fast as it goes).")
    parser.add_argument("--duration", type=float, default=15.0, help="Seconds of offered load.")
    parser.add_argument("--workers", type=int, default=1, help="Worker processes (the Procfile's worker).")
    parser.add_argument("--web-workers", type=int, default=8, help="gunicorn workers (the Procfile's web).")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    with scratch_database(args.postgres, "guichet_pipeline") as (name, url):
        run(args, name, url)


def run(args: argparse.Namespace, name: str, url: str) -> None:
    """One measured run on the database `name` at `url`."""
    Database(url).upgrade()
    web_port, standin_port = 8124, 8125
    standin_url = f"http://127.0.0.1:{standin_port}"
    env = {
        "DATABASE_URL": url, "GUICHET_PUBLIC_URL": PUBLIC_URL, "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": TOKEN, "GUICHET_SECRET_KEY": uuid.uuid4().hex, "TWILIO_API_URL": standin_url,
        "TWILIO_SMS_FROM": GATEWAY_NUMBER, "GUICHET_QUIET_HOURS": "off",
    }
    process_env = os.environ | env

    def quiet(*command: str) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", *command], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, cwd=ROOT, env=process_env)

    standin = quiet("channels.standins.twilio", "--port", str(standin_port), "--account-sid", ACCOUNT_SID,
                    "--auth-token", TOKEN)
    web = quiet("gunicorn", "--workers", str(args.web_workers), "--threads", "1", "--bind", f"127.0.0.1:{web_port}",
                "--log-level", "warning", "--backlog", "2048", "bench.wsgi_bench:app")
    workers = [subprocess.Popen([sys.executable, "-m", "gateway.cli", "worker"], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, cwd=ROOT, env=process_env, text=True)
               for _ in range(args.workers)]
    roles = Roles(web, workers, standin)
    stop_sampling = threading.Event()
    try:
        wait_port(standin_port)
        wait_port(web_port)
        for worker in workers:  # "Guichet worker running" once spaCy's model and the places are loaded
            assert worker.stdout is not None
            worker.stdout.readline()
        print(f"{os.cpu_count()} cores; PostgreSQL; gunicorn {args.web_workers} workers; "
              f"{args.workers} worker process{'es' if args.workers > 1 else ''}; Twilio stand-in in its own process")

        # Warm-up: every process has answered once, then nothing is left.
        asyncio.run(offer(web_port, reports(40, first=700_000), 20))
        wait_drained(url)
        bare_rate, bare_latencies, _ = asyncio.run(closed_loop(
            web_port, [r.raw.replace(WEBHOOK.encode(), b"/bench/bare", 1) for r in reports(2000, first=600_000)], 32))
        print(f"  bare Flask endpoint (same gunicorn, closed loop, 32 clients): {bare_rate:.0f} requests/s, "
              f"p99 {pct(bare_latencies, 0.99):.1f} ms")

        count = int((args.rate or 300) * args.duration)
        batch = reports(count)
        before, commits_before = roles.cpu(), transactions(url, name)
        own_before = sum(os.times()[:2])
        sampler = threading.Thread(target=roles.sample_rss, args=(stop_sampling,), daemon=True)
        sampler.start()
        if args.rate:
            offered = asyncio.run(offer(web_port, batch, args.rate))
        else:  # as fast as it goes: 64 clients one after the other
            offered = asyncio.run(_closed(web_port, batch, 64))
        wait_drained(url)
        stop_sampling.set()
        after, commits = roles.cpu(), transactions(url, name) - commits_before
        own = sum(os.times()[:2]) - own_before

        received = answers(standin_url)
        acks, lost, doubled = [], 0, 0
        for report in batch:
            got = received.get(report.sender, [])
            if not got:
                lost += 1
                continue
            acks.append(got[0]["received_at"] - report.sent_at)
            bodies = Counter(m["body"] for m in got)
            doubled += any(n > 1 for n in bodies.values())
        first_sent = min(r.sent_at for r in batch)
        last_answer = max((received[r.sender][0]["received_at"] for r in batch if received.get(r.sender)),
                          default=first_sent)
        refused = sum(r.status != 200 for r in batch)
        print(f"offered {'as fast as possible' if not args.rate else f'{args.rate:.0f} reports/s'} for "
              f"{count} reports: {offered:.0f}/s offered, {refused} webhooks not answered 200")
        print(f"  answered end to end       {len(acks) / (last_answer - first_sent):8.0f} reports/s")
        if acks:
            print(f"  acknowledgement           p50 {pct(acks, 0.5):8.0f} ms   p99 {pct(acks, 0.99):8.0f} ms   "
                  f"max {max(acks) * 1000:8.0f} ms")
        webhook = [r.webhook_seconds for r in batch]
        print(f"  webhook answered          p50 {pct(webhook, 0.5):8.1f} ms   p99 {pct(webhook, 0.99):8.1f} ms")
        print(f"  lost {lost}, doubled {doubled}")
        cpu = {role: (after[role] - before[role]) * 1000 / count for role in after}
        print("  CPU per report            " + ", ".join(f"{role} {ms:.1f} ms" for role, ms in cpu.items())
              + f", load generator {own * 1000 / count:.1f} ms; total {sum(cpu.values()):.1f} ms")
        print(f"  largest RSS               web worker {roles.peak_rss['web worker']:.0f} MB, "
              f"worker process {roles.peak_rss['worker']:.0f} MB")
        _stop(*workers, web)
        webhook_statements, worker_statements = statements_per_report(url, env)
        print(f"  SQL per report            {webhook_statements:.1f} statements in the webhook, "
              f"{worker_statements:.1f} in the worker; {commits / count:.1f} transactions in all")
    finally:
        stop_sampling.set()
        _stop(*workers, web, standin)


def _stop(*processes: subprocess.Popen) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


async def _closed(port: int, batch: list[Report], concurrency: int) -> float:
    queue = list(reversed(batch))

    async def client() -> None:
        while queue:
            await offer(port, [queue.pop()], 1e9)

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return len(batch) / (time.perf_counter() - started)


if __name__ == "__main__":
    main()
