; The kernel selftest's precedence fixture filter "log" (tools/testing/selftests/seccomp/
; seccomp_bpf.c, FIXTURE_SETUP(precedence)): LOG (data 0) for x86-64 getpid (39), ALLOW for
; every other call. Facts carried over, not code.
ld [nr]
jeq #39, hit
ret ALLOW
hit: ret LOG
