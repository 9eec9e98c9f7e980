"""What the Python checks of the built server share (scripts/live-streams.py, scripts/mqtt-clients.py): a server
process with its own port, data folder and log, JSON requests, and a pass/fail tally. Test tooling only."""
import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

ADMIN_TOKEN = "python-checks-admin-token-0123456789"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def psql(url, sql):
    parts = urllib.parse.urlparse(url)
    binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/psql")) or [shutil.which("psql")]
    if not binaries or not binaries[-1]:
        sys.exit("live-streams: psql not found")
    env = dict(os.environ, PGPASSWORD=parts.password or "")
    subprocess.run(
        [binaries[-1], "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432), "-U", parts.username or "postgres",
         "-d", parts.path.lstrip("/") or "postgres", "-v", "ON_ERROR_STOP=1", "-q", "-c", sql],
        check=True, env=env, stdout=subprocess.DEVNULL)


class Server:
    """One `iotflow serve` process with its own port, data folder and log file."""

    def __init__(self, binary, name, work, environment):
        self.binary = binary
        self.name = name
        self.port = free_port()
        self.log_path = os.path.join(work, f"{name}.log")
        env = dict(os.environ)
        env.update({
            "PORT": str(self.port), "IOTFLOW_DATA_DIR": os.path.join(work, f"{name}-data"), "IOTFLOW_ADMIN_TOKEN": ADMIN_TOKEN,
            "IOTFLOW_BCRYPT_COST": "4", "LOG_LEVEL": "trace", "RATE_LIMIT_PER_MINUTE": "0", "RATE_LIMIT_AUTH_PER_MINUTE": "0",
            "RATE_LIMIT_DEVICE_REGISTRATION_PER_MINUTE": "0", "MQTT_PORT": "off",
        })
        # The caller's settings win (a data folder to reopen after a restart, an MQTT port).
        env.update(environment)
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen([binary, "serve"], env=env, stdout=self.log, stderr=subprocess.STDOUT)

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self):
        return f"ws://127.0.0.1:{self.port}"

    def wait_until_ready(self):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {self.log_path}")
            try:
                with urllib.request.urlopen(self.base + "/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not answer /health within 60 s")

    def kill(self):
        """SIGKILL, as a crash or power cut would."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.log.close()

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def request(self, method, path, body=None, headers=None):
        """Sends a JSON request; returns (status, parsed body)."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers or {})
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            print(f"ok   {name}" + (f" ({detail})" if detail else ""), flush=True)
        else:
            self.failed += 1
            print(f"FAIL {name}" + (f": {detail}" if detail else ""), flush=True)


def iso(millis):
    seconds, fraction = divmod(millis, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{fraction:03d}Z"
