"""Just enough of a PDF reader for tests of documents made with WeasyPrint (no PDF library is installed):
the page count and the text. Objects packed in object streams are unpacked; text is decoded through each
font's ToUnicode map. Text drawn inside charts (SVG forms with their own resources) is not read."""

from __future__ import annotations

import re
import zlib


def _objects(pdf: bytes) -> dict[int, bytes]:
    objects: dict[int, bytes] = {}
    for match in re.finditer(rb"(\d+) 0 obj\s*(.*?)\s*endobj", pdf, re.S):
        body = match.group(2)
        stream = re.search(rb"stream\r?\n(.*)\r?\nendstream", body, re.S)
        if stream and b"/FlateDecode" in body[:stream.start()]:
            body = body[:stream.start()] + b"stream\n" + zlib.decompress(stream.group(1))
        objects[int(match.group(1))] = body
    for body in list(objects.values()):
        if re.search(rb"/Type\s*/ObjStm", body):
            first = int(re.search(rb"/First (\d+)", body).group(1))
            data = body[body.index(b"stream\n") + 7:]
            numbers = list(map(int, data[:first].split()))
            pairs = list(zip(numbers[::2], numbers[1::2], strict=True))
            for index, (number, offset) in enumerate(pairs):
                end = pairs[index + 1][1] if index + 1 < len(pairs) else len(data) - first
                objects[number] = data[first + offset:first + end]
    return objects


def page_count(pdf: bytes) -> int:
    """The /Count of the root page tree (the one without a parent)."""
    for body in _objects(pdf).values():
        if re.match(rb"\s*<<\s*/Type\s*/Pages\b", body) and b"/Parent" not in body:
            return int(re.search(rb"/Count (\d+)", body).group(1))
    raise AssertionError("no page tree in the PDF")


def _unicode_map(body: bytes) -> dict[int, str]:
    table = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", body, re.S):
        for source, target in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            table[int(source, 16)] = bytes.fromhex(target.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", body, re.S):
        for low, high, target in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            for offset, code in enumerate(range(int(low, 16), int(high, 16) + 1)):
                table[code] = chr(int(target, 16) + offset)
    return table


def text(pdf: bytes) -> str:
    """The page text, one line per text object (words wrapped inside a table cell are not separated)."""
    objects = _objects(pdf)
    fonts: dict[bytes, dict[int, str]] = {}
    for body in objects.values():
        for name, number in re.findall(rb"/(\w+) (\d+) 0 R", body):
            target = objects.get(int(number), b"")
            to_unicode = re.search(rb"/ToUnicode (\d+) 0 R", target)
            if b"/Font" in target and to_unicode:
                fonts[name] = _unicode_map(objects[int(to_unicode.group(1))])
    parts: list[str] = []
    for body in objects.values():
        if b"BT" not in body or b" Tf" not in body:
            continue
        font: dict[int, str] = {}
        for op in re.finditer(rb"/(\w+) [\d.]+ Tf|\[(.*?)\]\s*TJ|<([0-9a-fA-F]*)>\s*Tj|(ET)", body, re.S):
            if op.group(1):
                font = fonts.get(op.group(1), {})
            elif op.group(4):
                parts.append("\n")
            else:
                strings = re.findall(rb"<([0-9a-fA-F]*)>", op.group(2)) if op.group(2) is not None else [op.group(3)]
                for glyphs in strings:
                    parts.append("".join(font.get(int(glyphs[i:i + 4], 16), "\ufffd")
                                         for i in range(0, len(glyphs), 4)))
    return "".join(parts)


def squeezed(value: str) -> str:
    """Without whitespace: a PDF table cell wraps words without a space to read back."""
    return re.sub(r"\s+", "", value)
