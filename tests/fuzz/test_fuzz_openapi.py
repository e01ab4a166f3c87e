"""Schemathesis against every service's OpenAPI document (/<service>/docs/openapi.json), as an admin, a
ward officer, the ward's head, an inspector and the office: 0 server errors, and every answer has a
documented status, a documented content type and the documented shape (issue 14, "OpenAPI tells the
truth"). Valid requests and requests that break the schema on purpose; on PostgreSQL, which refuses
what SQLite lets pass (integers beyond 64 bits).

Bounded and repeatable: a fixed number of examples per operation, derandomized generation (the same
cases every run), no deadline (a slow CI machine is not a failure), no shrinking (every failing
operation is reported with the case that failed, all at once). Paths that name a record are tried
with real codes from the demo's data as well as generated ones.
"""

from __future__ import annotations

import re

import pytest
import schemathesis
from fuzz_stack import ADMIN, OFFICER, demo_platform, token
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.test import Client

from shared.settings import SERVICES

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Examples per operation: the admin reaches most branches, the ward officer mainly the scoping; the head,
# the inspector and the office reach what only their role may do (plans' review, inspections, procedures).
EXAMPLES = {"admin": 25, "officer": 10, "head": 6, "inspector": 6, "office": 6}
WHO = {"admin": ADMIN, "officer": OFFICER,
       "head": {"sub": "CB-W070-01", "unit": "W00070", "roles": ["head"]},
       "inspector": {"sub": "CB-SNV-21", "unit": "HN-SNV", "roles": ["inspector"]},
       "office": {"sub": "fuzz-office", "unit": None, "roles": ["office"]}}

# Path values no list returns: the formats a download is offered in, a figure of a scorecard, a day.
EXTRA = {
    "fmt": ["pdf", "docx"],
    "file_format": ["xlsx", "pdf", "docx"],
    "figure": ["dossiers_overdue", "on_time_rate", "feedback_open"],
    "day": ["2026-12-31"],
    "unit": ["W00070", "HN-SXD", "W00004"],
    "sub": ["CB-W070-01", "CB-W070-11"],
    "position": [1, 2],
    "version": [1, 2],
}


def _known_values(client, path: str, headers: dict) -> dict[str, list]:
    """Real values for each path parameter of `path`: the records its list endpoint returns (the path up
    to the parameter's segment), then the values no list returns (EXTRA)."""
    values: dict[str, list] = {}
    for match in re.finditer(r"\{(\w+)\}", path):
        name = match.group(1)
        listing = path[:match.start()].rsplit("/", 1)[0]
        found: list = []
        if "{" not in listing:
            answer = client.get(listing + "?page_size=5", headers=headers)
            if answer.status_code == 200 and answer.is_json and isinstance(answer.json, dict):
                for item in answer.json.get("items") or []:
                    for key in (name, "code", "number", "id"):
                        if isinstance(item, dict) and item.get(key) is not None:
                            found.append(item[key])
                            break
        values[name] = found + EXTRA.get(name, [])
    return values


@pytest.fixture(scope="module")
def fuzz_platform(tmp_path_factory):
    with demo_platform(tmp_path_factory.mktemp("fuzz")) as built:
        yield built


def _operations(service, platform):
    return schemathesis.openapi.from_wsgi(f"/{service}/docs/openapi.json", platform.wsgi)


def _describe(case, headers: dict, error: BaseException) -> str:
    found = error.exceptions if isinstance(error, FailureGroup) else (error,)
    return "\n".join([case.as_curl_command(headers=headers)] + [str(failure)[:1500] for failure in found])


def _tour(operation, known: dict[str, list], headers: dict, label: str, failures: dict[str, str]) -> None:
    """Every known record read once, lists in their largest page: a field that is null or a number only
    in some records is seen whatever the generator draws."""
    query = {"page_size": 500} if any(p.name == "page_size" for p in operation.query) else None
    if not all(known.values()):
        return
    rows = zip(*known.values(), strict=False) if known else [()]
    for row in rows:
        case = operation.Case(path_parameters=dict(zip(known, row, strict=True)) or None, query=query)
        try:
            case.validate_response(case.call(headers=headers), checks=CHECKS, headers=headers)
        except (Failure, FailureGroup) as error:
            failures.setdefault(label, _describe(case, headers, error))
            return


def _fuzz(cases, examples: int, headers: dict, label: str, failures: dict[str, str]) -> None:
    @settings(max_examples=examples, derandomize=True, deadline=None, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=cases)
    def fuzz(case):
        response = case.call(headers=headers)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        # Collected, not raised: every operation is tried and every failing one shown at once.
        except (Failure, FailureGroup) as error:
            failures.setdefault(label, _describe(case, headers, error))

    fuzz()


@pytest.mark.parametrize("role", list(WHO))
@pytest.mark.parametrize("service", SERVICES)
def test_every_answer_is_documented_and_none_is_a_server_error(fuzz_platform, service, role):
    platform, app_settings = fuzz_platform
    schema = _operations(service, platform)
    headers = {"Authorization": f"Bearer {token(app_settings, WHO[role])}"}
    admin_headers = {"Authorization": f"Bearer {token(app_settings, ADMIN)}"}
    client = Client(platform.wsgi)
    failures: dict[str, str] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        label = f"{operation.method.upper()} {operation.path}"
        known = _known_values(client, operation.path, admin_headers)
        # Valid requests (positive) and requests that break the schema on purpose (negative: wrong
        # types, missing fields, out-of-range numbers), which must be refused with a documented answer.
        strategies = [operation.as_strategy(), operation.as_strategy(GenerationMode.NEGATIVE)]
        if known and all(known.values()):
            fixed = st.fixed_dictionaries({name: st.sampled_from(values) for name, values in known.items()})
            strategies.append(fixed.flatmap(lambda pp, op=operation: op.as_strategy(path_parameters=pp)))

        if operation.method.upper() == "GET":
            _tour(operation, known, headers, label, failures)
        _fuzz(st.one_of(strategies), EXAMPLES[role], headers, label, failures)
    assert not failures, f"{len(failures)} of {service}'s operations failed as {role}:\n\n" + "\n\n".join(
        f"== {label}\n{detail[:3000]}" for label, detail in sorted(failures.items()))
