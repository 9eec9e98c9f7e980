#!/usr/bin/env python3
"""Checks the deployment files in deploy/ without a Docker daemon.

Usage: scripts/check-deploy.py

  - `docker-compose config` (Debian's docker-compose; DOCKER_COMPOSE overrides the command) parses and validates both
    compose files; the four-store one with deploy/.env.example's values, and it must refuse to render without them
    (every secret is required, none has a default);
  - the four-store file: the five services of the seed, pinned images, a healthcheck on every store, the backend
    waiting for each store to be healthy, named volumes, stores published on 127.0.0.1 only, the API and MQTT on
    every interface, TELEMETRY_RETENTION_DAYS=90, and every variable the backend gets documented in README.md;
  - the embedded file: one service, one named volume at /data;
  - the Dockerfile: multi-stage, every base image pinned to a version (no `latest`, no bare name), a non-root USER
    before the ENTRYPOINT, a HEALTHCHECK, /data as a VOLUME, the API port exposed; and .dockerignore keeps the build
    folder, local data and deploy/.env out of the build context.
Exits 1 with the list of problems, 0 when there are none.
"""

import os
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

try:
    import yaml
except ImportError:  # pragma: no cover - depends on the machine
    sys.exit("check-deploy: PyYAML is missing (scripts/install-test-tools.sh installs it with schemathesis)")

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
COMPOSE = shlex.split(os.environ.get("DOCKER_COMPOSE", "docker-compose"))
STORES = {"postgres", "cassandra", "redis", "mongo"}
problems = []


def problem(message):
    problems.append(message)


def compose_config(compose_file, env_file):
    """The file as docker-compose renders it, or None (with the error recorded)."""
    run = subprocess.run(
        COMPOSE + ["--env-file", str(env_file), "-f", str(compose_file), "config"], capture_output=True, text=True, cwd=ROOT
    )
    if run.returncode != 0:
        problem(f"docker-compose config refused {compose_file.name}: {run.stderr.strip()}")
        return None
    return yaml.safe_load(run.stdout)


def pinned(image):
    """name:tag where the tag carries a version number (and is not `latest`)."""
    if "@sha256:" in image:
        return True
    name, _, tag = image.rpartition(":")
    return bool(name) and "/" not in tag and tag != "latest" and re.search(r"\d", tag) is not None


def documented_variables():
    readme = (ROOT / "README.md").read_text()
    return set(re.findall(r"^\| `([A-Z0-9_]+)`", readme, re.M)) | set(re.findall(r"`([A-Z0-9_]+)`, `[A-Z0-9_]+`", readme))


def check_four_stores():
    compose_file = DEPLOY / "docker-compose.yml"
    config = compose_config(compose_file, DEPLOY / ".env.example")
    if config is None:
        return
    services = config.get("services", {})
    if set(services) != STORES | {"backend"}:
        problem(f"docker-compose.yml: services are {sorted(services)}, expected {sorted(STORES | {'backend'})}")
    for name in STORES & set(services):
        service = services[name]
        if not pinned(service.get("image", "")):
            problem(f"docker-compose.yml: {name}'s image {service.get('image')!r} is not pinned to a version")
        if not service.get("healthcheck", {}).get("test"):
            problem(f"docker-compose.yml: {name} has no healthcheck")
        for port in service.get("ports", []):
            text = port if isinstance(port, str) else f"{port.get('host_ip', '')}:{port.get('published')}"
            if not str(text).startswith("127.0.0.1:"):
                problem(f"docker-compose.yml: {name} publishes {port} beyond 127.0.0.1")
        for volume in service.get("volumes", []):
            source = volume.split(":")[0] if isinstance(volume, str) else volume.get("source", "")
            if source not in config.get("volumes", {}):
                problem(f"docker-compose.yml: {name} keeps its data in {source!r}, not a named volume")
    backend = services.get("backend", {})
    waits = backend.get("depends_on", {})
    for store in STORES:
        if (waits.get(store) or {}).get("condition") != "service_healthy":
            problem(f"docker-compose.yml: the backend does not wait for {store} to be healthy")
    published = sorted(
        str(port.get("published")) if isinstance(port, dict) else port.split(":")[-2] for port in backend.get("ports", [])
    )
    if published != ["1883", "5000"]:
        problem(f"docker-compose.yml: the backend publishes {published}, expected the API (5000) and MQTT (1883)")
    environment = backend.get("environment", {})
    if str(environment.get("TELEMETRY_RETENTION_DAYS")) != "90":
        problem("docker-compose.yml: TELEMETRY_RETENTION_DAYS is not 90 by default")
    for key in ("DATABASE_URL", "CASSANDRA_HOSTS", "CASSANDRA_REPLICATION", "REDIS_HOST", "MONGODB_URI"):
        if not environment.get(key):
            problem(f"docker-compose.yml: the backend gets no {key}")
    undocumented = sorted(set(environment) - documented_variables())
    if undocumented:
        problem(f"docker-compose.yml: the backend gets variables README.md does not document: {undocumented}")

    # Without deploy/.env (or its values) the file must not render: no secret has a default.
    with tempfile.NamedTemporaryFile("w", suffix=".env") as empty:
        run = subprocess.run(
            COMPOSE + ["--env-file", empty.name, "-f", str(compose_file), "config"], capture_output=True, text=True, cwd=ROOT
        )
        if run.returncode == 0 or "deploy/.env" not in run.stderr:
            problem(f"docker-compose.yml renders without its secrets (status {run.returncode}): {run.stderr.strip()[:200]}")


def check_embedded():
    with tempfile.NamedTemporaryFile("w", suffix=".env") as empty:
        config = compose_config(DEPLOY / "docker-compose.embedded.yml", Path(empty.name))
    if config is None:
        return
    services = config.get("services", {})
    if len(services) != 1:
        problem(f"docker-compose.embedded.yml: {len(services)} services, expected one")
    for name, service in services.items():
        volumes = service.get("volumes", [])
        targets = [v.split(":")[1] if isinstance(v, str) else v.get("target") for v in volumes]
        if targets != ["/data"] or len(config.get("volumes", {})) != 1:
            problem(f"docker-compose.embedded.yml: {name} should keep everything in one named volume at /data, has {volumes}")


def dockerfile_instructions(path):
    """(instruction, arguments) pairs, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", path.read_text())
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            yield keyword.upper(), rest.strip()


def check_dockerfile():
    instructions = list(dockerfile_instructions(DEPLOY / "Dockerfile"))
    froms = [rest.split()[0] for keyword, rest in instructions if keyword == "FROM"]
    if len(froms) < 2:
        problem("Dockerfile: not multi-stage (a build stage and a run stage)")
    stages = {rest.split()[-1] for keyword, rest in instructions if keyword == "FROM" and " AS " in rest.upper()}
    for image in froms:
        if image not in stages and not pinned(image):
            problem(f"Dockerfile: base image {image!r} is not pinned to a version")
    users = [(index, rest) for index, (keyword, rest) in enumerate(instructions) if keyword == "USER"]
    entry = max((index for index, (keyword, _) in enumerate(instructions) if keyword in ("ENTRYPOINT", "CMD")), default=-1)
    if not users or users[-1][1].split(":")[0] in ("root", "0") or users[-1][0] > entry:
        problem("Dockerfile: the image does not switch to a non-root USER before its ENTRYPOINT/CMD")
    health = [rest for keyword, rest in instructions if keyword == "HEALTHCHECK"]
    if not health or "/health" not in health[-1]:
        problem("Dockerfile: no HEALTHCHECK on /health")
    if not any(keyword == "VOLUME" and "/data" in rest for keyword, rest in instructions):
        problem("Dockerfile: /data is not a VOLUME")
    if not any(keyword == "EXPOSE" and "5000" in rest.split() for keyword, rest in instructions):
        problem("Dockerfile: the API port 5000 is not exposed")


def check_dockerignore():
    path = ROOT / ".dockerignore"
    entries = set(path.read_text().split()) if path.exists() else set()
    for needed in (".build*", "deploy/.env", "data"):
        if needed not in entries:
            problem(f".dockerignore does not keep {needed!r} out of the build context (the repository root)")


def main():
    check_dockerignore()
    check_four_stores()
    check_embedded()
    check_dockerfile()
    if problems:
        print(f"check-deploy: {len(problems)} problem(s):", file=sys.stderr)
        for message in problems:
            print(f"  - {message}", file=sys.stderr)
        return 1
    print("check-deploy: both compose files validated by docker-compose config; Dockerfile lint passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
