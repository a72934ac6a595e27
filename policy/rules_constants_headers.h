// The system headers sckit's policy-language constants come from (issue 15). Included twice at
// build time: once by the C preprocessor (`-E -dM`) to list every object-like macro whose name
// starts with an upper-case letter, and once by the generated table (rules_constants_table.cc,
// see gen_rules_constants.cc) so the compiler itself evaluates each macro, ioctl request
// encodings (_IOR/_IOW) included. The set follows the headers minijail's constant table is made
// from (its gen_constants-inl.h), plus a few for names real policies use (FUTEX_*, TCP_*,
// NETLINK_*, CAP_*, SECCOMP_*). Included a third time per arch by the probe of
// gen_arch_constants.cc, which clang compiles for that arch over its own headers, so every arch
// with cross headers gets its own values (docs/policy-language.md).
#pragma once

#if defined(__x86_64__) || defined(__i386__)
#include <asm/prctl.h>  // ARCH_SET_FS, ...
#endif
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fd.h>  // floppy ioctls (FDGETFDCSTAT, ...), as minijail's table has them
#include <linux/fs.h>
#include <linux/futex.h>
#include <linux/loop.h>
#include <linux/mman.h>
#include <linux/net.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/serial.h>
#include <linux/sockios.h>
#include <linux/seccomp.h>
#include <linux/netlink.h>
#include <linux/capability.h>
#include <asm/termbits.h>  // struct termios2 for TCGETS2, c_cflag bits
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

// Constants newer than the installed headers (Debian 12: Linux 6.1 UAPI), which current real
// policies use (Chrome OS's `madvise: arg2 == MADV_GUARD_INSTALL`). Sourced facts, defined only
// where the headers lack them, so newer headers win. Linux 6.13, "mm: madvise: implement
// lightweight guard page mechanism": include/uapi/asm-generic/mman-common.h and the arches with
// their own mman.h (alpha, mips, parisc, xtensa) all define MADV_GUARD_INSTALL 102 and
// MADV_GUARD_REMOVE 103.
#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif
#ifndef MADV_GUARD_REMOVE
#define MADV_GUARD_REMOVE 103
#endif
