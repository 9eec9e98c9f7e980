#!/usr/bin/env python3
"""Slow-client check: opens N connections to an iotflow server that each trickle one byte of a never-ending
request head every INTERVAL seconds, and reports, every INTERVAL seconds for DURATION seconds, how many the
server still holds open and (with --pid) how many file descriptors the server process has.

    python3 scripts/slow-clients.py --port 5000 --pid <serve pid> [--connections 2000] [--interval 10] [--duration 70]
                                    [--report-every 5]

A connection counts as closed once a read returns EOF or an error, or a write fails. Needs a file limit above
N in this shell (ulimit -n).
"""
import argparse
import errno
import os
import selectors
import socket
import time


def fd_count(pid):
    if pid is None:
        return None
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--pid", type=int, help="server process, for its descriptor count")
    parser.add_argument("--connections", type=int, default=2000)
    parser.add_argument("--interval", type=float, default=10.0, help="seconds between bytes of each connection")
    parser.add_argument("--duration", type=float, default=70.0)
    parser.add_argument("--report-every", type=float, help="seconds between reports (default: the interval)")
    args = parser.parse_args()

    head = b"GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + b"a" * 100_000
    selector = selectors.DefaultSelector()
    sockets = {}
    refused = 0
    start = time.monotonic()
    for index in range(args.connections):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        result = sock.connect_ex((args.host, args.port))
        if result not in (0, errno.EINPROGRESS):
            refused += 1
            sock.close()
            continue
        sockets[sock.fileno()] = [sock, 0]
        selector.register(sock, selectors.EVENT_READ)
    print(f"opened {len(sockets)} connections in {time.monotonic() - start:.1f} s ({refused} failed to start); server fds: {fd_count(args.pid)}",
          flush=True)

    def close(fd):
        entry = sockets.pop(fd, None)
        if entry:
            selector.unregister(entry[0])
            entry[0].close()

    def send_next_byte():
        for fd, entry in list(sockets.items()):
            sock, sent = entry
            try:
                sock.send(head[sent:sent + 1])
                entry[1] = sent + 1
            except BlockingIOError:
                pass  # connect still in progress: try again next round
            except OSError:
                close(fd)

    start = time.monotonic()
    send_next_byte()
    next_byte = start + args.interval
    next_report = start
    while True:
        now = time.monotonic()
        if now >= next_report:
            print(f"t={now - start:5.1f} s  open={len(sockets):5d}  server fds={fd_count(args.pid)}", flush=True)
            next_report += args.report_every or args.interval
            if now - start >= args.duration:
                break
        if now >= next_byte:
            send_next_byte()
            next_byte += args.interval
        for key, _ in selector.select(timeout=max(0.0, min(next_byte, next_report) - time.monotonic())):
            try:
                if not key.fileobj.recv(4096):
                    close(key.fd)
            except BlockingIOError:
                pass
            except OSError:
                close(key.fd)
    for fd in list(sockets):
        close(fd)


if __name__ == "__main__":
    main()
