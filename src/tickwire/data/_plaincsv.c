/* tickwire: compiled as a C extension. Edits take effect after `pip install -e .` (see setup.py). */
/* Plain CSV blocks straight to number columns, without Arrow.
 *
 * Market data files are nearly always plain: ASCII, no quotes, every line with every
 * field, numbers written the simple way. parse_block reads such a block of whole lines
 * into columns in one pass (~15 ns a field) and declines, returning None, at the first
 * thing that is not plain; the caller then reads that block through Arrow, which owns
 * every rule and error message. So this accepts a strict subset of what Arrow accepts
 * and converts it to the same values: decimal numbers are correctly rounded (Clinger's
 * exact fast path; for up to 19 digits, one x87 extended-precision operation whose
 * rounding to double is checked; else CPython's own correctly rounded
 * PyOS_string_to_double), as Arrow's are. tests/data/plaincsv_reference.py is the same
 * function in Python, which the tests hold this one to; interpreted builds read every
 * block through Arrow instead (Python would parse it several times slower).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <float.h>
#include <stdint.h>
#include <string.h>

#if (defined(__x86_64__) || defined(__i386__)) && LDBL_MANT_DIG == 64
#define EXTENDED_PATH 1 /* x87 long double: a 64-bit significand */
static const long double POW10_EXTENDED[] = {
    1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,  1e7L,  1e8L,  1e9L,
    1e10L, 1e11L, 1e12L, 1e13L, 1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L,
    1e20L, 1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L,
};

/* mantissa * 10^power rounded once to 64 bits, then to a double: correct unless the
 * first rounding landed exactly on a midpoint between two doubles (the 11 bits a double
 * drops read 0x400), when 0 says so. 10^27 and below are exact in 64 bits (5^27 < 2^64). */
static int
extended_value(uint64_t mantissa, int power, double *out)
{
    long double value = (long double)mantissa;
    value = power < 0 ? value / POW10_EXTENDED[-power] : value * POW10_EXTENDED[power];
    uint64_t significand;
    memcpy(&significand, &value, sizeof significand);
    if ((significand & 0x7FF) == 0x400) {
        return 0;
    }
    *out = (double)value;
    return 1;
}
#endif

#define ROLE_SKIP 0
#define ROLE_TS 1
#define ROLE_INSTRUMENT 2
#define ROLE_NUMBER 3 /* ROLE_NUMBER + k: the k-th number column */
#define MAX_NAMES 64
#define TS_NONE 0
#define TS_EPOCH 1
#define TS_ISO 2

static const double POW10[] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

static int
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* The 8 bytes at p as one little-endian word. */
static uint64_t
load8(const char *p)
{
    uint64_t word;
    memcpy(&word, p, sizeof word);
    return word;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && defined(__GNUC__)
#define SWAR 1

static const uint64_t POW10_INT[] = {
    1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
};

/* How many of a word's bytes, from the lowest (the first in the text), are ASCII digits
 * before the first that is not: 0 to 8. A byte is a digit when its high nibble is 3 and
 * adding 6 keeps it 3; a carry out of a byte of 0xFA or more spoils only the bytes after
 * it, which come after a non-digit anyway. */
static inline int
leading_digits(uint64_t word)
{
    const uint64_t high = 0xF0F0F0F0F0F0F0F0ULL, threes = 0x3030303030303030ULL;
    uint64_t bad = ((word & high) ^ threes) | (((word + 0x0606060606060606ULL) & high) ^ threes);
    return bad == 0 ? 8 : __builtin_ctzll(bad) >> 3;
}

/* The value of the lowest k (1 to 8) bytes of a word, all ASCII digits: the bytes after
 * them are shifted out (a borrow from subtracting '0' only runs towards them), and the
 * zero bytes shifted in are leading zeros. */
static inline uint64_t
digits_value(uint64_t word, int k)
{
    word -= 0x3030303030303030ULL;
    word <<= (8 - k) * 8;
    word = (word * 10) + (word >> 8);
    const uint64_t mask = 0x000000FF000000FFULL;
    return (((word & mask) * 0x000F424000000064ULL) +
            (((word >> 16) & mask) * 0x0000271000000001ULL)) >>
           32;
}
#endif

/* Reads the digits at p (up to end) into mantissa, keeping the first 19 significant ones,
 * counting all of them in *significant and *digits; returns where they stop. The caller
 * scales (integer part or fraction alike). */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline const char *
read_digits(const char *p, const char *end, uint64_t *mantissa, int *significant, int *digits)
{
    uint64_t m = *mantissa;
    int n = *significant, count = 0;
#ifdef SWAR
    /* Up to 8 digits a step, while the kept 19 have room; the rest one at a time below. */
    while (end - p >= 8) {
        uint64_t word = load8(p);
        int k = leading_digits(word);
        if (k == 0 || n + k > 19) {
            break;
        }
        m = m * POW10_INT[k] + digits_value(word, k);
        n += k;
        count += k;
        p += k;
        if (k < 8) {
            *mantissa = m;
            *significant = n;
            *digits += count;
            return p;
        }
    }
#endif
    while (p < end && is_digit(*p)) {
        if (n < 19) {
            m = m * 10 + (uint64_t)(*p - '0');
        }
        n++;
        count++;
        p++;
    }
    *mantissa = m;
    *significant = n;
    *digits += count;
    return p;
}

/* The decimal number -?(d+.?d*|.d+)([eE][+-]?d{1,3})? at p, read greedily up to end:
 * where it stops, or NULL if none starts at p. */
static const char *
parse_number(const char *p, const char *end, double *out)
{
    const char *start = p;
    int negative = 0;
    uint64_t mantissa = 0;
    int digits = 0, significant = 0, scale = 0, exponent = 0;
    if (p < end && *p == '-') {
        negative = 1;
        p++;
    }
    while (p < end && *p == '0') { /* leading zeros: no significant digit yet */
        p++;
        digits++;
    }
    p = read_digits(p, end, &mantissa, &significant, &digits);
    if (significant > 19) {
        scale += significant - 19; /* integer digits past the 19th: powers of ten */
    }
    if (p < end && *p == '.') {
        p++;
        if (significant == 0) {
            for (; p < end && *p == '0'; p++, digits++) {
                scale--;
            }
        }
        int before = significant;
        p = read_digits(p, end, &mantissa, &significant, &digits);
        /* The first 19 significant digits are in the mantissa; those of the fraction scale it. */
        scale -= (significant < 19 ? significant : 19) - (before < 19 ? before : 19);
    }
    if (digits == 0) {
        return NULL;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        int minus = 0, exp_digits = 0;
        p++;
        if (p < end && (*p == '+' || *p == '-')) {
            minus = *p == '-';
            p++;
        }
        for (; p < end && is_digit(*p); p++, exp_digits++) {
            exponent = exponent * 10 + (*p - '0');
        }
        if (exp_digits == 0 || exp_digits > 3) {
            return NULL;
        }
        exponent = minus ? -exponent : exponent;
    }
    int power = scale + exponent;
    double value = 0.0;
    int exact = 0;
    if (significant <= 19 && mantissa <= ((uint64_t)1 << 53) && power >= -22 && power <= 22) {
        /* Both operands exact, so one IEEE operation rounds correctly (Clinger). */
        value = (double)mantissa;
        value = power < 0 ? value / POW10[-power] : value * POW10[power];
        exact = 1;
    }
#ifdef EXTENDED_PATH
    else if (significant <= 19 && mantissa != 0 && power >= -27 && power <= 27) {
        exact = extended_value(mantissa, power, &value);
    }
#endif
    if (!exact) {
        char *stop = NULL;
        value = PyOS_string_to_double(start + negative, &stop, NULL);
        if (stop != p) {
            PyErr_Clear();
            return NULL;
        }
        if (Py_IS_INFINITY(value)) {
            return NULL; /* Arrow reads it as infinity: a bad row, for Arrow to describe */
        }
    }
    *out = negative ? -value : value;
    return p;
}

/* The integer -?d{1,19} within int64 at p, read greedily up to end: where it stops, or
 * NULL if none starts at p. Eight digits at a time while they last (a nanosecond time
 * has 19), then one at a time. */
static const char *
parse_epoch(const char *p, const char *end, int64_t *out)
{
    int negative = 0, digits = 0;
    uint64_t value = 0;
    if (p < end && *p == '-') {
        negative = 1;
        p++;
    }
#ifdef SWAR
    while (end - p >= 8) {
        uint64_t word = load8(p);
        int k = leading_digits(word);
        if (k == 0 || digits + k > 19) {
            break;
        }
        value = value * POW10_INT[k] + digits_value(word, k);
        p += k;
        digits += k;
        if (k < 8) {
            break;
        }
    }
#endif
    for (; p < end && is_digit(*p); p++, digits++) {
        if (digits == 19) {
            return NULL;
        }
        value = value * 10 + (uint64_t)(*p - '0');
    }
    if (digits == 0 || value > (uint64_t)INT64_MAX) {
        return NULL;
    }
    *out = negative ? -(int64_t)value : (int64_t)value;
    return p;
}

static int
two_digits(const char *p, int *out)
{
    if (!is_digit(p[0]) || !is_digit(p[1])) {
        return 0;
    }
    *out = (p[0] - '0') * 10 + (p[1] - '0');
    return 1;
}

/* Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* YYYY-MM-DDTHH:MM:SS(.f{1,9})?Z? in years 1678-2261 (inside int64 ns) at p, as ns UTC,
 * read up to end: where it stops, or NULL if none starts at p. */
static const char *
parse_iso(const char *p, const char *end, int64_t *out)
{
    static const int month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int c1, c2, month, day, hour, minute, second;
    if (end - p < 19 || p[4] != '-' || p[7] != '-' || p[10] != 'T' || p[13] != ':' ||
        p[16] != ':') {
        return NULL;
    }
    if (!two_digits(p, &c1) || !two_digits(p + 2, &c2) || !two_digits(p + 5, &month) ||
        !two_digits(p + 8, &day) || !two_digits(p + 11, &hour) ||
        !two_digits(p + 14, &minute) || !two_digits(p + 17, &second)) {
        return NULL;
    }
    int year = c1 * 100 + c2;
    if (year < 1678 || year > 2261 || month < 1 || month > 12 || hour > 23 || minute > 59 ||
        second > 59) {
        return NULL;
    }
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    int last = month_days[month - 1] + (month == 2 && leap);
    if (day < 1 || day > last) {
        return NULL;
    }
    p += 19;
    int64_t fraction = 0;
    if (p < end && *p == '.') {
        int digits = 0;
        for (p++; p < end && is_digit(*p) && digits < 9; p++, digits++) {
            fraction = fraction * 10 + (*p - '0');
        }
        if (digits == 0 || (p < end && is_digit(*p))) {
            return NULL;
        }
        for (; digits < 9; digits++) {
            fraction *= 10;
        }
    }
    if (p < end && *p == 'Z') {
        p++;
    }
    int64_t seconds = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 +
                      second;
    *out = seconds * 1000000000 + fraction;
    return p;
}

/* The code of the instrument name [p, end) among those seen (adding it), or -1 if it
 * is empty, holds a space (Arrow's path trims) or is one too many. */
static int
name_code(const char *p, const char *end, const char **names, Py_ssize_t *lengths, int *count,
          int *last)
{
    Py_ssize_t length = end - p;
    if (*last >= 0 && lengths[*last] == length && memcmp(names[*last], p, (size_t)length) == 0) {
        return *last;
    }
    for (int k = 0; k < *count; k++) {
        if (lengths[k] == length && memcmp(names[k], p, (size_t)length) == 0) {
            *last = k;
            return k;
        }
    }
    if (length == 0 || *count == MAX_NAMES || memchr(p, ' ', (size_t)length) != NULL ||
        memchr(p, '\t', (size_t)length) != NULL) {
        return -1;
    }
    names[*count] = p;
    lengths[*count] = length;
    *last = *count;
    return (*count)++;
}

/* parse_block(data, roles, numbers) -> (rows, ts_kind, ts, numbers, codes, names) | None */
static PyObject *
parse_block(PyObject *module, PyObject *args)
{
    Py_buffer data, roles;
    Py_ssize_t n_numbers;
    if (!PyArg_ParseTuple(args, "y*y*n", &data, &roles, &n_numbers)) {
        return NULL;
    }
    PyObject *result = NULL, *ts_out = NULL, *numbers_out = NULL, *codes_out = NULL;
    PyObject *names_out = NULL;
    const char *text = (const char *)data.buf;
    const char *text_end = text + data.len;
    const unsigned char *role = (const unsigned char *)roles.buf;
    Py_ssize_t n_fields = roles.len;
    Py_ssize_t capacity = 0;
    const char *names[MAX_NAMES];
    Py_ssize_t name_lengths[MAX_NAMES];
    int n_names = 0, last_name = -1, ts_kind = TS_NONE;
    int has_ts = memchr(role, ROLE_TS, (size_t)n_fields) != NULL;
    int has_instrument = memchr(role, ROLE_INSTRUMENT, (size_t)n_fields) != NULL;
    for (const char *q = text; (q = memchr(q, '\n', (size_t)(text_end - q))) != NULL; q++) {
        capacity++;
    }
    if (data.len == 0 || text_end[-1] != '\n' || n_numbers < 0 || n_numbers > 8) {
        goto decline;
    }
    for (Py_ssize_t k = 0; k < n_fields; k++) {
        if (role[k] >= ROLE_NUMBER && role[k] - ROLE_NUMBER >= n_numbers) {
            PyErr_SetString(PyExc_ValueError, "parse_block: a role past the number columns");
            goto done;
        }
    }
    ts_out = PyByteArray_FromStringAndSize(NULL, capacity * 8);
    numbers_out = PyByteArray_FromStringAndSize(NULL, capacity * 8 * n_numbers);
    codes_out = PyByteArray_FromStringAndSize(NULL, has_instrument ? capacity * 4 : 0);
    if (ts_out == NULL || numbers_out == NULL || codes_out == NULL) {
        goto done;
    }
    int64_t *ts = (int64_t *)PyByteArray_AS_STRING(ts_out);
    double *numbers = (double *)PyByteArray_AS_STRING(numbers_out);
    int32_t *codes = (int32_t *)PyByteArray_AS_STRING(codes_out);
    const char *p = text;
    Py_ssize_t row = 0;
    /* Fields are read up to the block's end, which is a line end: each stops at the first
     * byte its grammar does not admit, and that byte must end the field (a comma) or the
     * line (LF or CR LF); a line's end is found as its last field's, without a search. */
    const char *stop = text_end;
    for (; p < text_end; row++) {
        if (*p == '\n' || (*p == '\r' && p[1] == '\n')) {
            goto decline; /* a blank line: Arrow's path knows what to make of it */
        }
        Py_ssize_t field = 0;
        const char *next_line = NULL;
        while (1) {
            if (field >= n_fields) {
                goto decline;
            }
            /* Numbers and times are read in place: their grammar admits no comma, quote,
             * space or byte above 0x7f, so where one stops must be the field's end. */
            const char *field_end;
            int what = role[field];
            if (what >= ROLE_NUMBER) {
                field_end =
                    parse_number(p, stop, &numbers[(what - ROLE_NUMBER) * capacity + row]);
            }
            else if (what == ROLE_TS) {
                int64_t value = 0;
                field_end = NULL;
                if (ts_kind != TS_ISO) {
                    field_end = parse_epoch(p, stop, &value);
                    if (field_end != NULL &&
                        (*field_end == ',' || *field_end == '\n' || *field_end == '\r')) {
                        ts_kind = TS_EPOCH;
                    }
                    else {
                        field_end = NULL;
                    }
                }
                if (field_end == NULL && ts_kind != TS_EPOCH) {
                    field_end = parse_iso(p, stop, &value);
                    ts_kind = field_end != NULL ? TS_ISO : ts_kind;
                }
                ts[row] = value;
            }
            else {
                field_end = p;
                while (*field_end != ',' && *field_end != '\n' && *field_end != '\r') {
                    if ((unsigned char)*field_end >= 0x80 || *field_end == '"') {
                        goto decline;
                    }
                    field_end++;
                }
                if (what == ROLE_INSTRUMENT &&
                    (codes[row] = name_code(p, field_end, names, name_lengths, &n_names,
                                            &last_name)) < 0) {
                    goto decline;
                }
            }
            if (field_end == NULL) {
                goto decline;
            }
            field++;
            if (*field_end == ',') {
                p = field_end + 1;
                continue;
            }
            if (*field_end == '\n') {
                next_line = field_end + 1;
            }
            else if (*field_end == '\r' && field_end[1] == '\n') {
                next_line = field_end + 2; /* inside the block: its last byte is LF */
            }
            else {
                goto decline;
            }
            break;
        }
        if (field != n_fields) {
            goto decline;
        }
        p = next_line;
    }
    if (!has_ts) {
        ts_kind = TS_NONE;
    }
    names_out = PyList_New(n_names);
    if (names_out == NULL) {
        goto done;
    }
    for (int k = 0; k < n_names; k++) {
        PyObject *name = PyUnicode_DecodeASCII(names[k], name_lengths[k], NULL);
        if (name == NULL) {
            goto done;
        }
        PyList_SET_ITEM(names_out, k, name);
    }
    result = Py_BuildValue("niOOOO", row, ts_kind, ts_out, numbers_out, codes_out, names_out);
    goto done;
decline:
    result = Py_NewRef(Py_None);
done:
    Py_XDECREF(ts_out);
    Py_XDECREF(numbers_out);
    Py_XDECREF(codes_out);
    Py_XDECREF(names_out);
    PyBuffer_Release(&data);
    PyBuffer_Release(&roles);
    return result;
}

static PyMethodDef methods[] = {
    {"parse_block", parse_block, METH_VARARGS,
     "parse_block(data, roles, numbers): the block's columns, or None if it is not plain."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "tickwire.data._plaincsv",
    "Plain CSV blocks straight to number columns (tests/data/plaincsv_reference.py: in Python).",
    -1,
    methods,
};

PyMODINIT_FUNC
PyInit__plaincsv(void)
{
    return PyModule_Create(&module);
}
