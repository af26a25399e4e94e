"""A server error on a personal link logs neither the token nor anything the person typed or sent."""

from __future__ import annotations

import logging

from sqlalchemy import text

from app.extensions import db

from .test_contract_spine import create, csrf, path_of, state

REASON = "Please-change-the-venue-zq81"  # unique, so any trace of it in the logs is found
USER_AGENT = "Mozilla/5.0 (LogProbe ua-marker-7731)"
ADDRESS = "192.0.2.77"


def all_logged(caplog) -> str:
    """Return every captured record as a standard formatter writes it, traceback included."""
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return "\n".join(formatter.format(r) for r in caplog.records) + "\n" + caplog.text


def test_a_server_error_on_a_link_logs_no_token_and_no_field_value(app, runner, client, mailbox, trusts, caplog):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the error is logged, a 500 page shown
    document_id = create(runner)
    url = mailbox.link(mailbox.to("sam@example.org", "Please read")[0])
    token = url.rsplit("/", 1)[1]
    page = client.get(path_of(url))
    with app.app_context():  # the answer is written, then appending its audit event fails
        cascade = " CASCADE" if db.engine.dialect.name == "postgresql" else ""  # webhook deliveries refer to it
        db.session.execute(text(f"DROP TABLE audit_event{cascade}"))
        db.session.commit()
    caplog.set_level(logging.DEBUG)  # the root logger: everything
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")  # SQLAlchemy quiets itself unless asked
    response = client.post(
        path_of(url) + "/changes",
        data={"csrf_token": csrf(page.text), "reason": REASON},
        headers={"User-Agent": USER_AGENT},
        environ_base={"REMOTE_ADDR": ADDRESS},
    )
    assert response.status_code == 500 and "Nothing was changed" in response.text
    assert state(app, document_id) == "awaiting_agreement"
    logged = all_logged(caplog)
    assert "Exception on /s/[token]/changes [POST]" in logged  # the error was logged, with its traceback
    assert "audit_event" in logged and "Traceback" in logged
    assert "INSERT INTO answer" in logged  # the statements were logged, their parameters not
    for secret in (token, token.split(".")[0], REASON, USER_AGENT, "ua-marker-7731", ADDRESS,
                   "Sam O'Brien", "sam@example.org", "Alex Morgan", "alex.morgan@example.org"):
        assert secret not in logged, secret


def test_a_token_is_redacted_in_any_logger_message_argument_and_traceback(app, caplog):
    token = "WzEsInNlY3JldC1ub25jZSJd.Zk1aBc.abcdefghijklmnopqrstuvwxyz0"
    caplog.set_level(logging.DEBUG)
    try:
        raise RuntimeError(f"failed on /d/{token} and {token}")
    except RuntimeError:
        logging.getLogger("some.library").exception("while handling %s", f"/staff/sign-in/{token}")
    logging.getLogger("celery.app.trace").warning("task %(name)s for %(path)s", {"name": "x", "path": f"/a/{token}"})
    logged = all_logged(caplog)
    assert token not in logged and token[:20] not in logged
    assert "/staff/sign-in/[token]" in logged and "/d/[token]" in logged and "/a/[token]" in logged
    assert "RuntimeError" in logged
