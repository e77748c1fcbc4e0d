"""Several messages to a transaction: one per resident, in their order, and a failing one holds back no one else."""

from __future__ import annotations

from sqlalchemy import event
from sqlmodel import select

from store import inbound
from store.models import Case, OutboxEntry, ReceivedMessage

FAULTY = "panne de test"  # what the injected fault below recognises


def _answers(rt) -> dict[str, list[str]]:
    with rt.db.session() as session:
        rows = session.exec(select(OutboxEntry).order_by(OutboxEntry.id)).all()
    answers: dict[str, list[str]] = {}
    for row in rows:
        answers.setdefault(row.to_address, []).append(row.body)
    return answers


def test_a_batch_takes_the_oldest_message_of_each_resident_only(gateway, rt):
    for sender, body in (("+33611111111", "un"), ("+33622222222", "deux"), ("+33611111111", "trois"),
                         ("+33633333333", "quatre"), ("+33622222222", "cinq")):
        assert gateway.sms(sender, body).status_code == 200
    with rt.db.session() as session:
        claimed = [message.body for message in inbound.claim_batch(session, 8)]
    assert claimed == ["un", "deux", "quatre"]


def test_five_residents_in_one_transaction_each_answered(gateway, worker, rt):
    streets = ("rue Victor Hugo", "avenue Jean Jaurès", "boulevard Gambetta", "rue de la République", "Grande Rue")
    senders = [f"+336100000{n:02d}" for n in range(5)]
    for n, (sender, street) in enumerate(zip(senders, streets, strict=True)):
        assert gateway.sms(sender, f"Lampadaire éteint au {n + 3} {street}").status_code == 200
    commits: list[bool] = []

    def committed(_connection) -> None:
        commits.append(True)

    event.listen(rt.db.engine, "commit", committed)
    try:
        assert worker.handle_inbound(limit=5, batch=8) == 5  # (no second pass to find the queue empty)
    finally:
        event.remove(rt.db.engine, "commit", committed)
    answers = _answers(rt)
    assert sorted(answers) == senders
    assert all(len(bodies) == 1 and rt.reference_prefix in bodies[0] for bodies in answers.values()), answers
    assert len(commits) == 1  # the five in one transaction


def test_a_resident_s_turns_keep_their_order_across_batches(gateway, worker, rt):
    resident, other = "+33612121212", "+33634343434"
    for sender, body in ((resident, "Il y a un lampadaire éteint"), (other, "Dépôt sauvage au 8 rue Victor Hugo"),
                         (resident, "au 12 avenue Jean Jaurès")):
        assert gateway.sms(sender, body).status_code == 200

    assert worker.handle_inbound(batch=8) == 3

    answers = _answers(rt)
    assert len(answers[resident]) == 2
    assert "où" in answers[resident][0].lower()  # asked where, then answered with the case
    with rt.db.session() as session:
        case = session.exec(select(Case).where(Case.category == "eclairage")).one()
    assert "Jean Jaurès" in (case.address or "")


def test_a_message_that_fails_in_a_batch_holds_back_no_one_else(gateway, worker, rt, monkeypatch):
    handle = worker.engine.handle

    def faulty(session, message):
        if FAULTY in message.body:
            raise RuntimeError("injected fault")
        return handle(session, message)

    monkeypatch.setattr(worker.engine, "handle", faulty)
    senders = [f"+336200000{n:02d}" for n in range(4)]
    for n, sender in enumerate(senders):
        body = f"{FAULTY} au {n} rue Victor Hugo" if n == 2 else f"Nid de poule au {n + 20} rue Victor Hugo"
        assert gateway.sms(sender, body).status_code == 200

    assert worker.handle_inbound(batch=8) == 3

    answers = _answers(rt)
    assert sorted(answers) == [senders[0], senders[1], senders[3]]
    with rt.db.session() as session:
        bad = session.exec(select(ReceivedMessage).where(ReceivedMessage.sender == senders[2])).one()
        done = session.exec(select(ReceivedMessage).where(ReceivedMessage.status == "done")).all()
    assert (bad.status, bad.attempts) == ("pending", 1)  # counted once, tried again later
    assert "injected fault" in (bad.error or "")
    assert len(done) == 3
