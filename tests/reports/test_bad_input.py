"""Malformed ids, months and ranges get a 400 with a message, never a 500; a month before the
customer's first month is a clear 404."""

import pytest

pytestmark = pytest.mark.django_db(databases="__all__")

BAD_MONTHS = ["2025-13", "2025-00", "abc", "2025-1", "0000-01", "2025-03-01", "2025_03"]


@pytest.mark.parametrize("month", BAD_MONTHS)
@pytest.mark.parametrize("suffix", ["", "pdf"])
def test_api_rejects_a_malformed_month_with_400_and_a_message(client, reports_world, month, suffix):
    client.force_login(reports_world.customer_a)
    response = client.get(f"/api/reports/me/{month}/{suffix}")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_month"
    assert month in body["detail"]


@pytest.mark.parametrize("month", ["2025-13", "abc"])
def test_month_page_rejects_a_malformed_month_with_400_and_a_message(client, reports_world, month):
    client.force_login(reports_world.customer_a)
    response = client.get(f"/reports/me/{month}/")
    assert response.status_code == 400
    assert month in response.content.decode()


@pytest.mark.parametrize(
    "query, code",
    [
        ("from=2025-03&to=2025-01", "invalid_month_range"),
        ("from=abc", "invalid_month"),
        ("to=2025-13", "invalid_month"),
    ],
)
def test_month_list_rejects_a_bad_range_with_400(client, reports_world, query, code):
    client.force_login(reports_world.customer_a)
    response = client.get(f"/api/reports/me/?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == code
    page = client.get(f"/reports/?{query}")
    assert page.status_code == 400


@pytest.mark.parametrize("user_ref", ["abc", "-1", "1.5", "٣", "99999999999999999999"])
@pytest.mark.parametrize("who", ["customer_a", "staff"])
def test_a_malformed_customer_id_is_a_400(client, reports_world, user_ref, who):
    client.force_login(getattr(reports_world, who))
    response = client.get(f"/api/reports/{user_ref}/")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_user_id"


def test_month_list_filters_by_range(client, reports_world):
    client.force_login(reports_world.customer_a)
    body = client.get("/api/reports/me/?from=2025-02&to=2025-03").json()
    assert [m["month"] for m in body["months"]] == ["2025-02", "2025-03"]
    assert body["processed_through"] == "2025-03-31"


def test_a_month_before_the_first_month_is_a_404_naming_the_first_month(client, reports_world):
    client.force_login(reports_world.customer_a)
    response = client.get("/api/reports/me/2024-12/")
    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "no_report_for_month"
    assert body["first_month"] == "2025-01"
    assert "январь 2025" in body["detail"]  # named in words, in the reader's language (Russian here)


# Issue 14: months 0001-01..0001-11 answered 500 ("year 0 is out of range" from a year of payment
# history); Arabic-Indic digits and a trailing newline were taken for a month.
OUT_OF_RANGE_MONTHS = ["0001-01", "0001-11", "0001-12", "1969-12", "2149-06", "9999-12"]
LOOK_ALIKE_MONTHS = {
    "arabic-indic digits": ("%D9%A2%D9%A0%D9%A2%D9%A5-03", "\u0662\u0660\u0662\u0665-03"),
    "trailing newline": ("2025-03%0A", "2025-03\n"),
}
MONTH_URLS = ["/api/reports/me/{}/", "/api/reports/me/{}/pdf", "/reports/me/{}/", "/reports/me/{}/pdf"]


@pytest.mark.parametrize("month", OUT_OF_RANGE_MONTHS)
@pytest.mark.parametrize("url", MONTH_URLS)
def test_a_month_outside_the_marts_range_is_a_400_on_the_api_the_page_and_the_pdf(
    client, reports_world, url, month
):
    client.force_login(reports_world.customer_a)
    response = client.get(url.format(month))
    assert response.status_code == 400
    if url.startswith("/api/"):
        assert response.json()["code"] == "month_out_of_range"
    assert month in response.content.decode()


@pytest.mark.parametrize("quoted, month", LOOK_ALIKE_MONTHS.values(), ids=LOOK_ALIKE_MONTHS)
@pytest.mark.parametrize("url", MONTH_URLS)
def test_a_month_that_only_looks_like_yyyy_mm_is_a_400_on_the_api_the_page_and_the_pdf(
    client, reports_world, url, quoted, month
):
    client.force_login(reports_world.customer_a)
    response = client.get(url.format(quoted))
    assert response.status_code == 400
    if url.startswith("/api/"):
        body = response.json()
        assert set(body) == {"detail", "code"}
        assert body["code"] == "invalid_month"
        assert month in body["detail"]


@pytest.mark.parametrize(
    "query, code",
    [
        ("from=0001-01", "month_out_of_range"),
        ("to=0001-11", "month_out_of_range"),
        ("from=1969-12&to=2025-03", "month_out_of_range"),
        ("to=9999-12", "month_out_of_range"),
        ("from=%D9%A2%D9%A0%D9%A2%D9%A5-01", "invalid_month"),
        ("to=2025-03%0A", "invalid_month"),
    ],
)
def test_a_range_bound_outside_the_marts_or_not_ascii_yyyy_mm_is_a_400(client, reports_world, query, code):
    client.force_login(reports_world.customer_a)
    response = client.get(f"/api/reports/me/?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert client.get(f"/reports/?{query}").status_code == 400
    assert client.get(f"/reports/me/?{query}").status_code == 400
