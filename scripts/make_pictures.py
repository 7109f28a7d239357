#!/usr/bin/env python3
"""Draws the shipped pictures of assets/pictures/ (standard library only, CC0 like the output):

- star.png: a black five-pointed star on white, 160×160 grey (mass from darkness);
- moon.png: a crescent moon, opaque dark blue on a transparent ground, 200×160 RGBA (mass from
  alpha);
- assets/scenes/star-to-moon.json: a scene that flows the star into the moon, both kept as
  nsgf's density grids (the mass of each pixel, zero at or below the default threshold 0.05,
  quantised to bytes, raw deflate, base64url), as `nsgf` itself would store them.

Run from the repository root: python3 scripts/make_pictures.py
"""
import base64
import json
import math
import struct
import zlib


def write_png(path, width, height, rows, color_type):
    """rows: a list of bytes objects, one per row (grey: 1 byte a pixel, RGBA: 4)."""
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + row for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    with open(path, "wb") as out:
        out.write(b"\x89PNG\r\n\x1a\n")
        out.write(chunk(b"IHDR", header))
        out.write(chunk(b"IDAT", zlib.compress(raw, 9)))
        out.write(chunk(b"IEND", b""))


def coverage(inside, x, y, samples=4):
    """The fraction of a pixel's sub-samples inside the shape (anti-aliasing)."""
    hits = 0
    for i in range(samples):
        for j in range(samples):
            hits += inside(x + (i + 0.5) / samples, y + (j + 0.5) / samples)
    return hits / samples**2


def star(size=160):
    centre, outer, inner = size / 2, size * 0.46, size * 0.19
    corners = []
    for k in range(10):
        radius = outer if k % 2 == 0 else inner
        angle = -math.pi / 2 + k * math.pi / 5
        corners.append((centre + radius * math.cos(angle), centre + 4 + radius * math.sin(angle)))

    def inside(x, y):
        crossings = False
        for (x1, y1), (x2, y2) in zip(corners, corners[1:] + corners[:1]):
            if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
                crossings = not crossings
        return crossings

    rows = [bytes(round(255 * (1 - coverage(inside, x, y))) for x in range(size)) for y in range(size)]
    write_png("assets/pictures/star.png", size, size, rows, 0)
    return size, size, [1 - v / 255 for row in rows for v in row]


def moon(width=200, height=160):
    def inside(x, y):
        big = (x - 100) ** 2 + (y - 80) ** 2 <= 70**2
        bite = (x - 135) ** 2 + (y - 62) ** 2 <= 58**2
        return big and not bite

    rows = []
    for y in range(height):
        row = bytearray()
        for x in range(width):
            alpha = round(255 * coverage(inside, x, y))
            row += bytes((30, 40, 110, alpha))
        rows.append(bytes(row))
    write_png("assets/pictures/moon.png", width, height, rows, 6)
    return width, height, [row[4 * x + 3] / 255 for row in rows for x in range(width)]


def grid(label, width, height, masses, threshold=0.05):
    """The scene's picture target: nsgf's DensityGrid of the masses (both sides ≤ 256)."""
    cells = bytes(
        0 if m <= threshold else max(1, math.floor(m * 255 + 0.5)) for m in masses
    )
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = packer.compress(cells) + packer.flush()
    text = base64.urlsafe_b64encode(packed).decode().rstrip("=")
    return {"kind": "picture", "label": label, "grid": {"width": width, "height": height, "cells": text}}


star_grid = grid("image:star.png", *star())
moon_grid = grid("image:moon.png", *moon())
with open("assets/scenes/checkerboard-small-blur.json") as template:
    scene = json.load(template)
scene["title"] = "a drawn star flows into a crescent moon (pictures in assets/pictures/)"
scene["source"] = star_grid
scene["target"] = moon_grid
scene["flow"]["sinkhorn"]["blur"] = 0.05
with open("assets/scenes/star-to-moon.json", "w") as out:
    json.dump(scene, out, indent=2, ensure_ascii=False)
    out.write("\n")
