#!/usr/bin/env python3
"""Reference decoder of Nazar's broker messages (docs/bus-format.md), standard library only.

    bus-decode.py points|alert FILE     decode one message body saved to FILE
    bus-decode.py spool SEGMENT         list the records of a spool segment (*.seg)

It exists to show that a program other than nazard can consume the bus: the round-trip
test (Tests/HostTests/Bus/WireFormatTests) checks nazard against this decoder.
"""
import json
import struct
import sys
import zlib


class Reader:
    def __init__(self, data):
        self.data, self.off = data, 0

    def take(self, n, what):
        if self.off + n > len(self.data):
            raise ValueError(f"truncated {what} at byte {self.off}")
        b = self.data[self.off:self.off + n]
        self.off += n
        return b

    def u8(self, what): return self.take(1, what)[0]
    def u16(self, what): return struct.unpack("<H", self.take(2, what))[0]
    def u32(self, what): return struct.unpack("<I", self.take(4, what))[0]
    def i64(self, what): return struct.unpack("<q", self.take(8, what))[0]
    def f64(self, what): return struct.unpack("<d", self.take(8, what))[0]
    def short(self, what): return self.take(self.u16(what + " length"), what).decode("utf-8")
    def long(self, what): return self.take(self.u32(what + " length"), what).decode("utf-8")


def decode_points(body):
    r = Reader(body)
    version, kind = r.u8("version"), r.u8("kind")
    if version != 1 or kind != 1:
        raise ValueError(f"not a version-1 points message (version {version}, kind {kind})")
    nseries, npoints = r.u16("series count"), r.u32("point count")
    series = []
    for _ in range(nseries):
        name = r.short("name")
        labels = {}
        for _ in range(r.u16("label count")):
            k = r.short("label key")
            labels[k] = r.short("label value")
        series.append((name, labels))
    points = []
    for _ in range(npoints):
        row, ts, value = r.u32("series row"), r.i64("timestamp"), r.f64("value")
        name, labels = series[row]
        points.append({"name": name, "labels": labels, "timestamp_ns": ts, "value": value})
    if r.off != len(body):
        raise ValueError(f"{len(body) - r.off} trailing bytes")
    return points


SEVERITY = {1: "info", 2: "warning", 3: "critical"}
STATE = {1: "firing", 2: "resolved"}


def decode_alert(body):
    r = Reader(body)
    version, kind = r.u8("version"), r.u8("kind")
    if version != 1 or kind != 2:
        raise ValueError(f"not a version-1 alert message (version {version}, kind {kind})")
    a = {"severity": SEVERITY[r.u8("severity")], "state": STATE[r.u8("state")], "rule": r.short("rule")}
    a["labels"] = {}
    for _ in range(r.u16("label count")):
        k = r.short("label key")
        a["labels"][k] = r.short("label value")
    a["summary"], a["source"] = r.long("summary"), r.short("source")
    a["value"], a["score"] = r.f64("value"), r.f64("score")
    a["timestamp_ns"], a["starts_at_ns"] = r.i64("timestamp"), r.i64("starts_at")
    return a


def decode_spool(data):
    if data[:8] != b"NZSPOOL\x01":
        raise ValueError("not a version-1 Nazar spool segment")
    off, out = 8, []
    while off < len(data):
        if off + 8 > len(data):
            raise ValueError(f"torn record at byte {off}")
        length, crc = struct.unpack_from("<II", data, off)
        payload = data[off + 8:off + 8 + length]
        if len(payload) != length or zlib.crc32(payload) != crc:
            raise ValueError(f"damaged record at byte {off}")
        r = Reader(payload)
        exchange, count, key = r.u8("exchange"), r.u32("point count"), r.short("routing key")
        body = payload[r.off:]
        out.append({"exchange": "alerts" if exchange else "points", "routing_key": key, "points": count,
                    "body": decode_alert(body) if exchange else decode_points(body)})
        off += 8 + length
    return out


if __name__ == "__main__":
    what, path = sys.argv[1], sys.argv[2]
    data = open(path, "rb").read()
    result = {"points": decode_points, "alert": decode_alert, "spool": decode_spool}[what](data)
    json.dump(result, sys.stdout, indent=1, default=str)
    print()
