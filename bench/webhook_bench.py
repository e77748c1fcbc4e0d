"""Signed SMS webhooks through gunicorn on PostgreSQL, next to a bare Flask endpoint on the same server.

Run: `.venv/bin/python bench/webhook_bench.py [--requests 3000] [--rate 300]`. It creates its own
PostgreSQL database, starts gunicorn (the Procfile's web line) and, for the full pipeline, worker
processes and the local Twilio; every request has its own sender and MessageSid and a real signature.

Printed: for the webhook and for the bare endpoint, the maximum rate (closed loop) and the latency
at a fixed offered rate (open loop, default 300/s); then how fast the workers turn those stored
messages into cases and answers sent to the local Twilio.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import create_engine, func, select, text
from sqlmodel import col
from twilio.request_validator import RequestValidator

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.scratch import paced  # noqa: E402
from channels.standins.twilio import TwilioStandin, inbound_sms_params  # noqa: E402
from store.db import Database  # noqa: E402
from store.models import OutboxEntry, ReceivedMessage  # noqa: E402

ACCOUNT_SID = "AC" + "b" * 32
TOKEN = "bench-token"
PUBLIC_URL = "https://guichet.bench.example"
GATEWAY_NUMBER = "+33700000009"
STREETS = ["rue Victor Hugo", "avenue Jean Jaurès", "boulevard Gambetta", "rue de la République", "Grande Rue"]
PROBLEMS = ["Nid de poule devant le {n} {s}", "Lampadaire éteint au {n} {s}", "Dépôt sauvage {n} {s}",
            "voiture garée sur le trottoir {n} {s}", "tag sur le mur au {n} {s}"]


def signed_requests(count: int, path: str) -> list[bytes]:
    """Raw HTTP requests, each with a unique sender and MessageSid, signed over the public URL."""
    validator = RequestValidator(TOKEN)
    out = []
    for i in range(count):
        body_text = PROBLEMS[i % len(PROBLEMS)].format(n=1 + (i * 7) % 50, s=STREETS[i % len(STREETS)])
        params = inbound_sms_params(from_=f"+336{10000000 + i:08d}", to=GATEWAY_NUMBER, body=body_text,
                                    message_sid="SM" + uuid.uuid4().hex, account_sid=ACCOUNT_SID)
        signature = validator.compute_signature(PUBLIC_URL + path, params)
        body = urlencode(params).encode()
        head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                f"X-Twilio-Signature: {signature}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n")
        out.append(head.encode() + body)
    return out


async def _one(port: int, raw: bytes) -> tuple[float, int]:
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(raw)
    await writer.drain()
    status_line = await reader.readline()
    await reader.read()
    writer.close()
    return time.perf_counter() - started, int(status_line.split()[1])


async def closed_loop(port: int, requests: list[bytes], concurrency: int) -> tuple[float, list[float], int]:
    """Send as fast as `concurrency` clients can; returns (rate, latencies, errors)."""
    queue = list(reversed(requests))
    latencies, errors = [], 0

    async def client():
        nonlocal errors
        while queue:
            latency, status = await _one(port, queue.pop())
            latencies.append(latency)
            errors += status != 200

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return len(requests) / (time.perf_counter() - started), latencies, errors


async def open_loop(port: int, requests: list[bytes], rate: float) -> tuple[float, list[float], int]:
    """Offer `rate` requests a second whatever the answers; returns (achieved rate, latencies, errors)."""
    results: list[tuple[float, int]] = []

    async def fire(raw: bytes):
        results.append(await _one(port, raw))

    achieved = await paced(requests, rate, fire)
    return achieved, [r[0] for r in results], sum(r[1] != 200 for r in results)


def pct(values: list[float], q: float) -> float:
    """The q-quantile in milliseconds."""
    return statistics.quantiles(values, n=1000)[int(q * 1000) - 1] * 1000


def report(name: str, rate: float, latencies: list[float], errors: int) -> None:
    print(f"  {name:<28} {rate:8.0f} msg/s   p50 {pct(latencies, 0.5):6.1f} ms   "
          f"p99 {pct(latencies, 0.99):6.1f} ms   errors {errors}")


def wait_port(port: int, timeout: float = 30.0) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"nothing listens on {port}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rate", type=float, default=300.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--web-workers", type=int, default=8)
    parser.add_argument("--web-threads", type=int, default=1)
    parser.add_argument("--skip-pipeline", action="store_true", help="Measure the webhooks only.")
    parser.add_argument("--pipeline-workers", type=int, default=2)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    name = f"guichet_bench_{os.getpid()}"
    admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = args.postgres.rsplit("/", 1)[0] + f"/{name}"
    database = Database(url)
    database.upgrade()
    twilio = TwilioStandin(account_sid=ACCOUNT_SID, auth_token=TOKEN, port=0).start()
    port = 8123
    env = os.environ | {
        "DATABASE_URL": url, "GUICHET_PUBLIC_URL": PUBLIC_URL, "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": TOKEN, "GUICHET_SECRET_KEY": uuid.uuid4().hex, "TWILIO_API_URL": twilio.url, "TWILIO_SMS_FROM": GATEWAY_NUMBER,
        "GUICHET_QUIET_HOURS": "off", "GUICHET_WORKER_POLL": "0.2",
    }
    gunicorn = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(args.web_workers), "--threads", str(args.web_threads),
         "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "--backlog", "2048", "bench.wsgi_bench:app"],
        env=env, cwd=Path(__file__).resolve().parents[1])
    workers: list[subprocess.Popen] = []
    try:
        wait_port(port)
        print(f"gunicorn, {args.web_workers} workers x {args.web_threads} threads, PostgreSQL, {os.cpu_count()} cores; "
              f"{args.requests} requests per run")
        webhook, bare = "/webhooks/twilio/messages", "/bench/bare"
        asyncio.run(closed_loop(port, signed_requests(200, webhook), 8))  # warm-up
        with database.session() as s:
            s.execute(text("TRUNCATE inbound_message, identity, contact RESTART IDENTITY CASCADE"))
        print("closed loop, concurrency", args.concurrency)
        report("bare Flask endpoint", *asyncio.run(closed_loop(port, signed_requests(args.requests, bare),
                                                                args.concurrency)))
        report("signed SMS webhook", *asyncio.run(closed_loop(port, signed_requests(args.requests, webhook),
                                                              args.concurrency)))
        print(f"open loop, offered {args.rate:.0f}/s")
        report("bare Flask endpoint", *asyncio.run(open_loop(port, signed_requests(args.requests, bare), args.rate)))
        report("signed SMS webhook", *asyncio.run(open_loop(port, signed_requests(args.requests, webhook),
                                                            args.rate)))
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=30)
        if args.skip_pipeline:
            return

        with database.session() as s:
            stored = s.execute(select(func.count()).select_from(ReceivedMessage)).scalar_one()
        print(f"full pipeline: {stored} stored messages understood, routed, answered by "
              f"{args.pipeline_workers} worker processes")
        started = time.perf_counter()
        workers = [subprocess.Popen([sys.executable, "-m", "gateway.cli", "worker"], env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                   for _ in range(args.pipeline_workers)]
        load_until: float | None = None
        while True:
            with database.session() as s:
                pending = s.execute(select(func.count()).select_from(ReceivedMessage)
                                    .where(col(ReceivedMessage.status) == "pending")).scalar_one()
                unsent = s.execute(select(func.count()).select_from(OutboxEntry)
                                   .where(col(OutboxEntry.status).in_(("queued", "sending")))).scalar_one()
            if load_until is None and pending < stored:
                load_until = time.perf_counter()  # the first message handled: the model is loaded
            if pending == 0 and unsent == 0:
                break
            time.sleep(0.2)
        done = time.perf_counter()
        load_until = load_until or started
        with database.session() as s:
            answered = s.execute(select(func.count()).select_from(OutboxEntry)).scalar_one()
        print(f"  model load and start-up       {load_until - started:6.1f} s")
        print(f"  handled and answered          {stored / (done - load_until):8.0f} msg/s "
              f"({answered} answers sent to the local Twilio, {len(twilio.messages)} received)")
    finally:
        for process in workers + [gunicorn]:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=30)
        twilio.stop()
        database.dispose()
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
