"""/metrics in Prometheus' format: requests, inbound per channel, outbox depth and failures, cases by status."""

from __future__ import annotations

import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.gateway.inbound.test_sms_flow import RESIDENT


def samples(gateway) -> dict[tuple[str, tuple], float]:
    text = requests.get(gateway.url + "/metrics", timeout=5).text
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def test_metrics_count_what_the_town_monitors(gateway, worker, twilio):
    gateway.sms(RESIDENT, "Nid de poule devant le 14 rue Victor Hugo")
    worker.run_once()
    twilio.opt_out("+33698765432")
    gateway.sms("+33698765432", "Lampadaire éteint 8 avenue Jean Jaurès")
    worker.run_once()

    found = samples(gateway)

    assert found[("guichet_inbound_messages", (("channel", "sms"),))] == 2
    assert found[("guichet_outbox_depth", (("channel", "sms"),))] == 0
    assert found[("guichet_outbox_failures", (("channel", "sms"),))] == 1
    assert found[("guichet_cases", (("kind", "problem"), ("status", "received")))] == 2
    webhook = (("endpoint", "webhooks.twilio_messages"), ("method", "POST"), ("status", "200"))
    assert found[("guichet_http_requests_total", webhook)] >= 2
