"""The SCRAM-SHA-256 oracle: Python's hashlib and hmac with pymongo's SASLprep (built on Python's stringprep tables of
RFC 3454), independent of MongoNIO's Swift implementation, behind a line protocol.

  saslprep: stdin = JSON strings, one per line -> the JSON string SASLprep makes of it, or `error: <reason>`
            (the query profile: unassigned code points allowed, as a client prepares them)
  scram   : stdin = JSON {"username", "password", "clientNonce", "serverNonce", "salt" (base64), "iterations"}, one per
            line -> JSON {"clientFirst", "serverFirst", "clientFinal", "serverFinal"} of that conversation (RFC 5802,
            RFC 7677, with MongoDB's rules: the user name escaped but not SASLprepped, the password SASLprepped)
"""
import base64
import hashlib
import hmac
import json
import sys

from pymongo.saslprep import saslprep


def query_saslprep(text):
    # pymongo's saslprep indexes the first character without checking for one; the empty string prepares to itself.
    return saslprep(text, prohibit_unassigned_code_points=False) if text else text


def prepare(line):
    return json.dumps(query_saslprep(json.loads(line)), ensure_ascii=False)


def scram(line):
    request = json.loads(line)
    user = request["username"].replace("=", "=3D").replace(",", "=2C")
    password = query_saslprep(request["password"]).encode("utf-8")
    salt = base64.b64decode(request["salt"])
    nonce = request["clientNonce"] + request["serverNonce"]
    client_first_bare = "n=%s,r=%s" % (user, request["clientNonce"])
    server_first = "r=%s,s=%s,i=%d" % (nonce, request["salt"], request["iterations"])
    without_proof = "c=biws,r=%s" % nonce
    auth_message = ",".join([client_first_bare, server_first, without_proof]).encode("utf-8")
    salted = hashlib.pbkdf2_hmac("sha256", password, salt, request["iterations"])
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    signature = hmac.new(stored_key, auth_message, hashlib.sha256).digest()
    proof = bytes(a ^ b for a, b in zip(client_key, signature))
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    server_signature = hmac.new(server_key, auth_message, hashlib.sha256).digest()
    return json.dumps(
        {
            "clientFirst": "n,," + client_first_bare,
            "serverFirst": server_first,
            "clientFinal": "%s,p=%s" % (without_proof, base64.b64encode(proof).decode()),
            "serverFinal": "v=" + base64.b64encode(server_signature).decode(),
        },
        ensure_ascii=False,
    )


def main(argv):
    commands = {"saslprep": prepare, "scram": scram}
    if len(argv) != 2 or argv[1] not in commands:
        print("usage: scram_oracle.py saslprep|scram", file=sys.stderr)
        return 2
    sys.stdout.reconfigure(encoding="utf-8")
    for line in sys.stdin.buffer.read().decode("utf-8").splitlines():
        try:
            print(commands[argv[1]](line))
        except Exception as error:  # noqa: BLE001 - a refusal is a result to report.
            print("error: %s: %s" % (type(error).__name__, str(error).replace("\n", " ")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
