; The filter of examples/arches/*.cases: which word of args[0] sits at offset 16, and the
; syscall number. TRAP(nr) when the word at offset 16 is 1 (args[0]'s HIGH word on a big-endian
; machine, its LOW word on a little-endian one), otherwise ERRNO(the word at offset 20, low 12
; bits). For a0=0x1_00000002: big-endian TRAP(nr), little-endian ERRNO(1); for a0=0x2_00000001
; the other way round.
    ld [16]
    jeq #1, high, other
high:
    ld [0]
    or #0x30000
    ret a
other:
    ld [20]
    and #0xfff
    or #0x50000
    ret a
