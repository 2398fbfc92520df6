"""Every report answer belongs to one signed-in person: JSON, pages and PDFs, data and errors alike
carry ``Cache-Control: private, no-store``, so no shared cache and no browser disk keeps them."""

import pytest
from django.utils.cache import get_max_age

pytestmark = pytest.mark.django_db(databases="__all__")

REPORT_ANSWERS = [
    ("/api/reports/me/", 200),
    ("/api/reports/me/2025-03/", 200),
    ("/api/reports/me/2025-03/pdf", 200),
    ("/api/reports/me/2025-04/", 409),  # not processed yet
    ("/api/reports/me/2025-13/", 400),
    ("/reports/me/", 200),
    ("/reports/me/2025-03/", 200),
    ("/reports/me/2025-03/pdf", 200),
    ("/reports/me/2025-13/", 400),
]


def cache_directives(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


@pytest.mark.parametrize("path, status", REPORT_ANSWERS)
def test_report_answers_are_private_and_never_stored(client, reports_world, path, status):
    client.force_login(reports_world.customer_a)

    response = client.get(path)

    assert response.status_code == status
    assert {"private", "no-store"} <= cache_directives(response)
    assert "public" not in cache_directives(response)
    assert get_max_age(response) in (None, 0)


def test_another_customers_id_answers_404_that_is_private_too(client, reports_world):
    client.force_login(reports_world.customer_a)

    response = client.get(f"/api/reports/{reports_world.crm_b.pk}/2025-03/")

    assert response.status_code == 404
    assert {"private", "no-store"} <= cache_directives(response)
