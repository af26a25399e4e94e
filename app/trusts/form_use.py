"""Which variables a trust's form for a kind uses, so pages ask for exactly what it prints."""

from __future__ import annotations

import hashlib
import json
import threading

from ..kinds import example_context, kind
from ..offers import Offer, offered
from ..rendering.check import variables_used
from ..rendering.isolated import variables_used_isolated
from .form_store import NoForm, form_in_use
from .forms import form_limits, is_bundled
from .models import Trust

# Forms the app does not ship are read in a limited child; remember each answer in this process.
_isolated: dict[tuple[str, str], frozenset[str]] = {}
_lock = threading.Lock()


def form_variables(trust: Trust, kind_name: str) -> frozenset[str] | None:
    """Return the variables the trust's form for a kind uses, or None when it has no form to read."""
    try:
        data = form_in_use(trust, kind_name).data
    except NoForm:
        return None
    provided = example_context(kind(kind_name), trust.profile)
    if is_bundled(data):
        return variables_used(data, provided=provided)
    key = (hashlib.sha256(data).hexdigest(),
           hashlib.sha256(json.dumps(provided, sort_keys=True, default=str).encode()).hexdigest())
    with _lock:
        found = _isolated.get(key)
    if found is None:
        found = variables_used_isolated(data, provided=provided, limits=form_limits())
        with _lock:
            _isolated[key] = found
    return found


def offer_for(trust: Trust, kind_name: str) -> Offer:
    """Return what a page making or changing a document of this kind for the trust asks for."""
    return offered(kind(kind_name), trust.profile, form_variables(trust, kind_name))
