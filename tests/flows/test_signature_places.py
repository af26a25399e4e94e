"""Every bundled trust × kind that parties agree gets each agreement stamped inside that party's signature place."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest
from sqlalchemy import select

from app.documents.examples import create_example
from app.documents.links import link_url
from app.documents.models import Document, Link, LinkPurpose
from app.extensions import db
from app.kinds import KINDS
from app.rendering.places import Place

from .test_contract_spine import agree, state
from .test_every_form import TRUSTS

AGREED = sorted(name for name, spec in KINDS.items() if spec.needs_agreement)


def boxes_of(pdf: bytes, page: int, text: str) -> list[tuple[float, float, float, float]]:
    """Return the box (left, bottom, right, top) of each occurrence of text on a page."""
    document = pdfium.PdfDocument(pdf)
    try:
        textpage = document[page].get_textpage()
        searcher = textpage.search(text, match_case=True)
        found = []
        while (hit := searcher.get_next()) is not None:
            start, count = hit
            chars = [textpage.get_charbox(i) for i in range(start, start + count)]
            found.append((min(c[0] for c in chars), min(c[1] for c in chars),
                          max(c[2] for c in chars), max(c[3] for c in chars)))
        return found
    finally:
        document.close()


@pytest.mark.parametrize("kind_name", AGREED)
@pytest.mark.parametrize("slug", TRUSTS)
def test_each_name_is_stamped_inside_its_signature_place(app, client, trusts, mailbox, wait, slug, kind_name):
    with app.app_context():
        from app.trusts.models import Trust

        trust = db.session.scalar(select(Trust).where(Trust.slug == slug))
        if kind_name == "audit" and not trust.profile.get("audit", {}).get("questions"):
            pytest.skip(f"{slug} has no audit questions")
        document_id = create_example(slug, kind_name)
    assert wait(lambda: state(app, document_id) == "awaiting_agreement")
    with app.app_context():
        document = db.session.get(Document, document_id)
        parties = [(p.id, p.name) for p in document.parties if p.role in KINDS[kind_name].agreed_by]
        links = {link.party_id: link_url(link.id) for link in db.session.scalars(
            select(Link).where(Link.purpose == LinkPurpose.AGREE, Link.version_id == document.version.id))}
        places = document.version.places
    assert places and set(places) == {str(pid) for pid, _ in parties}, places
    for party_id, name in parties:
        assert agree(client, links[party_id], name).status_code == 303
    assert wait(lambda: state(app, document_id) == "sealed")
    with app.app_context():
        sealed = db.session.get(Document, document_id).version.sealed_file.read()
    for party_id, name in parties:
        for stored in places[str(party_id)]:
            place = Place.from_json(stored)
            inside = [b for b in boxes_of(sealed, place.page, name) if place.contains(*b)]
            assert inside, (name, place, boxes_of(sealed, place.page, name))
            notes = boxes_of(sealed, place.page, "Agreed electronically on")
            assert any(place.contains(*b) for b in notes), (name, place)
