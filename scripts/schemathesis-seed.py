"""Seeds a fresh IoTFlow server for schemathesis and writes the schemathesis configuration.

usage: schemathesis-seed.py IOTFLOW_BINARY BASE_URL DATA_DIR OUT_TOML

An admin user (made with `iotflow admin create-user`), three users, devices and groups, each object a
destructive operation acts on its own, so one operation cannot remove what another needs. Used by
scripts/schemathesis.sh; a test tool, not part of the product.
"""
import json
import os
import subprocess
import sys
import time
import urllib.request

binary, base, data_dir, out = sys.argv[1:5]


def call(method, path, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())


env = dict(os.environ, IOTFLOW_DATA_DIR=data_dir, IOTFLOW_PASSWORD="rootpassword1", LOG_LEVEL="error")
subprocess.run([binary, "admin", "create-user", "--username", "root", "--email", "root@example.com", "--admin"], env=env, check=True, capture_output=True)
admin = call("POST", "/api/v1/auth/login", {"username": "root", "password": "rootpassword1"})["token"]
logout_token = call("POST", "/api/v1/auth/login", {"username": "root", "password": "rootpassword1"})["token"]
A = {"Authorization": f"Bearer {admin}"}
users = {}
for name in ("alice", "bob", "carol"):
    users[name] = call("POST", "/api/v1/auth/register", {"username": name, "email": f"{name}@example.com", "password": "password123"})["user"]["user_id"]


def device(name):
    answer = call("POST", "/api/v1/devices/register", {"name": name, "device_type": "sensor", "location": "lab"}, A)["device"]
    return answer["id"], answer["api_key"]


main_id, main_key = device("main")
self_id, self_key = device("self-config")
rotate_id, _ = device("rotate")
delete_id, _ = device("delete")
admin_delete_id, _ = device("admin-delete")
admin_status_id, _ = device("admin-status")
telemetry_delete_id, telemetry_delete_key = device("telemetry-delete")
member_id, _ = device("member")
for key in (main_key, telemetry_delete_key):
    call("POST", "/api/v1/telemetry", {"points": [{"data": {"temperature": 21.5, "humidity": 40, "mode": "eco", "on": True}, "timestamp": "-10m"},
                                                  {"data": {"temperature": 22.0}, "metadata": {"fw": "1"}}]}, {"X-API-Key": key})
main_group = call("POST", "/api/v1/groups", {"name": "main"}, A)["group"]["id"]
delete_group = call("POST", "/api/v1/groups", {"name": "to-delete"}, A)["group"]["id"]
member_group = call("POST", "/api/v1/groups", {"name": "members"}, A)["group"]["id"]
call("POST", f"/api/v1/groups/{main_group}/devices", {"device_id": main_id}, A)
call("POST", f"/api/v1/groups/{member_group}/devices", {"device_id": member_id}, A)

# Alert rules of the admin user on the main device: one to read and change, one to delete, and two that fire on the
# next point, so there are alerts to acknowledge and to resolve.
def rule(name, **fields):
    return call("POST", "/api/v1/alerts/rules", {"name": name, "device_id": main_id, **fields}, A)["rule"]["id"]


seed_rule = rule("seed", key="temperature", operator="gt", threshold=100)
delete_rule = rule("to-delete", type="offline", offline_after_s=3600)
rule("fires-a", key="temperature", operator="gt", threshold=0)
rule("fires-b", key="temperature", operator="gte", threshold=0)
call("POST", "/api/v1/telemetry", {"data": {"temperature": 23.5}}, {"X-API-Key": main_key})
alerts = []
for _ in range(200):
    alerts = call("GET", "/api/v1/alerts?status=active", headers=A)["alerts"]
    if len(alerts) >= 2:
        break
    time.sleep(0.05)
if len(alerts) < 2:
    sys.exit(f"schemathesis-seed: the seeded rules did not fire ({alerts})")
ack_alert, resolve_alert = alerts[0]["id"], alerts[1]["id"]

ids = dict(admin=admin, logout=logout_token, users=users, main_id=main_id, main_key=main_key, self_key=self_key, rotate_id=rotate_id,
           delete_id=delete_id, admin_delete_id=admin_delete_id, admin_status_id=admin_status_id, telemetry_delete_id=telemetry_delete_id,
           member_id=member_id, main_group=main_group, delete_group=delete_group, member_group=member_group)


# Rules OpenAPI cannot state, so schema-valid requests may rightly get 400 there (each is also in the document's
# prose): a start after the end of a range, more than 10000 aggregation windows, a history cursor not returned by
# the server (it is opaque), and point timestamps more than a day ahead of the server's clock.
# Alert rules: exactly one of device_id and group_id, and the fields a rule's type needs; an alert acknowledged or
# resolved once is 409 the next time.
CROSS_FIELD_RULES = {
    "deleteTelemetry", "getTelemetryHistory", "getAggregatedTelemetry", "submitTelemetry", "adminListEvents", "getEventAnalytics",
    "listAlerts", "getAlertSummary", "createAlertRule", "updateAlertRule", "acknowledgeAlert", "resolveAlert",
}
POSITIVE_WITH_400 = '["2xx", "3xx", "400", "401", "403", "404", "409", "429"]'


def op(operation_id, parameters=None, headers=None):
    lines = ["[[operations]]", f'include-operation-id = "{operation_id}"']
    if parameters:
        lines.append("parameters = { " + ", ".join(f'"{k}" = {json.dumps(v)}' for k, v in parameters.items()) + " }")
    if headers:
        lines.append("headers = { " + ", ".join(f'"{k}" = {json.dumps(v)}' for k, v in headers.items()) + " }")
    if operation_id in CROSS_FIELD_RULES:
        lines.append(f"checks.positive_data_acceptance.expected-statuses = {POSITIVE_WITH_400}")
    return "\n".join(lines) + "\n"


toml = f"""# Generated by schemathesis-seed.py: credentials and ids of a freshly seeded server.

# Text limits count UTF-8 bytes (API.md) while JSON Schema's maxLength counts characters; for ASCII the two
# agree, so strings are generated in ASCII and the document's limits are exact. (Multi-byte limits are
# covered by the HTTP tests; arbitrary bytes by the JSON parser's fuzz target.)
[generation]
codec = "ascii"

[auth.openapi.bearerAuth]
bearer = "{admin}"

[auth.openapi.deviceKey]
api_key = "{main_key}"

[parameters]
"path.user_id" = "{users['alice']}"
"path.device_id" = {main_id}

"""
group_ops = ["getGroup", "updateGroup", "addGroupDevice", "listGroupDevices", "addGroupDevicesBulk", "getGroupLatestTelemetry"]
device_ops = ["getDevice", "updateDevice", "getDeviceStatus", "listDeviceGroups", "adminGetDevice", "adminUpdateDevice"]
for name in device_ops:
    toml += op(name, {"path.id": main_id if name != "adminUpdateDevice" else admin_status_id})
for name in group_ops:
    toml += op(name, {"path.id": main_group})
toml += op("deleteGroup", {"path.id": delete_group})
toml += op("removeGroupDevice", {"path.id": member_group, "path.device_id": member_id})
toml += op("rotateDeviceKey", {"path.id": rotate_id})
toml += op("deleteDevice", {"path.id": delete_id})
toml += op("adminDeleteDevice", {"path.id": admin_delete_id})
toml += op("adminSetDeviceStatus", {"path.id": admin_status_id})
toml += op("deleteTelemetry", {"path.device_id": telemetry_delete_id})
toml += op("deleteUser", {"path.user_id": users["bob"]})
toml += op("deactivateUser", {"path.user_id": users["carol"]})
toml += op("activateUser", {"path.user_id": users["carol"]})
toml += op("logoutUser", headers={"Authorization": f"Bearer {logout_token}"})
toml += op("updateOwnDeviceConfig", headers={"X-API-Key": self_key})
toml += op("getAlertRule", {"path.id": seed_rule})
toml += op("updateAlertRule", {"path.id": seed_rule})
toml += op("deleteAlertRule", {"path.id": delete_rule})
toml += op("getAlert", {"path.id": ack_alert})
toml += op("acknowledgeAlert", {"path.id": ack_alert})
toml += op("resolveAlert", {"path.id": resolve_alert})
for name in sorted(CROSS_FIELD_RULES - {"deleteTelemetry", "updateAlertRule", "acknowledgeAlert", "resolveAlert"}):
    toml += op(name)
open(out, "w").write(toml)
