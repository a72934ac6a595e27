/* sckit: 29 instructions, struct sock_filter { code, jt, jf, k } */
struct sock_filter filter[] = {
	{ 0x20, 0, 0, 0x00000004 },    /* 0: ld [arch] */
	{ 0x15, 0, 9, 0xc000003e },    /* 1: jeq #AUDIT_ARCH_X86_64 jt 2 jf 11 */
	{ 0x20, 0, 0, 0x00000000 },    /* 2: ld [nr] */
	{ 0x35, 0, 1, 0x40000000 },    /* 3: jge #0x40000000 jt 4 jf 5 */
	{ 0x15, 0, 23, 0xffffffff },   /* 4: jeq #0xffffffff jt 5 jf 28 */
	{ 0x15, 21, 0, 0x00000029 },   /* 5: jeq #41 jt 27 jf 6  ; socket */
	{ 0x15, 20, 0, 0x0000002a },   /* 6: jeq #42 jt 27 jf 7  ; connect */
	{ 0x15, 19, 0, 0x00000031 },   /* 7: jeq #49 jt 27 jf 8  ; bind */
	{ 0x15, 18, 0, 0x00000032 },   /* 8: jeq #50 jt 27 jf 9  ; listen */
	{ 0x15, 17, 0, 0x00000035 },   /* 9: jeq #53 jt 27 jf 10  ; socketpair */
	{ 0x15, 17, 15, 0x00000065 },  /* 10: jeq #101 jt 28 jf 26  ; ptrace */
	{ 0x15, 0, 16, 0x40000003 },   /* 11: jeq #AUDIT_ARCH_I386 jt 12 jf 28 */
	{ 0x20, 0, 0, 0x00000000 },    /* 12: ld [nr] */
	{ 0x15, 14, 0, 0x0000001a },   /* 13: jeq #26 jt 28 jf 14  ; ptrace */
	{ 0x15, 12, 0, 0x00000167 },   /* 14: jeq #359 jt 27 jf 15  ; socket */
	{ 0x15, 11, 0, 0x00000168 },   /* 15: jeq #360 jt 27 jf 16  ; socketpair */
	{ 0x15, 10, 0, 0x00000169 },   /* 16: jeq #361 jt 27 jf 17  ; bind */
	{ 0x15, 9, 0, 0x0000016a },    /* 17: jeq #362 jt 27 jf 18  ; connect */
	{ 0x15, 8, 0, 0x0000016b },    /* 18: jeq #363 jt 27 jf 19  ; listen */
	{ 0x15, 0, 6, 0x00000066 },    /* 19: jeq #102 jt 20 jf 26  ; socketcall */
	{ 0x20, 0, 0, 0x00000010 },    /* 20: ld [args[0].lo] */
	{ 0x15, 5, 0, 0x00000008 },    /* 21: jeq #8 jt 27 jf 22 */
	{ 0x15, 4, 0, 0x00000004 },    /* 22: jeq #4 jt 27 jf 23 */
	{ 0x15, 3, 0, 0x00000003 },    /* 23: jeq #3 jt 27 jf 24 */
	{ 0x15, 2, 0, 0x00000002 },    /* 24: jeq #2 jt 27 jf 25 */
	{ 0x15, 1, 0, 0x00000001 },    /* 25: jeq #1 jt 27 jf 26 */
	{ 0x06, 0, 0, 0x7fff0000 },    /* 26: ret ALLOW */
	{ 0x06, 0, 0, 0x0005000d },    /* 27: ret ERRNO(13)  ; EACCES */
	{ 0x06, 0, 0, 0x80000000 },    /* 28: ret KILL_PROCESS */
};
