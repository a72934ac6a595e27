; sckit canonical assembly, 43 instructions; `sckit asm` reproduces the exact bytes
    ld [arch]
    jne #AUDIT_ARCH_X86_64, L42
    ld [nr]
    jlt #0x40000000, L5
    jne #0xffffffff, L42
L5:
    jeq #0, L40                         ; read
    jeq #1, L40                         ; write
    jeq #3, L40                         ; close
    jeq #5, L40                         ; fstat
    jeq #8, L40                         ; lseek
    jeq #9, L40                         ; mmap
    jeq #11, L40                        ; munmap
    jeq #12, L40                        ; brk
    jeq #13, L40                        ; rt_sigaction
    jeq #14, L40                        ; rt_sigprocmask
    jeq #15, L40                        ; rt_sigreturn
    jeq #20, L40                        ; writev
    jeq #40, L40                        ; sendfile
    jeq #44, L40                        ; sendto
    jeq #45, L40                        ; recvfrom
    jeq #48, L40                        ; shutdown
    jeq #54, L40                        ; setsockopt
    jeq #60, L40                        ; exit
    jeq #202, L40                       ; futex
    jeq #228, L40                       ; clock_gettime
    jeq #231, L40                       ; exit_group
    jeq #232, L40                       ; epoll_wait
    jeq #233, L40                       ; epoll_ctl
    jeq #262, L40                       ; newfstatat
    jeq #288, L40                       ; accept4
    jeq #318, L40                       ; getrandom
    jne #257, L42                       ; openat
    ld [args[2].hi]
    and #0
    jne #0, L42
    ld [args[2].lo]
    and #3
    jeq #2, L41
    jeq #1, L41
    jne #0, L42
L40:
    ret ALLOW
L41:
    ret ERRNO(13)                       ; EACCES
L42:
    ret KILL_PROCESS
