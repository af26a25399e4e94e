"""Trust admins' webhook pages: endpoints (add, remove, enable) and each one's delivery log."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..staff import access
from ..staff.blueprint import bp
from .endpoints import (
    EVENT_NAMES,
    EndpointProblem,
    add_endpoint,
    deliveries_of,
    enable_endpoint,
    endpoints_of,
    remove_endpoint,
)
from .models import EndpointState, WebhookEndpoint


def _page(status: int = 200, **extra: Any) -> tuple[str, int]:
    values = {"secret": None, "made": None, "error": None, "url": ""} | extra
    return render_template("staff/webhooks.html", endpoints=endpoints_of(current_user.trust_id),
                           event_names=EVENT_NAMES, **values), status


@bp.get("/webhooks")
@access.allowed(access.is_admin)
def webhooks() -> Any:
    """List the trust's webhook endpoints."""
    return _page()


@bp.post("/webhooks")
@access.allowed(access.is_admin)
def add_webhook() -> Any:
    """Register an endpoint and show its signing secret this once."""
    url = request.form.get("url", "")
    try:
        endpoint, secret = add_endpoint(current_user.trust.slug, url, request.form.getlist("events"),
                                        actor=current_user.label)
    except EndpointProblem as exc:
        return _page(400, error=str(exc), url=url)
    return _page(secret=secret, made=endpoint)


def _endpoint(endpoint_id: int) -> WebhookEndpoint:
    endpoint = next((e for e in endpoints_of(current_user.trust_id) if e.id == endpoint_id), None)
    if endpoint is None:
        abort(404)
    return endpoint


@bp.get("/webhooks/<int:endpoint_id>")
@access.allowed(access.is_admin)
def webhook(endpoint_id: int) -> str:
    """Show an endpoint and its delivery log: each event's status, attempts and response code."""
    endpoint = _endpoint(endpoint_id)
    return render_template("staff/webhook.html", endpoint=endpoint, deliveries=deliveries_of(endpoint.id),
                           disabled=endpoint.state == EndpointState.DISABLED)


@bp.post("/webhooks/<int:endpoint_id>/remove")
@access.allowed(access.is_admin)
def remove_webhook(endpoint_id: int) -> Any:
    """Stop sending to an endpoint."""
    remove_endpoint(current_user.trust_id, _endpoint(endpoint_id).id, actor=current_user.label)
    flash("The endpoint has been removed; nothing more is sent to it.", "success")
    return redirect(url_for("staff.webhooks"), code=303)


@bp.post("/webhooks/<int:endpoint_id>/enable")
@access.allowed(access.is_admin)
def enable_webhook(endpoint_id: int) -> Any:
    """Start a disabled endpoint again; the events held for it are sent."""
    try:
        held = enable_endpoint(current_user.trust_id, _endpoint(endpoint_id).id, actor=current_user.label)
    except EndpointProblem as exc:
        flash(str(exc), "error")
    else:
        flash(f"The endpoint is enabled again; {held} held events are being sent.", "success")
    return redirect(url_for("staff.webhook", endpoint_id=endpoint_id), code=303)
