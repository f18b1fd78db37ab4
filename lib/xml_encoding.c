/* Single-byte document encodings: the byte map expat's unknown-encoding
 * handler needs, read from glibc's iconv as pyexpat reads it from Python's
 * codecs.
 *
 * pyexpat decodes the 256 bytes with the codec ("replace" errors) and
 * hands expat the characters, U+FFFD becoming -1 (invalid byte); it calls
 * an encoding whose 256 bytes do not decode to 256 characters multi-byte
 * and refuses it. rill accepts only the names Python's codec registry
 * resolves (normalised the way encodings.search_function does) to a
 * single-byte codec that glibc also knows, converts each byte alone with
 * iconv (state reset before, flushed after), and refuses the encoding
 * when a byte is incomplete on its own (EINVAL: a multi-byte or stateful
 * encoding) or gives other than one character. Where glibc's map differs
 * from Python's, a table below puts Python's value back.
 *
 * Differences with Python that remain: the codecs glibc lacks (cp720,
 * cp1006, mac_arabic, mac_croatian, mac_farsi, mac_greek, mac_romanian,
 * mac_turkish, palmos) and the stateful or escaping ones pyexpat maps byte
 * by byte as an accident of their decoders (iso2022_jp*, hz,
 * unicode_escape, raw_unicode_escape) are unknown encodings here; Python
 * raises LookupError or ValueError without a position where rill reports
 * expat's "unknown encoding". A name byte above 0x7f separates words here,
 * where Python drops a non-ASCII letter. */
#include <errno.h>
#include <iconv.h>
#include <string.h>

#include "xml_encoding.h"

/* Python's codec (its module name in encodings/) and glibc's name. Python
 * spells utf-8 other ways than expat does ("utf8", "u8", "utf_8_sig"...):
 * those reach the handler and pyexpat maps them as ASCII (each byte from
 * 0x80 alone decodes to U+FFFD), which glibc's ASCII reproduces. */
static const struct codec {
    const char *name;
    const char *iconv;
} codecs[] = {
    {"ascii", "ANSI_X3.4-1968"},
    {"cp1125", "CP1125"},
    {"cp1250", "CP1250"},
    {"cp1251", "CP1251"},
    {"cp1252", "CP1252"},
    {"cp1253", "CP1253"},
    {"cp1254", "CP1254"},
    {"cp1255", "CP1255"},
    {"cp1256", "CP1256"},
    {"cp1257", "CP1257"},
    {"cp1258", "CP1258"},
    {"cp437", "IBM437"},
    {"cp737", "CP737"},
    {"cp775", "IBM775"},
    {"cp850", "IBM850"},
    {"cp852", "IBM852"},
    {"cp855", "IBM855"},
    {"cp856", "IBM856"},
    {"cp857", "IBM857"},
    {"cp858", "IBM858"},
    {"cp860", "IBM860"},
    {"cp861", "IBM861"},
    {"cp862", "IBM862"},
    {"cp863", "IBM863"},
    {"cp864", "IBM864"},
    {"cp865", "IBM865"},
    {"cp866", "IBM866"},
    {"cp869", "IBM869"},
    {"cp874", "CP874"},
    {"hp_roman8", "HP-ROMAN8"},
    {"iso8859_10", "ISO-8859-10"},
    {"iso8859_11", "ISO-8859-11"},
    {"iso8859_13", "ISO-8859-13"},
    {"iso8859_14", "ISO-8859-14"},
    {"iso8859_15", "ISO-8859-15"},
    {"iso8859_16", "ISO-8859-16"},
    {"iso8859_2", "ISO-8859-2"},
    {"iso8859_3", "ISO-8859-3"},
    {"iso8859_4", "ISO-8859-4"},
    {"iso8859_5", "ISO-8859-5"},
    {"iso8859_6", "ISO-8859-6"},
    {"iso8859_7", "ISO-8859-7"},
    {"iso8859_8", "ISO-8859-8"},
    {"iso8859_9", "ISO-8859-9"},
    {"koi8_r", "KOI8-R"},
    {"koi8_t", "KOI8-T"},
    {"koi8_u", "KOI8-U"},
    {"kz1048", "RK1048"},
    {"latin_1", "ISO-8859-1"},
    {"mac_cyrillic", "MAC-CYRILLIC"},
    {"mac_iceland", "MAC-IS"},
    {"mac_latin2", "MAC-CENTRALEUROPE"},
    {"mac_roman", "MACINTOSH"},
    {"ptcp154", "PT154"},
    {"tis_620", "TIS-620"},
    {"utf_8", "ANSI_X3.4-1968"},
    {"utf_8_sig", "ANSI_X3.4-1968"},
};

/* Python's aliases (encodings/aliases.py, 3.12) of the codecs above. */
static const struct alias {
    const char *alias;
    const char *codec;
} aliases[] = {
    {"1125", "cp1125"},
    {"1250", "cp1250"},
    {"1251", "cp1251"},
    {"1252", "cp1252"},
    {"1253", "cp1253"},
    {"1254", "cp1254"},
    {"1255", "cp1255"},
    {"1256", "cp1256"},
    {"1257", "cp1257"},
    {"1258", "cp1258"},
    {"437", "cp437"},
    {"646", "ascii"},
    {"775", "cp775"},
    {"850", "cp850"},
    {"852", "cp852"},
    {"855", "cp855"},
    {"857", "cp857"},
    {"858", "cp858"},
    {"860", "cp860"},
    {"861", "cp861"},
    {"862", "cp862"},
    {"863", "cp863"},
    {"864", "cp864"},
    {"865", "cp865"},
    {"866", "cp866"},
    {"869", "cp869"},
    {"8859", "latin_1"},
    {"ansi_x3.4_1968", "ascii"},
    {"ansi_x3.4_1986", "ascii"},
    {"ansi_x3_4_1968", "ascii"},
    {"arabic", "iso8859_6"},
    {"asmo_708", "iso8859_6"},
    {"cp1051", "hp_roman8"},
    {"cp154", "ptcp154"},
    {"cp367", "ascii"},
    {"cp65001", "utf_8"},
    {"cp819", "latin_1"},
    {"cp866u", "cp1125"},
    {"cp_gr", "cp869"},
    {"cp_is", "cp861"},
    {"csHPRoman8", "hp_roman8"},
    {"csascii", "ascii"},
    {"csibm855", "cp855"},
    {"csibm857", "cp857"},
    {"csibm858", "cp858"},
    {"csibm860", "cp860"},
    {"csibm861", "cp861"},
    {"csibm863", "cp863"},
    {"csibm864", "cp864"},
    {"csibm865", "cp865"},
    {"csibm866", "cp866"},
    {"csibm869", "cp869"},
    {"csisolatin1", "latin_1"},
    {"csisolatin2", "iso8859_2"},
    {"csisolatin3", "iso8859_3"},
    {"csisolatin4", "iso8859_4"},
    {"csisolatin5", "iso8859_9"},
    {"csisolatin6", "iso8859_10"},
    {"csisolatinarabic", "iso8859_6"},
    {"csisolatincyrillic", "iso8859_5"},
    {"csisolatingreek", "iso8859_7"},
    {"csisolatinhebrew", "iso8859_8"},
    {"cskoi8r", "koi8_r"},
    {"cspc775baltic", "cp775"},
    {"cspc850multilingual", "cp850"},
    {"cspc862latinhebrew", "cp862"},
    {"cspc8codepage437", "cp437"},
    {"cspcp852", "cp852"},
    {"csptcp154", "ptcp154"},
    {"cyrillic", "iso8859_5"},
    {"cyrillic_asian", "ptcp154"},
    {"ecma_114", "iso8859_6"},
    {"ecma_118", "iso8859_7"},
    {"elot_928", "iso8859_7"},
    {"greek", "iso8859_7"},
    {"greek8", "iso8859_7"},
    {"hebrew", "iso8859_8"},
    {"ibm1051", "hp_roman8"},
    {"ibm1125", "cp1125"},
    {"ibm367", "ascii"},
    {"ibm437", "cp437"},
    {"ibm775", "cp775"},
    {"ibm819", "latin_1"},
    {"ibm850", "cp850"},
    {"ibm852", "cp852"},
    {"ibm855", "cp855"},
    {"ibm857", "cp857"},
    {"ibm858", "cp858"},
    {"ibm860", "cp860"},
    {"ibm861", "cp861"},
    {"ibm862", "cp862"},
    {"ibm863", "cp863"},
    {"ibm864", "cp864"},
    {"ibm865", "cp865"},
    {"ibm866", "cp866"},
    {"ibm869", "cp869"},
    {"iso646_us", "ascii"},
    {"iso8859", "latin_1"},
    {"iso8859_1", "latin_1"},
    {"iso_646.irv_1991", "ascii"},
    {"iso_8859_1", "latin_1"},
    {"iso_8859_10", "iso8859_10"},
    {"iso_8859_10_1992", "iso8859_10"},
    {"iso_8859_11", "iso8859_11"},
    {"iso_8859_11_2001", "iso8859_11"},
    {"iso_8859_13", "iso8859_13"},
    {"iso_8859_14", "iso8859_14"},
    {"iso_8859_14_1998", "iso8859_14"},
    {"iso_8859_15", "iso8859_15"},
    {"iso_8859_16", "iso8859_16"},
    {"iso_8859_16_2001", "iso8859_16"},
    {"iso_8859_1_1987", "latin_1"},
    {"iso_8859_2", "iso8859_2"},
    {"iso_8859_2_1987", "iso8859_2"},
    {"iso_8859_3", "iso8859_3"},
    {"iso_8859_3_1988", "iso8859_3"},
    {"iso_8859_4", "iso8859_4"},
    {"iso_8859_4_1988", "iso8859_4"},
    {"iso_8859_5", "iso8859_5"},
    {"iso_8859_5_1988", "iso8859_5"},
    {"iso_8859_6", "iso8859_6"},
    {"iso_8859_6_1987", "iso8859_6"},
    {"iso_8859_7", "iso8859_7"},
    {"iso_8859_7_1987", "iso8859_7"},
    {"iso_8859_8", "iso8859_8"},
    {"iso_8859_8_1988", "iso8859_8"},
    {"iso_8859_9", "iso8859_9"},
    {"iso_8859_9_1989", "iso8859_9"},
    {"iso_celtic", "iso8859_14"},
    {"iso_ir_100", "latin_1"},
    {"iso_ir_101", "iso8859_2"},
    {"iso_ir_109", "iso8859_3"},
    {"iso_ir_110", "iso8859_4"},
    {"iso_ir_126", "iso8859_7"},
    {"iso_ir_127", "iso8859_6"},
    {"iso_ir_138", "iso8859_8"},
    {"iso_ir_144", "iso8859_5"},
    {"iso_ir_148", "iso8859_9"},
    {"iso_ir_157", "iso8859_10"},
    {"iso_ir_166", "tis_620"},
    {"iso_ir_199", "iso8859_14"},
    {"iso_ir_226", "iso8859_16"},
    {"iso_ir_6", "ascii"},
    {"kz_1048", "kz1048"},
    {"l1", "latin_1"},
    {"l10", "iso8859_16"},
    {"l2", "iso8859_2"},
    {"l3", "iso8859_3"},
    {"l4", "iso8859_4"},
    {"l5", "iso8859_9"},
    {"l6", "iso8859_10"},
    {"l7", "iso8859_13"},
    {"l8", "iso8859_14"},
    {"l9", "iso8859_15"},
    {"latin", "latin_1"},
    {"latin1", "latin_1"},
    {"latin10", "iso8859_16"},
    {"latin2", "iso8859_2"},
    {"latin3", "iso8859_3"},
    {"latin4", "iso8859_4"},
    {"latin5", "iso8859_9"},
    {"latin6", "iso8859_10"},
    {"latin7", "iso8859_13"},
    {"latin8", "iso8859_14"},
    {"latin9", "iso8859_15"},
    {"mac_centeuro", "mac_latin2"},
    {"maccentraleurope", "mac_latin2"},
    {"maccyrillic", "mac_cyrillic"},
    {"maciceland", "mac_iceland"},
    {"macintosh", "mac_roman"},
    {"maclatin2", "mac_latin2"},
    {"macroman", "mac_roman"},
    {"pt154", "ptcp154"},
    {"r8", "hp_roman8"},
    {"rk1048", "kz1048"},
    {"roman8", "hp_roman8"},
    {"ruscii", "cp1125"},
    {"strk1048_2002", "kz1048"},
    {"thai", "iso8859_11"},
    {"tis620", "tis_620"},
    {"tis_620_0", "tis_620"},
    {"tis_620_2529_0", "tis_620"},
    {"tis_620_2529_1", "tis_620"},
    {"u8", "utf_8"},
    {"us", "ascii"},
    {"us_ascii", "ascii"},
    {"utf", "utf_8"},
    {"utf8", "utf_8"},
    {"utf8_ucs2", "utf_8"},
    {"utf8_ucs4", "utf_8"},
    {"windows_1250", "cp1250"},
    {"windows_1251", "cp1251"},
    {"windows_1252", "cp1252"},
    {"windows_1253", "cp1253"},
    {"windows_1254", "cp1254"},
    {"windows_1255", "cp1255"},
    {"windows_1256", "cp1256"},
    {"windows_1257", "cp1257"},
    {"windows_1258", "cp1258"},
};

/* The bytes where glibc 2.36's map differs from Python 3.12's codec, and
 * Python's value (-1: invalid), listed by tests/gen/xml_encoding_cases.py
 * --c-tables. windows-1252's undefined 0x81, 0x8d, 0x8f, 0x90 and 0x9d
 * are invalid in both. */
static const struct fixup {
    const char *codec;
    unsigned char byte;
    int code;
} fixups[] = {
    {"cp856", 0x1a, 26},          /* glibc: U+001C */
    {"cp856", 0x1c, 28},          /* glibc: U+007F */
    {"cp856", 0x7f, 127},         /* glibc: U+001A */
    {"cp856", 0xee, 175},         /* glibc: U+203E */
    {"cp856", 0xfa, 183},         /* glibc: U+2022 */
    {"mac_cyrillic", 0xff, 8364}, /* glibc: U+00A4 */
    {"mac_iceland", 0xa0, 221},   /* glibc: U+2020 */
    {"mac_iceland", 0xc6, 8710},  /* glibc: U+0394 */
    {"mac_iceland", 0xd0, 8211},  /* glibc: U+2014 */
    {"mac_iceland", 0xd1, 8212},  /* glibc: U+2013 */
    {"mac_iceland", 0xd7, 9674},  /* glibc: U+25C6 */
    {"mac_iceland", 0xdb, 8364},  /* glibc: U+00A4 */
    {"mac_iceland", 0xdc, 208},   /* glibc: U+0110 */
    {"mac_iceland", 0xdd, 240},   /* glibc: U+0111 */
    {"mac_iceland", 0xe0, 253},   /* glibc: U+2021 */
    {"mac_iceland", 0xf0, 63743}, /* glibc: U+E01E */
    {"mac_iceland", 0xf6, 710},   /* glibc: -1 */
    {"mac_iceland", 0xf7, 732},   /* glibc: -1 */
    {"mac_roman", 0xc6, 8710},    /* glibc: U+0394 */
    {"mac_roman", 0xf0, 63743},   /* glibc: U+E01E */
    {"tis_620", 0x80, 128},       /* glibc: -1 */
    {"tis_620", 0x81, 129},       /* glibc: -1 */
    {"tis_620", 0x82, 130},       /* glibc: -1 */
    {"tis_620", 0x83, 131},       /* glibc: -1 */
    {"tis_620", 0x84, 132},       /* glibc: -1 */
    {"tis_620", 0x85, 133},       /* glibc: -1 */
    {"tis_620", 0x86, 134},       /* glibc: -1 */
    {"tis_620", 0x87, 135},       /* glibc: -1 */
    {"tis_620", 0x88, 136},       /* glibc: -1 */
    {"tis_620", 0x89, 137},       /* glibc: -1 */
    {"tis_620", 0x8a, 138},       /* glibc: -1 */
    {"tis_620", 0x8b, 139},       /* glibc: -1 */
    {"tis_620", 0x8c, 140},       /* glibc: -1 */
    {"tis_620", 0x8d, 141},       /* glibc: -1 */
    {"tis_620", 0x8e, 142},       /* glibc: -1 */
    {"tis_620", 0x8f, 143},       /* glibc: -1 */
    {"tis_620", 0x90, 144},       /* glibc: -1 */
    {"tis_620", 0x91, 145},       /* glibc: -1 */
    {"tis_620", 0x92, 146},       /* glibc: -1 */
    {"tis_620", 0x93, 147},       /* glibc: -1 */
    {"tis_620", 0x94, 148},       /* glibc: -1 */
    {"tis_620", 0x95, 149},       /* glibc: -1 */
    {"tis_620", 0x96, 150},       /* glibc: -1 */
    {"tis_620", 0x97, 151},       /* glibc: -1 */
    {"tis_620", 0x98, 152},       /* glibc: -1 */
    {"tis_620", 0x99, 153},       /* glibc: -1 */
    {"tis_620", 0x9a, 154},       /* glibc: -1 */
    {"tis_620", 0x9b, 155},       /* glibc: -1 */
    {"tis_620", 0x9c, 156},       /* glibc: -1 */
    {"tis_620", 0x9d, 157},       /* glibc: -1 */
    {"tis_620", 0x9e, 158},       /* glibc: -1 */
    {"tis_620", 0x9f, 159},       /* glibc: -1 */
};

#define COUNT(a) (sizeof(a) / sizeof *(a))

/* Python's normalisation: lower case, each run of characters other than
 * letters, digits and '.' one '_' (none leading or trailing). Returns
 * false when the name does not fit. */
static bool
normalize(const char *name, char *out, size_t cap) {
    size_t n = 0;
    bool punct = false;
    for (const unsigned char *s = (const unsigned char *)name; *s; s++) {
        unsigned char c = *s;
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                     || (c >= '0' && c <= '9');
        if (!alnum && c != '.') {
            punct = true;
            continue;
        }
        if (n + 2 >= cap) {
            return false;
        }
        if (punct && n > 0) {
            out[n++] = '_';
        }
        out[n++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
        punct = false;
    }
    out[n] = '\0';
    return true;
}

static const char *
find_alias(const char *norm) {
    for (size_t i = 0; i < COUNT(aliases); i++) {
        if (strcmp(aliases[i].alias, norm) == 0) {
            return aliases[i].codec;
        }
    }
    return NULL;
}

/* The codec `name` names, as encodings.search_function finds it: an alias,
 * then the alias with '.' read as '_', then a module name without '.'. */
static const struct codec *
find_codec(const char *name) {
    char norm[64];
    if (!normalize(name, norm, sizeof norm)) {
        return NULL;
    }
    const char *codec = find_alias(norm);
    if (codec == NULL && strchr(norm, '.') != NULL) {
        char undotted[64];
        memcpy(undotted, norm, sizeof norm);
        for (char *d = strchr(undotted, '.'); d; d = strchr(d, '.')) {
            *d = '_';
        }
        codec = find_alias(undotted);
    }
    if (codec == NULL) {
        codec = norm;
    }
    if (strchr(codec, '.') != NULL) {
        return NULL;
    }
    for (size_t i = 0; i < COUNT(codecs); i++) {
        if (strcmp(codecs[i].name, codec) == 0) {
            return &codecs[i];
        }
    }
    return NULL;
}

/* The character of byte `b` alone: its code point, -1 when the encoding
 * has none, -2 when the byte is not a whole character (multi-byte or
 * stateful encodings). */
static long
convert_byte(iconv_t cd, unsigned char b) {
    char in[1] = {(char)b};
    unsigned char out[16];
    char *ip = in;
    char *op = (char *)out;
    size_t il = 1;
    size_t ol = sizeof out;
    iconv(cd, NULL, NULL, NULL, NULL);
    if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1) {
        return errno == EILSEQ ? -1 : -2;
    }
    if (iconv(cd, NULL, NULL, &op, &ol) == (size_t)-1 || sizeof out - ol != 4) {
        return -2;
    }
    return (long)out[0] | (long)out[1] << 8 | (long)out[2] << 16
           | (long)out[3] << 24;
}

rill_status
rill__xml_encoding_map(const char *name, int map[256]) {
    const struct codec *c = name != NULL ? find_codec(name) : NULL;
    if (c == NULL) {
        return RILL_E_INVALID;
    }
    iconv_t cd = iconv_open("UTF-32LE", c->iconv);
    if (cd == (iconv_t)-1) {
        return errno == ENOMEM ? RILL_E_NOMEM : RILL_E_INVALID;
    }
    for (int b = 0; b < 256; b++) {
        long cp = convert_byte(cd, (unsigned char)b);
        if (cp < -1 || cp > 0x10ffff) {
            iconv_close(cd);
            return RILL_E_INVALID;
        }
        map[b] = (int)cp;
    }
    iconv_close(cd);
    for (size_t i = 0; i < COUNT(fixups); i++) {
        if (strcmp(fixups[i].codec, c->name) == 0) {
            map[fixups[i].byte] = fixups[i].code;
        }
    }
    return RILL_OK;
}
