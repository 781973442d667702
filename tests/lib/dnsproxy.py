# SPDX-License-Identifier: MPL-2.0
"""A DNS server front for lab tests whose UDP misbehaves while TCP works, or that misbehaves on
demand.

    python3 dnsproxy.py ADDR MODE UPSTREAM_PORT [SPOOF_FROM]

Listens on ADDR port 53. MODE "truncate": every UDP query is answered with an empty reply that has
TC set. MODE "drop": UDP queries are read and never answered. MODE "sink": like drop, and TCP
connections are closed at once (a resolver that is down). MODE "blackhole": like drop, and TCP
connections are accepted but never answered (a server that hangs). MODE "spoof": every UDP query
is answered REFUSED from SPOOF_FROM, another address, as an off-path attacker would.
MODE "switch:FILE": what FILE holds, read again for every query and connection: "relay" (or no
file: UDP and TCP both relayed), "drop" (as above), "servfail" or "refused" (every query, UDP or
TCP, answered with that RCODE and the question alone). Otherwise TCP connections are relayed to
ADDR:UPSTREAM_PORT, where the real server listens. Prints "ready" once both sockets are bound.
"""
import socket
import struct
import sys
import threading

addr, mode, upstream = sys.argv[1], sys.argv[2], int(sys.argv[3])
spoof_from = sys.argv[4] if len(sys.argv) > 4 else None
mode_file = mode[len("switch:"):] if mode.startswith("switch:") else None
RCODES = {"servfail": 2, "refused": 5}


def current_mode():
    if mode_file is None:
        return mode
    try:
        with open(mode_file) as f:
            return f.read().strip() or "relay"
    except OSError:
        return "relay"


def reply_to(query, rcode, truncated=False):
    """The same ID, opcode and question, QR set, the RCODE given, no records."""
    end = 12
    while end < len(query) and query[end] != 0:
        end += query[end] + 1
    if end + 5 > len(query):
        return None
    flags = (query[2] | 0x80 | (0x02 if truncated else 0), (query[3] & 0xF0) | rcode)
    return query[0:2] + bytes(flags) + b"\x00\x01\x00\x00\x00\x00\x00\x00" + query[12:end + 5]


def relay_udp(sock, data, peer):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as up:
        up.settimeout(5)
        try:
            up.sendto(data, (addr, upstream))
            sock.sendto(up.recv(65535), peer)
        except OSError:
            pass


def udp_loop(sock):
    forger = None
    if mode == "spoof":
        forger = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        forger.bind((spoof_from, 53))
    while True:
        data, peer = sock.recvfrom(65535)
        if len(data) < 12:
            continue
        now = current_mode()
        if now == "spoof":
            # Same ID and question, QR set, RCODE REFUSED: right in every way but its source.
            forged = data[0:2] + bytes((data[2] | 0x80, (data[3] & 0xF0) | 5)) + data[4:]
            forger.sendto(forged, peer)
        elif now == "relay":
            threading.Thread(target=relay_udp, args=(sock, data, peer), daemon=True).start()
        elif now in RCODES or now == "truncate":
            reply = reply_to(data, RCODES.get(now, 0), truncated=(now == "truncate"))
            if reply is not None:
                sock.sendto(reply, peer)


def pump(src, dst):
    try:
        while True:
            chunk = src.recv(65536)
            if not chunk:
                break
            dst.sendall(chunk)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def read_exact(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def answer_tcp(conn, rcode):
    """Every message on the connection answered with RCODE, until the client closes it."""
    with conn:
        try:
            while True:
                size = read_exact(conn, 2)
                query = size and read_exact(conn, struct.unpack("!H", size)[0])
                reply = query and reply_to(query, rcode)
                if not reply:
                    return
                conn.sendall(struct.pack("!H", len(reply)) + reply)
        except OSError:
            pass


def tcp_loop(sock):
    held = []
    while True:
        client, _ = sock.accept()
        now = current_mode()
        if now == "sink":
            client.close()
            continue
        if now == "blackhole":
            held.append(client)
            continue
        if now in RCODES:
            threading.Thread(target=answer_tcp, args=(client, RCODES[now]), daemon=True).start()
            continue
        try:
            server = socket.create_connection((addr, upstream))
        except OSError:
            client.close()
            continue
        threading.Thread(target=pump, args=(client, server), daemon=True).start()
        threading.Thread(target=pump, args=(server, client), daemon=True).start()


udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
udp.bind((addr, 53))
tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
tcp.bind((addr, 53))
tcp.listen(64)
threading.Thread(target=udp_loop, args=(udp,), daemon=True).start()
print("ready", flush=True)
tcp_loop(tcp)
