"""The OpenAPI description is served, and schemathesis finds the running app keeps to it for generated inputs."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode, checks

from ..flows.conftest_helpers import BROKER
from ..flows.test_contract_spine import create
from .conftest import auth, make_key

pytestmark = pytest.mark.skipif(bool(BROKER), reason="generated documents are made in-process")
EXAMPLES = 25


@pytest.fixture
def api_schema(app: Any, runner: Any, trusts: Any, mailbox: Any) -> Any:
    app.config["API_RATE_LIMIT"] = "100000 per minute"  # schemathesis sends many requests
    app.config["SCHEMATHESIS_KEY"] = make_key(runner, "heart-of-mercia", "schemathesis", "read", "write")
    create(runner)  # document 1 exists, awaiting agreement, so generated ids reach a real one
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_api_keeps_to_its_description(api_schema: Any, app: Any, mode: GenerationMode) -> None:
    # schemathesis's own pytest plugin does not yet run under pytest 9, so each operation's
    # strategy is driven with hypothesis here: the same generated cases, the same checks.
    headers = auth(app.config["SCHEMATHESIS_KEY"])
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) == 7, [o.label for o in operations]  # every operation but the description itself
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case: Any) -> None:
            # Every check runs but one: which fields a kind takes, and what each person's email may
            # be, depend on the trust's profile and the create page's validation, so a request valid
            # by the schema may still be refused, with a 422 naming each field (tested separately).
            case.call_and_validate(headers=headers, excluded_checks=[checks.positive_data_acceptance])

        check()


def test_the_description_is_openapi_3_1_from_the_schemas(client: Any) -> None:
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"] == "3.1.0"
    create = spec["paths"]["/api/v1/documents"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/CreateDocument"}
    assert "422" in create["responses"] and "401" in create["responses"]
    assert "contract" in spec["components"]["schemas"]["KindName"]["enum"]
