#!/usr/bin/env python3
# SPDX-License-Identifier: MPL-2.0
"""A DNS server that acknowledges every UPDATE with NOERROR and applies nothing, over UDP and TCP.

The benchmark's "sink" mode points the plugin at it to measure what the plugin itself costs Kea
when the DNS server is on another host: on this 2-core machine a real named applying thousands of
records a second takes CPU from Kea that no production DNS server would. Usage:
dns_sink.py ADDRESS PORT. Prints "ready" once both sockets listen; on SIGTERM prints the number of
messages answered."""
import signal
import socket
import socketserver
import sys
import threading

answered = 0
lock = threading.Lock()


def answer(query):
    """NOERROR for query: same ID and opcode, QR set, the zone section copied, nothing else."""
    global answered
    if len(query) < 12:
        return None
    end = 12
    while end < len(query) and query[end] != 0:
        end += query[end] + 1
    end += 5  # the root label, type and class
    with lock:
        answered += 1
    flags = bytes([0x80 | (query[2] & 0x78), 0])
    return query[:2] + flags + b"\x00\x01\x00\x00\x00\x00\x00\x00" + query[12:end]


class Stream(socketserver.BaseRequestHandler):
    def handle(self):
        conn = self.request
        buf = b""
        while True:
            data = conn.recv(65536)
            if not data:
                return
            buf += data
            while len(buf) >= 2 and len(buf) >= 2 + (buf[0] << 8 | buf[1]):
                n = buf[0] << 8 | buf[1]
                reply = answer(buf[2:2 + n])
                buf = buf[2 + n:]
                if reply is not None:
                    conn.sendall(len(reply).to_bytes(2, "big") + reply)


class TCP(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def udp_loop(sock):
    while True:
        query, peer = sock.recvfrom(65535)
        reply = answer(query)
        if reply is not None:
            sock.sendto(reply, peer)


def main():
    addr, port = sys.argv[1], int(sys.argv[2])
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind((addr, port))
    tcp = TCP((addr, port), Stream)
    threading.Thread(target=udp_loop, args=(udp,), daemon=True).start()

    def stop(*_):
        print("answered", answered, flush=True)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    print("ready", flush=True)
    tcp.serve_forever()


main()
