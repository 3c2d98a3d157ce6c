"""The service starts on an empty file, migrates, and answers on loopback only."""

import stat


def test_health_on_fresh_database(client, settings):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.get_json()["schema_version"] >= 1
    assert stat.S_IMODE(settings.db_path.stat().st_mode) == 0o600


def test_foreign_host_is_refused(client):
    response = client.get("/api/v1/health", headers={"Host": "attacker.example:5317"})
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == "Host"
