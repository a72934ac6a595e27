/* sckit: 43 instructions, struct sock_filter { code, jt, jf, k } */
struct sock_filter filter[] = {
	{ 0x20, 0, 0, 0x00000004 },    /* 0: ld [arch] */
	{ 0x15, 0, 40, 0xc000003e },   /* 1: jeq #AUDIT_ARCH_X86_64 jt 2 jf 42 */
	{ 0x20, 0, 0, 0x00000000 },    /* 2: ld [nr] */
	{ 0x35, 0, 1, 0x40000000 },    /* 3: jge #0x40000000 jt 4 jf 5 */
	{ 0x15, 0, 37, 0xffffffff },   /* 4: jeq #0xffffffff jt 5 jf 42 */
	{ 0x15, 34, 0, 0x00000000 },   /* 5: jeq #0 jt 40 jf 6  ; read */
	{ 0x15, 33, 0, 0x00000001 },   /* 6: jeq #1 jt 40 jf 7  ; write */
	{ 0x15, 32, 0, 0x00000003 },   /* 7: jeq #3 jt 40 jf 8  ; close */
	{ 0x15, 31, 0, 0x00000005 },   /* 8: jeq #5 jt 40 jf 9  ; fstat */
	{ 0x15, 30, 0, 0x00000008 },   /* 9: jeq #8 jt 40 jf 10  ; lseek */
	{ 0x15, 29, 0, 0x00000009 },   /* 10: jeq #9 jt 40 jf 11  ; mmap */
	{ 0x15, 28, 0, 0x0000000b },   /* 11: jeq #11 jt 40 jf 12  ; munmap */
	{ 0x15, 27, 0, 0x0000000c },   /* 12: jeq #12 jt 40 jf 13  ; brk */
	{ 0x15, 26, 0, 0x0000000d },   /* 13: jeq #13 jt 40 jf 14  ; rt_sigaction */
	{ 0x15, 25, 0, 0x0000000e },   /* 14: jeq #14 jt 40 jf 15  ; rt_sigprocmask */
	{ 0x15, 24, 0, 0x0000000f },   /* 15: jeq #15 jt 40 jf 16  ; rt_sigreturn */
	{ 0x15, 23, 0, 0x00000014 },   /* 16: jeq #20 jt 40 jf 17  ; writev */
	{ 0x15, 22, 0, 0x00000028 },   /* 17: jeq #40 jt 40 jf 18  ; sendfile */
	{ 0x15, 21, 0, 0x0000002c },   /* 18: jeq #44 jt 40 jf 19  ; sendto */
	{ 0x15, 20, 0, 0x0000002d },   /* 19: jeq #45 jt 40 jf 20  ; recvfrom */
	{ 0x15, 19, 0, 0x00000030 },   /* 20: jeq #48 jt 40 jf 21  ; shutdown */
	{ 0x15, 18, 0, 0x00000036 },   /* 21: jeq #54 jt 40 jf 22  ; setsockopt */
	{ 0x15, 17, 0, 0x0000003c },   /* 22: jeq #60 jt 40 jf 23  ; exit */
	{ 0x15, 16, 0, 0x000000ca },   /* 23: jeq #202 jt 40 jf 24  ; futex */
	{ 0x15, 15, 0, 0x000000e4 },   /* 24: jeq #228 jt 40 jf 25  ; clock_gettime */
	{ 0x15, 14, 0, 0x000000e7 },   /* 25: jeq #231 jt 40 jf 26  ; exit_group */
	{ 0x15, 13, 0, 0x000000e8 },   /* 26: jeq #232 jt 40 jf 27  ; epoll_wait */
	{ 0x15, 12, 0, 0x000000e9 },   /* 27: jeq #233 jt 40 jf 28  ; epoll_ctl */
	{ 0x15, 11, 0, 0x00000106 },   /* 28: jeq #262 jt 40 jf 29  ; newfstatat */
	{ 0x15, 10, 0, 0x00000120 },   /* 29: jeq #288 jt 40 jf 30  ; accept4 */
	{ 0x15, 9, 0, 0x0000013e },    /* 30: jeq #318 jt 40 jf 31  ; getrandom */
	{ 0x15, 0, 10, 0x00000101 },   /* 31: jeq #257 jt 32 jf 42  ; openat */
	{ 0x20, 0, 0, 0x00000024 },    /* 32: ld [args[2].hi] */
	{ 0x54, 0, 0, 0x00000000 },    /* 33: and #0 */
	{ 0x15, 0, 7, 0x00000000 },    /* 34: jeq #0 jt 35 jf 42 */
	{ 0x20, 0, 0, 0x00000020 },    /* 35: ld [args[2].lo] */
	{ 0x54, 0, 0, 0x00000003 },    /* 36: and #3 */
	{ 0x15, 3, 0, 0x00000002 },    /* 37: jeq #2 jt 41 jf 38 */
	{ 0x15, 2, 0, 0x00000001 },    /* 38: jeq #1 jt 41 jf 39 */
	{ 0x15, 0, 2, 0x00000000 },    /* 39: jeq #0 jt 40 jf 42 */
	{ 0x06, 0, 0, 0x7fff0000 },    /* 40: ret ALLOW */
	{ 0x06, 0, 0, 0x0005000d },    /* 41: ret ERRNO(13)  ; EACCES */
	{ 0x06, 0, 0, 0x80000000 },    /* 42: ret KILL_PROCESS */
};
