/* sckit: 37 instructions, struct sock_filter { code, jt, jf, k } */
struct sock_filter filter[] = {
	{ 0x20, 0, 0, 0x00000004 },    /* 0: ld [arch] */
	{ 0x15, 0, 34, 0xc000003e },   /* 1: jeq #AUDIT_ARCH_X86_64 jt 2 jf 36 */
	{ 0x20, 0, 0, 0x00000000 },    /* 2: ld [nr] */
	{ 0x35, 0, 1, 0x40000000 },    /* 3: jge #0x40000000 jt 4 jf 5 */
	{ 0x15, 0, 31, 0xffffffff },   /* 4: jeq #0xffffffff jt 5 jf 36 */
	{ 0x15, 0, 1, 0x0000003b },    /* 5: jeq #59 jt 6 jf 7  ; execve */
	{ 0x06, 0, 0, 0x7ffc0000 },    /* 6: ret LOG */
	{ 0x15, 27, 0, 0x00000065 },   /* 7: jeq #101 jt 35 jf 8  ; ptrace */
	{ 0x15, 0, 1, 0x00000087 },    /* 8: jeq #135 jt 9 jf 10  ; personality */
	{ 0x06, 0, 0, 0x00030000 },    /* 9: ret TRAP */
	{ 0x15, 24, 0, 0x0000009b },   /* 10: jeq #155 jt 35 jf 11  ; pivot_root */
	{ 0x15, 23, 0, 0x000000a5 },   /* 11: jeq #165 jt 35 jf 12  ; mount */
	{ 0x15, 22, 0, 0x000000a6 },   /* 12: jeq #166 jt 35 jf 13  ; umount2 */
	{ 0x15, 21, 0, 0x000000a7 },   /* 13: jeq #167 jt 35 jf 14  ; swapon */
	{ 0x15, 20, 0, 0x000000a8 },   /* 14: jeq #168 jt 35 jf 15  ; swapoff */
	{ 0x15, 20, 0, 0x000000a9 },   /* 15: jeq #169 jt 36 jf 16  ; reboot */
	{ 0x15, 18, 0, 0x000000af },   /* 16: jeq #175 jt 35 jf 17  ; init_module */
	{ 0x15, 17, 0, 0x000000b0 },   /* 17: jeq #176 jt 35 jf 18  ; delete_module */
	{ 0x15, 17, 0, 0x000000f6 },   /* 18: jeq #246 jt 36 jf 19  ; kexec_load */
	{ 0x15, 15, 0, 0x000000f8 },   /* 19: jeq #248 jt 35 jf 20  ; add_key */
	{ 0x15, 14, 0, 0x000000f9 },   /* 20: jeq #249 jt 35 jf 21  ; request_key */
	{ 0x15, 13, 0, 0x000000fa },   /* 21: jeq #250 jt 35 jf 22  ; keyctl */
	{ 0x15, 12, 0, 0x0000012a },   /* 22: jeq #298 jt 35 jf 23  ; perf_event_open */
	{ 0x15, 11, 0, 0x00000130 },   /* 23: jeq #304 jt 35 jf 24  ; open_by_handle_at */
	{ 0x15, 10, 0, 0x00000139 },   /* 24: jeq #313 jt 35 jf 25  ; finit_module */
	{ 0x15, 10, 0, 0x00000140 },   /* 25: jeq #320 jt 36 jf 26  ; kexec_file_load */
	{ 0x15, 8, 0, 0x00000141 },    /* 26: jeq #321 jt 35 jf 27  ; bpf */
	{ 0x15, 0, 6, 0x00000110 },    /* 27: jeq #272 jt 28 jf 34  ; unshare */
	{ 0x20, 0, 0, 0x00000014 },    /* 28: ld [args[0].hi] */
	{ 0x54, 0, 0, 0x00000000 },    /* 29: and #0 */
	{ 0x15, 0, 3, 0x00000000 },    /* 30: jeq #0 jt 31 jf 34 */
	{ 0x20, 0, 0, 0x00000010 },    /* 31: ld [args[0].lo] */
	{ 0x54, 0, 0, 0x10000000 },    /* 32: and #0x10000000 */
	{ 0x15, 1, 0, 0x10000000 },    /* 33: jeq #0x10000000 jt 35 jf 34 */
	{ 0x06, 0, 0, 0x7fff0000 },    /* 34: ret ALLOW */
	{ 0x06, 0, 0, 0x00050001 },    /* 35: ret ERRNO(1)  ; EPERM */
	{ 0x06, 0, 0, 0x80000000 },    /* 36: ret KILL_PROCESS */
};
