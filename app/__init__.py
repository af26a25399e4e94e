"""Countersign: safeguarding supervision records, agreed by personal links and sealed."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, g, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.middleware.proxy_fix import ProxyFix

from . import (
    api,
    audit,
    config,
    conversion,
    demo,
    documents,
    governance,
    health,
    inputs,
    jobs,
    logs,
    mail,
    reviews,
    sso,
    staff,
    storage,
    sweep,
    trusts,
    verification,
    webhooks,
)
from . import db as database
from .extensions import csrf, db, limiter, migrate
from .logs import TOKEN_PATH

MIGRATIONS = str(config.PROJECT_ROOT / "app" / "migrations")
FEATURES = (
    conversion, storage, audit, mail, trusts, documents, reviews, staff, sso, governance, api, webhooks, verification,
    sweep, demo, health,
)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application."""
    app = Flask(__name__)
    app.extensions[config.FACTORY] = create_app
    config.load_config(app, test_config)
    app.config.update(
        MAX_CONTENT_LENGTH=25 * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Secure cookies wherever the app is served over HTTPS (everywhere but local development).
        SESSION_COOKIE_SECURE=app.config["BASE_URL"].startswith("https://"),
        WTF_CSRF_TIME_LIMIT=None,  # the session bounds it; a signing page may stay open long
        # Over HTTPS Flask-WTF would also demand a same-site Referer, which Referrer-Policy: no-referrer
        # (kept so tokens never leave in a Referer) stops browsers sending: every form would fail.
        # The session-bound token and SameSite=Lax cookies are the CSRF defence.
        WTF_CSRF_SSL_STRICT=False,
    )

    if (proxies := int(app.config["PROXY_FIX"])) > 0:
        # Only then is a forwarded address believed: otherwise anyone could claim any address.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]
    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS)
    inputs.init_app(app)  # before CSRF, which parses the form: the raw bytes are checked first
    csrf.init_app(app)
    database.init_app(app)
    jobs.init_app(app)
    # Every feature attaches its own blueprint, commands, jobs and link builders.
    for feature in FEATURES:
        feature.init_app(app)
    jobs.finish_jobs_after_commands(app)
    limiter.init_app(app)
    _security(app)
    _errors(app)
    logs.install()  # every logger and handler, not only the access log

    @app.get("/")
    def index() -> str:
        return render_template("index.html")

    return app


def _security(app: Flask) -> None:
    @app.after_request
    def headers(response: Response) -> Response:
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; "
            "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
            # A page whose form is redirected elsewhere (a trust's sign-in provider) names that origin.
            + "".join(f" {origin}" for origin in g.get("form_action_origins", ())),
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        # Token links must not leak through Referer to anything the page loads or links to.
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if app.config["SESSION_COOKIE_SECURE"]:
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        if TOKEN_PATH.match(request.path):
            response.headers["Cache-Control"] = "no-store"
        return response


def _errors(app: Flask) -> None:
    messages = {
        400: ("Something in that request was not right", "Go back and try again."),
        403: ("You are not allowed to see this page",
              "Your role does not include it. If you need it, ask your trust's administrator."),
        404: ("Page not found", "Check the address, or use the link in your email."),
        405: ("That cannot be done here", "Go back and try again."),
        413: ("That file is too large", "Files up to 25 MB can be checked."),
        429: ("Too many requests", "Wait a minute, then try again. The link in your email still works."),
        500: ("Sorry, something went wrong", "Nothing was changed. Try again in a few minutes."),
    }

    def page(code: int) -> Any:
        if request.path.startswith(api.PREFIX + "/"):  # an address the API's routes did not match
            return api.problem(code, messages[code][0] + ".")
        title, text = messages[code]
        return render_template("error.html", title=title, text=text), code

    @app.errorhandler(CSRFError)
    def csrf_error(_exc: CSRFError) -> tuple[str, int]:
        title, text = "This form has expired", "Reload the page and try again. Nothing was changed."
        return render_template("error.html", title=title, text=text), 400

    for code in messages:
        app.register_error_handler(code, lambda _exc, code=code: page(code))
