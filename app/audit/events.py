"""Every kind of event the audit log records, listed in one place."""

from __future__ import annotations

from enum import StrEnum


class EventType(StrEnum):
    # a document's life
    CREATED = "created"
    SENT = "sent"
    VIEWED = "viewed"
    AGREED = "agreed"
    CHANGES_REQUESTED = "changes_requested"
    ANSWERED = "answered"
    REVISED = "revised"
    CANCELLED = "cancelled"
    SEALED = "sealed"
    SUPERSEDED = "superseded"
    DOWNLOADED = "downloaded"
    VERIFIED = "verified"
    PREPARATION_FAILED = "preparation_failed"
    SEAL_FAILED = "seal_failed"
    TIMESTAMP_RENEWED = "timestamp_renewed"
    TIMESTAMP_RENEWAL_FAILED = "timestamp_renewal_failed"
    # personal links
    LINK_REJECTED = "link_rejected"
    LINK_RESENT = "link_resent"
    LINK_EXPIRED = "link_expired"
    REMINDER_SENT = "reminder_sent"
    # annual review and actions
    REISSUED = "reissued"
    REISSUE_FAILED = "reissue_failed"
    ACTION_DONE = "action_done"
    # email
    EMAIL_DELIVERED = "email_delivered"
    EMAIL_FAILED = "email_failed"
    # staff
    SIGN_IN_REQUESTED = "sign_in_requested"
    SIGNED_IN = "signed_in"
    SIGNED_OUT = "signed_out"  # every session of that person, on every device
    USER_DEACTIVATED = "user_deactivated"
    STAFF_INVITED = "staff_invited"  # added by an admin and sent a sign-in link
    STAFF_CHANGED = "staff_changed"  # name, role or schools changed, or reactivated
    SCHOOL_ADDED = "school_added"
    SCHOOL_CHANGED = "school_changed"  # renamed, (de)activated, or its own defaults changed
    PROFILE_INSTALLED = "profile_installed"  # `flask trusts install|load`: the whole profile from a TOML file
    PROFILE_CHANGED = "profile_changed"  # an admin changed the profile on its pages: which fields (details.changed)
    SSO_CONFIGURED = "sso_configured"  # a trust's OpenID provider set or changed (never its secret)
    SSO_REMOVED = "sso_removed"
    SSO_REFUSED = "sso_refused"  # sign-in with a provider refused (why; never the address)
    STAFF_LEFT = "staff_left"
    # a trust's Word forms and configuration
    FORM_UPLOADED = "form_uploaded"  # checked and held for its uploader to install
    FORM_INSTALLED = "form_installed"  # a new version of a kind's form, now in use
    FORM_RESTORED = "form_restored"  # an earlier version (or the bundled form) in use again
    TRUST_IMPORTED = "trust_imported"  # profile and forms from an export file
    # records governance
    RETENTION_REVIEWED = "retention_reviewed"
    BATCH_ITEM_WITHDRAWN = "batch_item_withdrawn"
    BATCH_APPROVED = "batch_approved"
    RECORD_DESTROYED = "record_destroyed"  # app/audit/personal.py checks erasures against this name
    HOLD_PLACED = "hold_placed"
    HOLD_RELEASED = "hold_released"
    SUBJECT_ACCESS_EXPORTED = "subject_access_exported"
    # the API and webhooks
    API_CALLED = "api_called"
    API_KEY_CREATED = "api_key_created"
    API_KEY_REVOKED = "api_key_revoked"
    WEBHOOK_ADDED = "webhook_added"
    WEBHOOK_REMOVED = "webhook_removed"
    WEBHOOK_ENABLED = "webhook_enabled"
    WEBHOOK_DISABLED = "webhook_disabled"
