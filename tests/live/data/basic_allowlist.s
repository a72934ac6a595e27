; A basic allow-list in the shape libseccomp generates (issue 20's example): x86-64 only
; (other arches: KILL_PROCESS), read 0, write 1, close 3, rt_sigreturn 15 allowed, every other
; call KILL_THREAD.
ld [arch]
jeq #AUDIT_ARCH_X86_64, native
ret KILL_PROCESS
native: ld [nr]
jeq #0, ok
jeq #1, ok
jeq #3, ok
jeq #15, ok
ret KILL_THREAD
ok: ret ALLOW
