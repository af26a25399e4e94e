"""Document kinds: the fields each takes, who takes part and agrees, and what its form receives.

Kinds are Countersign's model of the paperwork; the wording of each trust's form lives in its
Word template and its profile's defaults, never here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from dateutil.relativedelta import relativedelta

from .inputs import InputInvalid, clean_line, clean_text

NUMBER_DEFAULTS = ("review_period_months", "link_expiry_days", "session_interval_days")
CASE_NOTE = "anonymised case reference (initials or case-system id), never a child's name"
MAX_FIELD = 20000
# Keys of list items that are long text (line breaks allowed); every other key is one line.
LONG_ITEM_KEYS = frozenset({"text", "discussion", "advice", "actions", "comments", "answer"})


class FieldError(Exception):
    """Fields given for a document are unknown or invalid; problems lists each."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Field:
    """One thing an author gives (or the profile defaults) for a document."""

    name: str
    type: str  # "text", "multiline", "date", "time", "choice", "list"
    label: str
    required: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()
    item: tuple[str, ...] = ()  # keys of each item, for a list of records
    example: Any = ""

    def describe(self) -> str:
        parts = [self.type]
        if self.item:
            parts.append("of {" + ", ".join(self.item) + "}")
        if self.choices:
            parts.append("one of " + "/".join(self.choices))
        parts.append("required" if self.required else "optional")
        if self.default not in (None, "", ()):
            parts.append(f"default {self.default!r}")
        return ", ".join(parts)


def _text(name: str, label: str, example: str = "", **kw: Any) -> Field:
    return Field(name, "text", label, example=example or label, **kw)


def _long(name: str, label: str, example: str = "", **kw: Any) -> Field:
    return Field(name, "multiline", label, example=example or label, **kw)


PARTY_FIELDS = (
    _text("school", "School or setting", "Oakfield Primary School"),
    _text("supervisor_position", "Supervisor's role or position", "Regional Safeguarding Lead"),
    _text("supervisee_position", "Supervisee's role or position", "Designated Safeguarding Lead"),
)
CONTRACT_FIELDS = (
    Field("agreed_date", "date", "Date agreed", default="today", example="2026-09-01"),
    Field("review_date", "date", "Review date", default="agreed + review period", example="2027-09-01"),
    _long("supervisee_expectations", "What the supervisee expects from supervision"),
    Field("confidentiality_discussed", "choice", "Confidentiality discussed and limitations agreed",
          default="Yes", choices=("Yes", "No"), example="Yes"),
    _long("other_agreements", "Other areas of agreement"),
)
CLINICAL_FIELDS = (
    _text("supervisor_line_manager", "Supervisor's line manager", "Jo Bloggs", required=True),
    _text("supervisor_role_and_base", "Supervisor's role and work base", "Clinical lead, Trust office", required=True),
    _text("supervisee_line_manager", "Supervisee's line manager", "Pat Lee", required=True),
    _text("supervisee_role_and_base", "Supervisee's role and work base", "Play therapist, Oakfield Primary", required=True),
    _text("supervision_model", "Type or model of supervision", "One-to-one reflective supervision"),
    _long("supervisee_responsibilities", "The supervisee will take responsibility for"),
    _long("supervisee_preparation", "The supervisee will prepare for sessions by"),
    _long("supervisor_commitments", "The supervisor will also"),
    _long("records_kept", "Records kept"),
    _long("records_stored", "Where records are stored"),
    _long("records_access", "How records are accessed"),
)
SESSION_DATE = Field("session_date", "date", "Date of the session", required=True, example="2026-10-14")
ACTION_ITEM = ("what", "who", "due")
AGENDA_FIELDS = (
    SESSION_DATE,
    _text("session_time", "Time of the session", "15:30"),
    _text("venue", "Venue", "SEM Office", default="term:venue"),
    Field("extra_items", "list", "Items added to the standard agenda", example=["Ofsted visit"]),
)
RECORD_ACTION_ITEM = (*ACTION_ITEM, "section")  # an action may belong to one of the record's sections
RECORD_FIELDS = (
    SESSION_DATE,
    Field("group_session", "choice", "Was this a group session?", default="No", choices=("Yes", "No"), example="No"),
    Field("next_session_date", "date", "Date of next supervision", example="2026-11-25"),
    Field("next_session_time", "time", "Time of next supervision", example="15:30"),
    Field("agenda_items", "list", "Agenda items", example=["Welcome", "Review of actions"]),
    Field("sections", "list", "Notes under each of the trust's record sections", item=("title", "text"),
          example=[{"title": "Reflections", "text": "Reflected on the week."}]),
    Field("cases", "list", f"Cases discussed, each by an {CASE_NOTE}",
          item=("reference", "discussion", "advice", "actions"),
          example=[{"reference": "J.S. / CPOMS 4471", "discussion": "…", "advice": "…", "actions": "…"}]),
    Field("actions", "list", "Agreed actions", item=RECORD_ACTION_ITEM,
          example=[{"what": "Refer to early help", "who": "Sam Patel", "due": "2026-10-28", "section": "Reflections"}]),
    Field("done_actions", "list", "Ids of earlier actions now done", example=[3]),
)
PROFORMA_FIELDS = (
    SESSION_DATE,
    _text("case_reference", f"Case: an {CASE_NOTE}", "J.S. / CPOMS 4471", required=True),
    _long("case_background", "Individual case to be discussed, including background", required=True),
    _long("case_advice", "Advice/guidance given"),
    _long("case_actions", "Actions to be taken"),
)
AUDIT_FIELDS = (
    _text("respondent_name", "Name (optional)", "Sam Patel"),
    Field("answered_date", "date", "Date answered (set when the supervisee answers online)", example="2027-07-02"),
    Field("answers", "list", "Answers, one per question of the trust's audit", item=("answer", "comments"),
          example=[{"answer": "Yes", "comments": "…"}]),
)


@dataclass(frozen=True)
class Kind:
    name: str
    title: str
    fields: tuple[Field, ...]
    many_supervisees: bool = False
    needs_agreement: bool = True
    answered_online: bool = False
    agreed_by: tuple[str, ...] = ("supervisor", "supervisee")  # roles whose agreement seals it
    reviewed_yearly: bool = False  # a contract: carries a review date and is reissued each year
    extra_variables: dict[str, Any] = field(default_factory=dict)

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def get(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


_CONTRACT_ALL = PARTY_FIELDS + CONTRACT_FIELDS
KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("contract", "Supervision contract", _CONTRACT_ALL, reviewed_yearly=True),
        Kind("group-contract", "Group supervision contract", _CONTRACT_ALL, many_supervisees=True,
             reviewed_yearly=True),
        Kind("clinical-contract", "Clinical supervision contract", _CONTRACT_ALL + CLINICAL_FIELDS,
             reviewed_yearly=True),
        Kind("agenda", "Supervision agenda", PARTY_FIELDS + AGENDA_FIELDS, many_supervisees=True,
             needs_agreement=False, extra_variables={
                 "open_actions": [{"id": 3, "what": "…", "who": "…", "due": "…"}],
                 "standard_items": ["Welcome", "Review of actions from last meeting"],
             }),
        Kind("record", "Supervision record", PARTY_FIELDS + RECORD_FIELDS, many_supervisees=True,
             extra_variables={
                 "attendees": [{"name": "Alex Morgan", "role": "Supervisor"}],
                 "sections": [{"title": "Reflections", "text": "Reflected on the week.", "prompt": "…",
                               "actions": [{"what": "…", "who": "…", "due": "…", "section": "Reflections"}]}],
                 "open_actions": [{"id": 3, "what": "…", "who": "…", "due": "…", "done": "No"}],
                 "has_actions_table": True,
             }),
        Kind("case-proforma", "Individual case proforma", PARTY_FIELDS + PROFORMA_FIELDS,
             extra_variables={"case": {"reference": "…", "background": "…", "advice": "…", "actions": "…"}}),
        Kind("audit", "Supervision audit", PARTY_FIELDS + AUDIT_FIELDS, answered_online=True,
             agreed_by=("supervisee",),
             extra_variables={
                 "answered_date": "2 July 2027",
                 "questions": [{"number": 1, "text": "…", "answer_type": "yes_no", "has_comments": True,
                                "answer": "…", "comments": "…"}],
             }),
    )
}

# The contracts: agreed before supervision starts, reviewed and reissued every year.
CONTRACT_KINDS = tuple(name for name, spec in KINDS.items() if spec.reviewed_yearly)


def kind(name: str) -> Kind:
    """Return the kind called name."""
    try:
        return KINDS[name]
    except KeyError:
        raise FieldError([f"unknown document kind {name!r} (known: {', '.join(KINDS)})"]) from None


def kinds_used(profile: dict[str, Any]) -> list[str]:
    """Return the kinds of document the trust uses (its profile's `kinds`, else every kind)."""
    used = profile.get("kinds") or list(KINDS)
    return [name for name in KINDS if name in used]


def school_key(name: str) -> str:
    """Return how two spellings of one school's name compare equal ("Oakfield  primary" = "Oakfield Primary")."""
    return " ".join(name.split()).casefold()


def terms_of(profile: dict[str, Any]) -> dict[str, str]:
    """Return the trust's text defaults: the terms its forms print."""
    return {k: v for k, v in profile["defaults"].items() if isinstance(v, str)}


def resolve_fields(spec: Kind, given: dict[str, Any], profile: dict[str, Any], today: date) -> dict[str, Any]:
    """Merge what the author gave over the trust's defaults; raise FieldError naming each problem.

    A given name that is one of the trust's terms overrides that term for this document. The
    profile's "school_defaults" (school name, case-folded -> defaults) override the trust's
    defaults for a document of that school.
    """
    overrides = profile.get("school_defaults", {}).get(school_key(str(given.get("school") or "")))
    if overrides:
        profile = {**profile, "defaults": {**profile["defaults"], **overrides}}
    terms = terms_of(profile)
    problems = [
        f"unknown field {name!r} (known: {', '.join((*spec.field_names, *sorted(terms)))})"
        for name in given
        if name not in spec.field_names and name not in terms
    ]
    resolved: dict[str, Any] = {"terms": dict(terms)}
    for name, value in given.items():
        if name in terms and name not in spec.field_names:
            try:
                term = clean_text(value, name, max_length=MAX_FIELD)
            except InputInvalid as exc:
                problems.append(str(exc))
                continue
            if not term:
                problems.append(f"{name}: must not be empty")
            else:
                resolved["terms"][name] = term
    for f in spec.fields:
        value = given.get(f.name)
        try:
            resolved[f.name] = _clean(f, value, resolved["terms"])
        except ValueError as exc:
            problems.append(f"{f.name}: {exc}")
    if spec.get("agreed_date") is not None and not problems:
        agreed = date.fromisoformat(resolved["agreed_date"] or today.isoformat())
        resolved["agreed_date"] = agreed.isoformat()
        if not resolved["review_date"]:
            months = int(profile["defaults"]["review_period_months"])
            resolved["review_date"] = (agreed + relativedelta(months=months)).isoformat()
        if resolved["review_date"] <= resolved["agreed_date"]:
            problems.append("review_date: must be after agreed_date")
    if spec.name == "record" and not problems:
        resolved["sections"] = _sections(resolved["sections"], profile, problems)
        _action_sections(resolved["actions"], profile, problems)
    if problems:
        raise FieldError(problems)
    return resolved


def _clean(f: Field, value: Any, terms: dict[str, str]) -> Any:
    if f.type == "list":
        return _clean_list(f, value)
    if value is None or (isinstance(value, str) and not value.strip()):
        if isinstance(f.default, str) and f.default.startswith("term:"):
            value = terms.get(f.default[5:], "")
        elif f.type == "choice":
            value = f.default
        if f.required and not value:
            raise ValueError("required")
        return value or ""
    value = _text_of(value, "", multiline=f.type == "multiline")
    if f.type == "date":
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            raise ValueError("not a date (use YYYY-MM-DD)") from None
    if f.type == "time":
        try:
            return time.fromisoformat(value.strip()).strftime("%H:%M")
        except ValueError:
            raise ValueError("not a time (use HH:MM, like 15:30)") from None
    if f.type == "choice" and value not in f.choices:
        raise ValueError(f"must be one of {', '.join(f.choices)}")
    return value


def _text_of(value: Any, where: str, *, multiline: bool) -> str:
    """Return text checked by the one input rule, as a ValueError the caller names the field of."""
    try:
        return (clean_text if multiline else clean_line)(value, where, max_length=MAX_FIELD)
    except InputInvalid as exc:
        raise ValueError(f"{where}: {exc.message}" if where else exc.message) from None


def _clean_list(f: Field, value: Any) -> list[Any]:
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise ValueError("must be a list (give it in --data FILE.json)")
    if len(value) > 200:
        raise ValueError("has too many items (200 at most)")
    if f.name == "done_actions":
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            raise ValueError("must list action ids (whole numbers)")
        return list(value)
    if not f.item:
        if not all(isinstance(v, str) and v.strip() for v in value):
            raise ValueError("each item must be non-empty text")
        return [_text_of(v, f"item {index}", multiline=False) for index, v in enumerate(value, start=1)]
    items = []
    for index, entry in enumerate(value, start=1):
        if not isinstance(entry, dict):
            raise ValueError(f"item {index} must be an object with {', '.join(f.item)}")
        unknown = sorted(set(entry) - set(f.item))
        if unknown:
            raise ValueError(f"item {index} has unknown keys {', '.join(unknown)}")
        if not all(isinstance(v, str) for v in entry.values()):
            raise ValueError(f"item {index}: every value must be text")
        items.append({k: _text_of(entry.get(k, ""), f"item {index} {k}", multiline=k in LONG_ITEM_KEYS)
                      for k in f.item})
    if f.name == "actions":
        for index, action in enumerate(items, start=1):
            if not action["what"]:
                raise ValueError(f"item {index}: say what the action is")
            if action["due"]:
                try:
                    action["due"] = date.fromisoformat(action["due"]).isoformat()
                except ValueError:
                    raise ValueError(f"item {index}: due is not a date (use YYYY-MM-DD)") from None
    if f.name == "cases":
        for index, case in enumerate(items, start=1):
            if not case["reference"]:
                raise ValueError(f"item {index}: give the {CASE_NOTE}")
    return items


def record_sections(profile: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the trust's record sections as {title, prompt, actions, cases}, whether the profile gives titles or tables.

    actions: whether agreed actions may belong to the section (yes unless the profile says not);
    cases: whether cases are recorded under it (None when the profile does not say).
    """
    found = []
    for entry in profile.get("record", {}).get("sections", []):
        if isinstance(entry, str):
            found.append({"title": entry, "prompt": "", "actions": True, "cases": None})
        elif isinstance(entry, dict) and isinstance(entry.get("title"), str):
            cases = entry.get("cases")
            found.append({"title": entry["title"], "prompt": str(entry.get("prompt") or ""),
                          "actions": bool(entry.get("actions", True)),
                          "cases": None if cases is None else bool(cases)})
    return found


def _sections(given: list[dict[str, str]], profile: dict[str, Any], problems: list[str]) -> list[dict[str, str]]:
    """Return one entry per section the trust's record has, in the profile's order."""
    titles = [s["title"] for s in record_sections(profile)]
    texts = {}
    for entry in given:
        if entry["title"] not in titles:
            problems.append(f"sections: {entry['title']!r} is not a section of this trust's record "
                            f"(sections: {', '.join(titles)})")
        texts[entry["title"]] = entry["text"]
    return [{"title": t, "text": texts.get(t, "")} for t in titles]


def _action_sections(actions: list[dict[str, str]], profile: dict[str, Any], problems: list[str]) -> None:
    """Check each action's section is one of the record's sections that actions may belong to."""
    allowed = [s["title"] for s in record_sections(profile) if s["actions"]]
    for index, action in enumerate(actions, start=1):
        if action.get("section") and action["section"] not in allowed:
            problems.append(f"actions: item {index}: {action['section']!r} is not a section actions may belong to "
                            f"(sections: {', '.join(allowed) or 'none'})")


def example_context(spec: Kind, profile: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return a context with an example of every variable the kind's form receives."""
    person = {"name": "Sam Patel", "email": "sam.patel@example.org", "position": "Designated Safeguarding Lead"}
    supervisor = {"name": "Alex Morgan", "email": "alex.morgan@example.org", "position": "Regional Safeguarding Lead"}
    if spec.name == "clinical-contract":
        supervisor |= {"line_manager": "Jo Bloggs", "role_and_base": "Clinical lead, Trust office"}
        person |= {"line_manager": "Pat Lee", "role_and_base": "Play therapist, Oakfield Primary"}
    signed = {"name": "Sam Patel", "date": "23 November 2026", "place": ""}
    context: dict[str, Any] = {
        "trust": {"name": profile["name"] if profile else "Example Academy Trust"},
        "document": {"title": spec.title, "reference": "CS-000123 v1", "kind": spec.name},
        "school": "Oakfield Primary School",
        "supervisor": supervisor,
        "supervisee": person,
        "supervisees": [person],
        "terms": terms_of(profile) if profile else {"frequency": "…", "session_length": "…", "venue": "…"},
        "signed": {"supervisor": dict(signed, name="Alex Morgan"), "supervisee": signed, "supervisees": [signed]},
    }
    for f in spec.fields:
        if f.name in {"school", "supervisor_position", "supervisee_position", "done_actions", "answers"}:
            continue
        if f.name.startswith(("supervisor_line", "supervisor_role", "supervisee_line", "supervisee_role")):
            continue
        if f.name.startswith("case_") or f.name == "answered_date":
            continue
        context[f.name] = f.example if f.type != "date" else "14 October 2026"
    context.update(spec.extra_variables)
    return context


def required_variables(spec: Kind) -> list[str]:
    """Return what every form of this kind must show somewhere (a path counts if anything under it is shown)."""
    named = {"case_reference": "case.reference", "case_background": "case.background"}
    required = []
    for f in spec.fields:
        if not f.required:
            continue
        prefix, _, rest = f.name.partition("_")
        if prefix in {"supervisor", "supervisee"}:
            required.append(f"{prefix}.{rest}")
        else:
            required.append(named.get(f.name, f.name))
    if spec.name.endswith("contract"):
        # The agreed and review dates drive reviews from the document's own columns: a form need not print them.
        required += ["supervisor.name", "signed.supervisor"]
        required += ["supervisees", "signed.supervisees"] if spec.many_supervisees else ["supervisee.name", "signed.supervisee"]
    elif spec.needs_agreement:
        required.append("signed")  # who agreed, and when, on the sealed copy
    if spec.name == "audit":
        required.append("questions")
    return required + signature_places(spec)


def signature_places(spec: Kind) -> list[str]:
    """Return the marker each agreeing role's signature place must show, where the seal stamps their agreement."""
    if not spec.needs_agreement:
        return []
    places = []
    for role in spec.agreed_by:
        if role == "supervisee" and spec.many_supervisees:
            places.append("signed.supervisees.place")
        else:
            places.append(f"signed.{role}.place")
    return places
