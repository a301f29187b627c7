# Regenerates py2_float_str.txt: run with CPython 2.7 (python2 gen_py2_float_str.py > py2_float_str.txt).
# Each line is "<IEEE-754 bits as 16 hex digits> <str(float) under CPython 2.7>"; the Go test
# formats the same bits with Py2FloatString and compares.
import random
import struct
import sys

assert sys.version_info[0] == 2, "the expected strings must come from Python 2"

rng = random.Random(20170101)
cases = []

# Hand-picked edges: zero signs, the fixed/exponent boundaries (decimal point 11 digits in, and 1e-4),
# 12-digit rounding, ties to even, extremes and specials.
for v in [0.0, -0.0, 1.0, -1.0, 0.1, 0.1 + 0.2, 1.0 / 3, 2.0 / 3, 6400000.0, 99999999999.0, 99999999999.4,
          99999999999.5, 99999999999.9, 1e11, 1.6e11, 123456789012.0, 1e12, 1e15, 1e16, 1e17, 1e22, 1e100,
          1e-3, 1e-4, 9.99999999999e-5, 0.000099999999999951, 1e-5, 1.5e-7, 5e-324, 2.2250738585072014e-308,
          1.7976931348623157e308, float('inf'), float('-inf'), float('nan'), 2.0 ** 53, 2.0 ** 63, 2.0 ** 64,
          100000000000.5, 100000000001.5, 1000000000005.0, 1000000000015.0, 0.5, 2.5, 1234.5678, -1234.5678,
          123456789012.5, 999999999999.5, 9999999999995.0, 0.00012345678901234, 4000000000.0, 40000.0, 160000.0]:
    cases.append(v)

# Integers as floats (what an imported name's op_fee looks like), including 13-digit ones whose
# last digit is an exact tie at 12 significant digits.
for _ in range(600):
    cases.append(float(rng.randint(0, 10 ** rng.randint(1, 17))))
for _ in range(200):
    cases.append(float(rng.randint(10 ** 11, 10 ** 12 - 1) * 10 + 5))
# 14- and 15-digit integers just below, at and above a 12-digit tie; CPython's dtoa keeps the
# trailing zeros when such a tie rounds down, and only there.
for _ in range(100):
    head = rng.randint(10 ** 11, 10 ** 12 - 1)
    for tail in (49, 50, 51):
        cases.append(float(head * 100 + tail))
    for tail in (499, 500, 501):
        cases.append(float(head * 1000 + tail))
    cases.append(float(head * 10000 + 5000))

# Decimal-looking values across the fixed range and just outside it.
for _ in range(800):
    cases.append(round(rng.uniform(-1, 1) * 10 ** rng.randint(-8, 14), rng.randint(0, 15)))

# Arbitrary bit patterns: every exponent, subnormals, negatives.
for _ in range(1200):
    cases.append(struct.unpack('<d', struct.pack('<Q', rng.getrandbits(64)))[0])

for v in cases:
    bits = struct.unpack('<Q', struct.pack('<d', v))[0]
    print('%016x %s' % (bits, str(v)))
