#!/usr/bin/env python3
"""Regenerates tests/data/encodings/cases.inc from CPython's XML parser.

rill reads single-byte encodings by asking glibc's iconv for the character
of each byte (lib/xml_encoding.c), as pyexpat asks Python's codec. This
script writes, for every encoding rill supports, a document holding every
byte the encoding maps (in text and in an attribute) with what Python 3.12's
ElementTree reads from it, and the bytes Python rejects; then encoding
names, in the declaration and as XMLParser(encoding=...), with Python's
outcome. With --c-tables it prints instead the tables lib/xml_encoding.c
keeps: Python's aliases of the supported codecs, and the bytes where
glibc's map differs from Python's (read here through ctypes, the way
xml_encoding.c reads it).

    python3.12 tests/gen/xml_encoding_cases.py > tests/data/encodings/cases.inc
    python3.12 tests/gen/xml_encoding_cases.py --c-tables
"""
import codecs, ctypes, encodings.aliases, sys
import xml.etree.ElementTree as ET

# Python's codec (module name) -> glibc's iconv name: the single-byte
# codecs both know. Expat's own ISO-8859-1/US-ASCII/UTF-8 spellings never
# reach rill's handler; Python's other spellings of utf-8 do, and pyexpat
# then builds an ASCII map (the 256 bytes decode to 256 characters, 0x80 to
# 0xff each to U+FFFD), which rill reproduces with glibc's ASCII.
CODECS = {
    'ascii': 'ANSI_X3.4-1968', 'latin_1': 'ISO-8859-1',
    'utf_8': 'ANSI_X3.4-1968', 'utf_8_sig': 'ANSI_X3.4-1968',
    **{'iso8859_%d' % i: 'ISO-8859-%d' % i
       for i in (2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16)},
    **{'cp%d' % i: 'CP%d' % i for i in range(1250, 1259)},
    'cp437': 'IBM437', 'cp737': 'CP737', 'cp775': 'IBM775',
    'cp850': 'IBM850', 'cp852': 'IBM852', 'cp855': 'IBM855',
    'cp856': 'IBM856', 'cp857': 'IBM857', 'cp858': 'IBM858',
    **{'cp%d' % i: 'IBM%d' % i
       for i in (860, 861, 862, 863, 864, 865, 866, 869)},
    'cp874': 'CP874', 'cp1125': 'CP1125', 'hp_roman8': 'HP-ROMAN8',
    'koi8_r': 'KOI8-R', 'koi8_t': 'KOI8-T', 'koi8_u': 'KOI8-U',
    'kz1048': 'RK1048', 'ptcp154': 'PT154', 'tis_620': 'TIS-620',
    'mac_roman': 'MACINTOSH', 'mac_cyrillic': 'MAC-CYRILLIC',
    'mac_iceland': 'MAC-IS', 'mac_latin2': 'MAC-CENTRALEUROPE',
}

# Names rill must reject like Python, or where rill differs on purpose.
EXTRA_NAMES = [
    'bogus', 'shift_jis', 'utf_16', 'utf-32', 'euc-jp', 'big5', 'gb2312',
    'cp037', 'cp500', 'iso8859.2', 'latin.1', 'iso_8859.2', 'x', 'hex',
    'rot13', 'Latin-2', 'LATIN_2', 'latin--2', 'latin2_', '_latin2',
    'Windows-1252', 'WINDOWS_1251', 'KOI8-R', 'Koi8-U', 'ISO-8859-15',
    'iso-8859-2', 'Mac-Roman', 'MacCyrillic', 'IBM850', 'CP-437',
    'utf8', 'UTF8', 'u8', 'utf-8-sig', 'ascii', 'ASCII', 'us', 'latin1',
    'iso-8859-1', 'US-ASCII', 'utf-8', 'UTF-16',
]

# Codecs Python reads byte by byte that rill rejects (stateful or
# multi-byte in glibc, or unknown to it): not compared.
DIFFERS = {'iso2022_jp', 'iso2022_jp_1', 'iso2022_jp_2', 'iso2022_jp_2004',
           'iso2022_jp_3', 'iso2022_jp_ext', 'hz', 'unicode_escape',
           'raw_unicode_escape', 'cp720', 'cp1006', 'mac_arabic',
           'mac_croatian', 'mac_farsi', 'mac_greek', 'mac_romanian',
           'mac_turkish', 'palmos'}


def py_map(codec):
    u = bytes(range(256)).decode(codec, 'replace')
    assert len(u) == 256, codec
    return [-1 if c == '\ufffd' else ord(c) for c in u]


def glibc_map(name):
    libc = ctypes.CDLL(None, use_errno=True)
    libc.iconv_open.restype = ctypes.c_void_p
    libc.iconv_open.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    libc.iconv.restype = ctypes.c_size_t
    libc.iconv.argtypes = [ctypes.c_void_p] * 5
    libc.iconv_close.argtypes = [ctypes.c_void_p]
    cd = libc.iconv_open(b'UTF-32LE', name.encode())
    assert cd is not None and cd != ctypes.c_void_p(-1).value, name
    fail = ctypes.c_size_t(-1).value
    m = []
    for b in range(256):
        libc.iconv(cd, None, None, None, None)
        src = ctypes.create_string_buffer(bytes([b]), 1)
        dst = ctypes.create_string_buffer(16)
        ip, il = ctypes.c_char_p(ctypes.addressof(src)), ctypes.c_size_t(1)
        op, ol = ctypes.c_char_p(ctypes.addressof(dst)), ctypes.c_size_t(16)
        r = libc.iconv(cd, ctypes.byref(ip), ctypes.byref(il),
                       ctypes.byref(op), ctypes.byref(ol))
        if r == fail:
            assert ctypes.get_errno() == 84, (name, b)  # EILSEQ
            m.append(-1)
            continue
        libc.iconv(cd, None, None, ctypes.byref(op), ctypes.byref(ol))
        assert ol.value == 12, (name, b)
        m.append(int.from_bytes(dst.raw[:4], 'little'))
    libc.iconv_close(cd)
    return m


def c_str(data):
    out = []
    for b in data:
        c = chr(b)
        if 0x20 <= b < 0x7f and c not in '"\\?':
            out.append(c)
        else:
            out.append('\\%03o' % b)
    return '"' + ''.join(out) + '"'


def xml_ok(cp):
    return cp in (9, 10, 13) or 0x20 <= cp <= 0xd7ff or 0xe000 <= cp <= 0xfffd


def outcome(doc, override=None):
    """Python's result: ('ok', text, attr) or ('err', msg, line, col)."""
    try:
        if override is None:
            root = ET.fromstring(doc)
        else:
            p = ET.XMLParser(encoding=override)
            p.feed(doc)
            root = p.close()
        return ('ok', root.text or '', root.get('a') or '')
    except ET.ParseError as e:
        return ('err', str(e).rsplit(':', 1)[0], e.position[0], e.position[1])
    except (LookupError, ValueError):
        return ('err', 'unknown encoding', 0, 0)  # no position in Python


def decl(name):
    return b'<?xml version="1.0" encoding="' + name.encode() + b'"?>'


def codec_cases():
    for codec in sorted(CODECS):
        m = py_map(codec)
        body = bytes(b for b in range(0x20, 256)
                     if m[b] >= 0 and xml_ok(m[b]) and b not in b'<&"')
        doc = decl(codec) + b'\n<r a="' + body + b'">' + body + b'</r>'
        r = outcome(doc)
        if r[0] == 'err':  # expat refuses the map (cp864 remaps '%')
            print('{%s, %s, %d, 0, "", "", 0, %s, %d, %d},' % (
                c_str(codec.encode()), c_str(doc), len(doc),
                c_str(r[1].encode()), r[2], r[3]))
            continue
        assert r[1] == body.decode(codec), codec
        assert r[2] == r[1], codec
        bad = bytes(b for b in range(256) if m[b] < 0)
        errs = {outcome(decl(codec) + b'<r>' + bytes([b]) + b'</r>')
                for b in bad}
        assert len(errs) <= 1, (codec, errs)
        err = errs.pop() if errs else ('err', '', 0, 0)
        print('{%s, %s, %d, 1, %s, %s, %d, %s, %d, %d},' % (
            c_str(codec.encode()), c_str(doc), len(doc),
            c_str(r[1].encode()), c_str(bad), len(bad), c_str(err[1].encode()),
            err[2], err[3]))


def all_names():
    names = set(EXTRA_NAMES)
    for alias, codec in encodings.aliases.aliases.items():
        if codec in CODECS or codec in DIFFERS:
            names.add(alias)
    names.update(CODECS)
    names.update(codecs.lookup(c).name for c in CODECS)
    names.update(n.upper() for n in list(names))
    return sorted(names)


def name_cases():
    for name in all_names():
        try:
            codec = codecs.lookup(name).name
        except LookupError:
            codec = None
        known = codec is not None and codec.replace('-', '_') in {
            codecs.lookup(c).name.replace('-', '_') for c in CODECS}
        if codec is not None and not known and name.lower() not in (
                'utf-8', 'utf-16', 'us-ascii', 'iso-8859-1'):
            if codec.replace('-', '_') in DIFFERS:
                continue
        body = b'AZ' + bytes(b for b in range(0xc0, 0xc8))
        for override in (False, True):
            if override:
                r = outcome(b'<r>' + body + b'</r>', name)
            else:
                r = outcome(decl(name) + b'<r>' + body + b'</r>')
            if r[0] == 'ok':
                print('{%s, %d, 1, %s, "", 0, 0},' % (
                    c_str(name.encode()), override, c_str(r[1].encode())))
            else:
                print('{%s, %d, 0, "", %s, %d, %d},' % (
                    c_str(name.encode()), override, c_str(r[1].encode()),
                    r[2], r[3]))


def c_tables():
    print('/* Python codec, iconv name. */')
    for codec in sorted(CODECS):
        print('    {"%s", "%s"},' % (codec, CODECS[codec]))
    print('/* Python alias, codec. */')
    for alias, codec in sorted(encodings.aliases.aliases.items()):
        if codec in CODECS:
            print('    {"%s", "%s"},' % (alias, codec))
    print('/* Where glibc differs from Python: codec, byte, Python\'s. */')
    for codec in sorted(CODECS):
        g, p = glibc_map(CODECS[codec]), py_map(codec)
        for b in range(256):
            if g[b] != p[b]:
                print('    {"%s", 0x%02x, %d}, /* glibc: %s */' % (
                    codec, b, p[b], 'U+%04X' % g[b] if g[b] >= 0 else '-1'))


def main():
    if sys.argv[1:] == ['--c-tables']:
        c_tables()
        return
    v = sys.version_info
    print('/* Generated by tests/gen/xml_encoding_cases.py from CPython '
          '%d.%d.%d. */' % (v[0], v[1], v[2]))
    print('#ifdef CODEC_CASES')
    codec_cases()
    print('#else')
    name_cases()
    print('#endif')


if __name__ == '__main__':
    main()
