; sckit canonical assembly, 37 instructions; `sckit asm` reproduces the exact bytes
    ld [arch]
    jne #AUDIT_ARCH_X86_64, L36
    ld [nr]
    jlt #0x40000000, L5
    jne #0xffffffff, L36
L5:
    jne #59, L7                         ; execve
    ret LOG
L7:
    jeq #101, L35                       ; ptrace
    jne #135, L10                       ; personality
    ret TRAP
L10:
    jeq #155, L35                       ; pivot_root
    jeq #165, L35                       ; mount
    jeq #166, L35                       ; umount2
    jeq #167, L35                       ; swapon
    jeq #168, L35                       ; swapoff
    jeq #169, L36                       ; reboot
    jeq #175, L35                       ; init_module
    jeq #176, L35                       ; delete_module
    jeq #246, L36                       ; kexec_load
    jeq #248, L35                       ; add_key
    jeq #249, L35                       ; request_key
    jeq #250, L35                       ; keyctl
    jeq #298, L35                       ; perf_event_open
    jeq #304, L35                       ; open_by_handle_at
    jeq #313, L35                       ; finit_module
    jeq #320, L36                       ; kexec_file_load
    jeq #321, L35                       ; bpf
    jne #272, L34                       ; unshare
    ld [args[0].hi]
    and #0
    jne #0, L34
    ld [args[0].lo]
    and #0x10000000
    jeq #0x10000000, L35
L34:
    ret ALLOW
L35:
    ret ERRNO(1)                        ; EPERM
L36:
    ret KILL_PROCESS
