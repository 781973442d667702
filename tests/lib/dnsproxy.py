# SPDX-License-Identifier: MPL-2.0
"""A DNS server front for lab tests whose UDP misbehaves while TCP works.

    python3 dnsproxy.py ADDR MODE UPSTREAM_PORT

Listens on ADDR port 53. MODE "truncate": every UDP query is answered with an empty reply that has
TC set. MODE "drop": UDP queries are read and never answered. MODE "sink": like drop, and TCP
connections are closed at once (a resolver that is down). MODE "blackhole": like drop, and TCP
connections are accepted but never answered (a server that hangs). MODE "spoof": every UDP query
is answered REFUSED from SPOOF_FROM (argument 4), another address, as an off-path attacker would.
Otherwise TCP connections are
relayed to ADDR:UPSTREAM_PORT, where the real server listens. Prints "ready" once both sockets are
bound.
"""
import socket
import sys
import threading

addr, mode, upstream = sys.argv[1], sys.argv[2], int(sys.argv[3])
spoof_from = sys.argv[4] if len(sys.argv) > 4 else None


def udp_loop(sock):
    forger = None
    if mode == "spoof":
        forger = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        forger.bind((spoof_from, 53))
    while True:
        data, peer = sock.recvfrom(65535)
        if mode == "spoof" and len(data) >= 12:
            # Same ID and question, QR set, RCODE REFUSED: right in every way but its source.
            forged = data[0:2] + bytes((data[2] | 0x80, (data[3] & 0xF0) | 5)) + data[4:]
            forger.sendto(forged, peer)
            continue
        if mode != "truncate" or len(data) < 12:
            continue
        # Same ID and question, QR and TC set, opcode kept, no records after the question.
        flags = (data[2] | 0x80 | 0x02, data[3] & 0xF0)
        end = 12
        while data[end] != 0:
            end += data[end] + 1
        reply = data[0:2] + bytes(flags) + b"\x00\x01\x00\x00\x00\x00\x00\x00" + data[12:end + 5]
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


def tcp_loop(sock):
    held = []
    while True:
        client, _ = sock.accept()
        if mode == "sink":
            client.close()
            continue
        if mode == "blackhole":
            held.append(client)
            continue
        server = socket.create_connection((addr, upstream))
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
