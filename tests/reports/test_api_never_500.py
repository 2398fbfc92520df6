"""Whatever goes in the path or the query, the reports API answers with a deliberate status,
never a server error."""

import urllib.parse

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db(databases="__all__")

DELIBERATE = {200, 400, 404, 409}
path_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/?#"), min_size=1, max_size=12
)
month_like = st.one_of(
    path_text, st.from_regex(r"\A[0-9]{4}-[0-9]{2}\Z"), st.sampled_from(["2025-01", "2025-03", "9999-12"])
)
user_like = st.one_of(path_text, st.sampled_from(["me", "0", "1", "18446744073709551616"]))


def quoted(text: str) -> str:
    return urllib.parse.quote(text, safe="")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(user_ref=user_like, month=month_like, pdf=st.booleans())
def test_month_urls_answer_deliberately(client, reports_world, user_ref, month, pdf):
    client.force_login(reports_world.staff)
    url = f"/api/reports/{quoted(user_ref)}/{quoted(month)}/" + ("pdf" if pdf else "")
    assert client.get(url).status_code in DELIBERATE


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(month_from=month_like, month_to=month_like)
def test_month_list_range_answers_deliberately(client, reports_world, month_from, month_to):
    client.force_login(reports_world.customer_a)
    response = client.get("/api/reports/me/", {"from": month_from, "to": month_to})
    assert response.status_code in DELIBERATE
