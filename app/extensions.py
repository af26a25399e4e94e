"""Flask extensions, created bare and attached in create_app."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])

# Per client, shared by every page reached through a personal link (/s, /d, /a, /staff/sign-in/<token>):
# generous for a person opening and answering their links, a wall for anyone guessing tokens.
token_pages = limiter.shared_limit("60 per minute", scope="token-pages")
# A document's page images come many to a page view, so they have their own, larger allowance.
token_images = limiter.shared_limit("600 per minute", scope="token-images")
