"""The BSON oracle: pymongo's `bson` module, an implementation independent of MongoNIO's, behind a line protocol.

  encode : stdin = canonical extended JSON documents, one per line -> the hex of pymongo's BSON, one per line
  decode : stdin = hex BSON documents, one per line -> pymongo's canonical extended JSON (compact), one per line
  op-msg : stdin = canonical extended JSON {"db": <name>, "command": <document>}, one per line -> the hex of the
           OP_MSG pymongo's own message layer (pymongo.message._op_msg) builds for it; an insert, update or delete
           command has its documents moved into a kind-1 section, as pymongo sends them
  version: prints pymongo's version

A line that pymongo refuses prints `error: <reason>` in its place, so a test can check rejections too; the exit code is
0 unless the input itself is unusable (a decode line that is not hex). Datetimes stay milliseconds (DATETIME_MS), so
values outside Python's datetime range pass through unchanged.
"""
import sys

import bson
import pymongo
import pymongo.message
from bson import json_util
from bson.codec_options import DatetimeConversion
from bson.son import SON

OPTIONS = json_util.CANONICAL_JSON_OPTIONS.with_options(datetime_conversion=DatetimeConversion.DATETIME_MS)


def encode(line):
    return bson.encode(json_util.loads(line, json_options=OPTIONS)).hex()


def decode(line):
    document = bson.decode(bytes.fromhex(line), codec_options=OPTIONS)
    return json_util.dumps(document, json_options=OPTIONS, separators=(",", ":"), ensure_ascii=False)


def op_msg(line):
    request = json_util.loads(line, json_options=OPTIONS.with_options(document_class=SON))
    # A private function, pinned with pymongo's version: the bytes pymongo itself writes to a server.
    message = pymongo.message._op_msg(0, request["command"], request["db"], None, OPTIONS)
    return message[1].hex()


def main(argv):
    if argv[1:] == ["version"]:
        print(pymongo.version)
        return 0
    commands = {"encode": encode, "decode": decode, "op-msg": op_msg}
    if len(argv) != 2 or argv[1] not in commands:
        print("usage: bson_oracle.py encode|decode|op-msg|version", file=sys.stderr)
        return 2
    command = commands[argv[1]]
    sys.stdout.reconfigure(encoding="utf-8")
    for line in sys.stdin.buffer.read().decode("utf-8").splitlines():
        if argv[1] == "decode":
            bytes.fromhex(line)  # Not hex is the caller's bug, not a decoding result: let it fail loudly.
        try:
            print(command(line))
        except Exception as error:  # noqa: BLE001 - any rejection is a result to report.
            print("error: %s: %s" % (type(error).__name__, str(error).replace("\n", " ")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
