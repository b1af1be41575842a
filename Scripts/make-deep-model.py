#!/usr/bin/env python3
"""Writes a valid model.bin of PAIRS 1x1 conv + ReLU layers (plus flatten, dense, softmax).

An independent writer of docs/model-format.md (Python, no vggc code): it also shows that the
spec alone is enough to produce a file vggc accepts. With PAIRS = 2046 the model has 4,095
layers, the format's limit being 4,096 — the deepest network `vggc compile` must handle.

    Scripts/make-deep-model.py deep.bin 2046
"""
import hashlib
import random
import struct
import sys


def string(text):
    b = text.encode()
    return struct.pack("<I", len(b)) + b


def build(path, pairs, height=8, width=8, channels=4):
    rng = random.Random(1)
    layers, tensors = [], []
    for i in range(pairs):
        # Conv2D (kind 1): kernel 1x1, stride 1, in = out = channels, padding "valid" (0), no bias.
        layers.append((1, f"c{i}", struct.pack("<6I", 1, 1, 1, 1, channels, channels) + bytes([0, 0])))
        tensors.append((f"c{i}.weight", [1, 1, channels, channels], [rng.uniform(-0.5, 0.5) for _ in range(channels * channels)]))
        layers.append((3, f"r{i}", b""))  # ReLU
    features = height * width * channels
    layers.append((7, "flat", b""))  # Flatten
    layers.append((8, "fc", struct.pack("<II", features, 2) + bytes([1])))  # Dense with bias
    tensors.append(("fc.weight", [features, 2], [rng.uniform(-0.1, 0.1) for _ in range(features * 2)]))
    tensors.append(("fc.bias", [2], [0.0, 0.0]))
    layers.append((10, "softmax", b""))  # Softmax

    def descriptor(entries):
        d = struct.pack("<IIIf", height, width, channels, 1 / 255)
        d += struct.pack(f"<{channels}f", *[0.0] * channels) + struct.pack(f"<{channels}f", *[1.0] * channels) + bytes([0])
        d += struct.pack("<I", 2) + string("NORMAL") + string("PNEUMONIA")
        d += struct.pack("<I", len(layers))
        for kind, name, settings in layers:
            d += struct.pack("<H", kind) + string(name) + struct.pack("<I", len(settings)) + settings
        d += struct.pack("<I", len(entries))
        for (name, dims, _), (offset, length, digest) in zip(tensors, entries):
            d += string(name) + bytes([0, len(dims)]) + struct.pack(f"<{len(dims)}I", *dims)
            d += struct.pack("<QQ", offset, length) + digest
        return d + struct.pack("<I", 0)  # no metadata

    data = [struct.pack(f"<{len(v)}f", *v) for _, _, v in tensors]
    draft = descriptor([(0, len(x), bytes(32)) for x in data])
    end, entries = 64 + len(draft), []
    for x in data:
        offset = (end + 63) // 64 * 64
        entries.append((offset, len(x), hashlib.sha256(x).digest()))
        end = offset + len(x)
    d = descriptor(entries)
    f = bytearray(end)
    f[64:64 + len(d)] = d
    for (offset, length, _), x in zip(entries, data):
        f[offset:offset + length] = x
    f[0:8] = bytes([0x89, 0x56, 0x47, 0x47, 0x43, 0x0D, 0x0A, 0x1A])
    f[8:32] = struct.pack("<IIQQ", 1, 0, end, len(d))
    f[32:64] = hashlib.sha256(bytes(f[0:32]) + bytes(f[64:])).digest()
    with open(path, "wb") as out:
        out.write(f)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    build(sys.argv[1], int(sys.argv[2]))
