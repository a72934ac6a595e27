; sckit canonical assembly, 46 instructions; `sckit asm` reproduces the exact bytes
    ld [arch]
    jne #AUDIT_ARCH_X86_64, L45
    ld [nr]
    jlt #0x40000000, L5
    jne #0xffffffff, L45
L5:
    jeq #9, L7                          ; mmap
    jne #10, L13                        ; mprotect
L7:
    ld [args[2].hi]
    and #0
    jne #0, L41
    ld [args[2].lo]
    and #6
    jeq #6, L44, L41
L13:
    jne #77, L20                        ; ftruncate
    ld [args[1].hi]
    jgt #1, L19
    jne #1, L41
    ld [args[1].lo]
    jle #0, L41
L19:
    ret ERRNO(27)                       ; EFBIG
L20:
    jne #41, L41                        ; socket
    ld [args[0].hi]
    jne #0, L41
    ld [args[0].lo]
    jeq #17, L44
    jeq #16, L43
    jne #10, L33
    ld [args[1].hi]
    and #0
    jne #0, L33
    ld [args[1].lo]
    and #15
    jeq #3, L42
L33:
    ld [args[0].lo]
    jne #2, L41
    ld [args[1].hi]
    and #0
    jne #0, L41
    ld [args[1].lo]
    and #15
    jeq #3, L42
L41:
    ret ALLOW
L42:
    ret ERRNO(1)                        ; EPERM
L43:
    ret ERRNO(97)                       ; EAFNOSUPPORT
L44:
    ret ERRNO(13)                       ; EACCES
L45:
    ret KILL_PROCESS
