; sckit canonical assembly, 29 instructions; `sckit asm` reproduces the exact bytes
    ld [arch]
    jne #AUDIT_ARCH_X86_64, L11
    ld [nr]
    jlt #0x40000000, L5
    jne #0xffffffff, L28
L5:
    jeq #41, L27                        ; socket
    jeq #42, L27                        ; connect
    jeq #49, L27                        ; bind
    jeq #50, L27                        ; listen
    jeq #53, L27                        ; socketpair
    jeq #101, L28, L26                  ; ptrace
L11:
    jne #AUDIT_ARCH_I386, L28
    ld [nr]
    jeq #26, L28                        ; ptrace
    jeq #359, L27                       ; socket
    jeq #360, L27                       ; socketpair
    jeq #361, L27                       ; bind
    jeq #362, L27                       ; connect
    jeq #363, L27                       ; listen
    jne #102, L26                       ; socketcall
    ld [args[0].lo]
    jeq #8, L27
    jeq #4, L27
    jeq #3, L27
    jeq #2, L27
    jeq #1, L27
L26:
    ret ALLOW
L27:
    ret ERRNO(13)                       ; EACCES
L28:
    ret KILL_PROCESS
