; The kernel selftest's precedence fixture filter "allow": ALLOW for every call.
ret ALLOW
