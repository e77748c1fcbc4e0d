"""`/metrics` for Prometheus: HTTP requests of this process, and the gateway's state read from the database.

Request counts are per process; under gunicorn with several workers, set `PROMETHEUS_MULTIPROC_DIR`
(prometheus_client's multiprocess mode) for them to add up. The database-derived figures (inbound
per channel, outbox depth and failures, cases by status) are the same whichever process answers.
"""

from __future__ import annotations

import time

from flask import Flask, Response, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

from gateway.runtime import EXTENSION
from store import metrics as counts

REGISTRY = CollectorRegistry()
REQUESTS = Counter("guichet_http_requests", "HTTP requests answered", ["method", "endpoint", "status"],
                   registry=REGISTRY)
LATENCY = Histogram("guichet_http_request_seconds", "Time to answer an HTTP request", ["endpoint"],
                    registry=REGISTRY, buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5))
FAILED = ("failed", "undelivered")


class DatabaseCollector:
    """Reads the counts at scrape time, so they are right whichever process is scraped."""

    def __init__(self, app: Flask):
        self.app = app

    def collect(self):
        rt = self.app.extensions[EXTENSION]
        with rt.db.session() as session:
            inbound = counts.inbound_by_channel(session)
            outbox = counts.outbox_by_channel_and_status(session)
            cases = counts.cases_by_status(session)
        received = GaugeMetricFamily("guichet_inbound_messages", "Messages received, by channel", labels=["channel"])
        for channel, count in sorted(inbound.items()):
            received.add_metric([channel], count)
        depth = GaugeMetricFamily("guichet_outbox_depth", "Messages waiting to be sent", labels=["channel"])
        failures = GaugeMetricFamily("guichet_outbox_failures", "Messages that could not be delivered",
                                     labels=["channel"])
        messages = GaugeMetricFamily("guichet_outbound_messages", "Outbound messages by status",
                                     labels=["channel", "status"])
        for channel in sorted({channel for channel, _ in outbox}):
            depth.add_metric([channel], sum(n for (c, s), n in outbox.items() if c == channel and s == "queued"))
            failures.add_metric([channel], sum(n for (c, s), n in outbox.items() if c == channel and s in FAILED))
        for (channel, status), count in sorted(outbox.items()):
            messages.add_metric([channel, status], count)
        by_status = GaugeMetricFamily("guichet_cases", "Cases by kind and status", labels=["kind", "status"])
        for (kind, status), count in sorted(cases.items()):
            by_status.add_metric([kind, status], count)
        yield from (received, depth, failures, messages, by_status)


def install(app: Flask) -> None:
    """Count every request and serve /metrics."""
    registry = CollectorRegistry()
    registry.register(DatabaseCollector(app))

    @app.before_request
    def _start_timer():
        g.started = time.perf_counter()

    @app.after_request
    def _count(response):
        endpoint = request.endpoint or "unknown"
        REQUESTS.labels(request.method, endpoint, str(response.status_code)).inc()
        if hasattr(g, "started"):
            LATENCY.labels(endpoint).observe(time.perf_counter() - g.started)
        return response

    @app.get("/metrics")
    def metrics():
        """Prometheus' text format: this process's requests and the gateway's state."""
        body = generate_latest(REGISTRY) + generate_latest(registry)
        return Response(body, mimetype=CONTENT_TYPE_LATEST)
