"""A password hasher slow enough to dominate a request, for the enumeration-by-timing tests.

The suite hashes with MD5 (microseconds), so a missing hash on one path would hide in the noise; production
PBKDF2 (1,000,000 iterations, ~250 ms) would make 200 requests take a minute. 40,000 iterations cost a few
milliseconds: a path that skips the hash is clearly faster, and a path that hashes is not.
"""

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class TimingTestHasher(PBKDF2PasswordHasher):
    iterations = 40_000
