"""The OpenAPI schema is published and describes the report endpoints; the docs page works
offline (its assets come from the installed sidecar, not a CDN)."""

import pytest
import yaml

pytestmark = pytest.mark.django_db


def test_schema_lists_the_three_report_endpoints(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    paths = schema["paths"]
    assert "/api/reports/{user_ref}/" in paths
    assert "/api/reports/{user_ref}/{month}/" in paths
    assert "/api/reports/{user_ref}/{month}/pdf" in paths
    month = paths["/api/reports/{user_ref}/{month}/"]["get"]["responses"]
    assert {"200", "400", "401", "404", "409", "503"} <= set(month)


def test_every_error_response_of_every_operation_is_the_one_error_component(client):
    schema = yaml.safe_load(client.get("/api/schema/").content)
    components = schema["components"]["schemas"]
    assert [name for name in components if "error" in name.lower()] == ["Error"]
    assert set(components["Error"]["required"]) == {"detail", "code"}
    error_refs = {
        (path, status): response["content"]["application/json"]["schema"]
        for path, operations in schema["paths"].items()
        for operation in operations.values()
        for status, response in operation["responses"].items()
        if int(status) >= 400
    }
    for path, operations in schema["paths"].items():
        for operation in operations.values():
            assert {"400", "401", "404", "503"} <= set(operation["responses"]), path
    assert set(map(str, error_refs.values())) == {str({"$ref": "#/components/schemas/Error"})}


def test_docs_page_loads_its_assets_from_this_server(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui" in page
    assert "cdn." not in page and "unpkg" not in page
