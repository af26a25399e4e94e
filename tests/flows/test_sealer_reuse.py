"""The app keeps one sealer per thread and setting, so each seal reuses the key's CMS template and reservation."""

from __future__ import annotations

import threading

from sqlalchemy import select

from app.extensions import db
from app.trusts.models import Trust
from app.trusts.seal_keys import sealer_for


def test_a_trusts_sealer_is_reused_until_its_settings_change_and_never_shared_between_threads(app, trusts):
    with app.app_context():
        trust = db.session.scalar(select(Trust).where(Trust.slug == "heart-of-mercia"))
        first = sealer_for(trust)
        assert sealer_for(trust) is first
        trust_id = trust.id
        db.session.commit()  # release SQLite's lock for the other thread's session

        elsewhere: list[object] = []
        def seal_elsewhere() -> None:
            with app.app_context():
                elsewhere.append(sealer_for(db.session.get(Trust, trust_id)))
        thread = threading.Thread(target=seal_elsewhere)
        thread.start()
        thread.join()
        assert elsewhere[0] is not first and elsewhere[0].key is first.key

        app.config["TSA_URLS"] = ["http://127.0.0.1:9/tsa"]
        moved = sealer_for(trust)
        assert moved is not first and [t.url for t in moved.timestampers] == ["http://127.0.0.1:9/tsa"]
        other = db.session.scalar(select(Trust).where(Trust.slug != "heart-of-mercia"))
        assert sealer_for(other).key.fingerprint_sha256 != moved.key.fingerprint_sha256
