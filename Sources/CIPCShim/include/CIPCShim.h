#ifndef CIPCSHIM_H
#define CIPCSHIM_H

#include <stdint.h>
#include <signal.h>
#include <sys/types.h>
#include <time.h>
#include <mqueue.h>

// Each function exists because Swift cannot call the C facility directly
// (variadic functions, macros, unions). Every benchmark loop stays in Swift.

// mq_open is variadic.
mqd_t ipc_mq_create(const char *name, int oflag, mode_t mode, long maxmsg, long msgsize);

// futex has no libc wrapper and syscall(2) is variadic. Shared (not private) futexes:
// the word lives in MAP_SHARED memory used by two processes.
int ipc_futex_wait(uint32_t *word, uint32_t expected, const struct timespec *timeout);
int ipc_futex_wake(uint32_t *word, int count);

// CPU_SET/CPU_ISSET are macros over cpu_set_t.
int ipc_pin_to_cpu(int cpu);
int ipc_allowed_cpus(int *cpus, int capacity);

// W* status macros.
int ipc_wifexited(int status);
int ipc_wexitstatus(int status);
int ipc_wifsignaled(int status);
int ipc_wtermsig(int status);

// <sys/eventfd.h> is not part of Swift's Glibc module.
int ipc_eventfd(unsigned int initval, int flags);

// prctl is variadic.
int ipc_set_parent_death_signal(int signo);
int ipc_set_process_name(const char *name);

// SIGRTMIN is a macro over a libc function.
int ipc_sigrtmin(void);

// union sigval and siginfo_t's si_value are unions behind macros.
int ipc_sigqueue_u64(pid_t pid, int signo, uint64_t value);
uint64_t ipc_siginfo_value_u64(const siginfo_t *info);
pid_t ipc_siginfo_sender(const siginfo_t *info);

// strerrorname_np needs _GNU_SOURCE, which Swift's Glibc module does not set.
const char *ipc_errno_name(int err);

// pidfd_open has no glibc wrapper before 2.36 and syscall(2) is variadic.
int ipc_pidfd_open(pid_t pid);

// <sys/signalfd.h> is not part of Swift's Glibc module.
int ipc_signalfd(const sigset_t *mask);

// Reads one signal from a signalfd; returns its number, or -1 (errno set). struct
// signalfd_siginfo is in <sys/signalfd.h>, which Swift's Glibc module does not include.
int ipc_signalfd_read(int fd);

// pipe2 is declared only under _GNU_SOURCE.
int ipc_pipe2(int fds[2], int flags);

// RLIMIT_MSGQUEUE is Linux-specific and missing from Swift's Glibc module; -1 means unlimited.
long long ipc_rlimit_msgqueue(void);

// <sys/random.h> is not part of Swift's Glibc module.
long ipc_getrandom(void *buffer, unsigned long length);

// vmsplice(2) with one iovec; declared only under _GNU_SOURCE, and struct iovec is a C layout.
// `nonBlocking` adds SPLICE_F_NONBLOCK.
long ipc_vmsplice(int fd, const void *base, unsigned long length, int nonBlocking);

// F_SETPIPE_SZ and F_GETPIPE_SZ are Linux-specific and missing from Swift's Glibc module;
// both return the pipe's capacity in bytes (set: -1 with errno when refused).
int ipc_set_pipe_size(int fd, int bytes);
int ipc_pipe_size(int fd);

// process_vm_writev(2) / process_vm_readv(2) with one iovec a side: declared only under
// _GNU_SOURCE in <sys/uio.h>, which Swift's Glibc module does not expose.
long ipc_process_vm_write(pid_t pid, const void *local, void *remote, unsigned long length);
long ipc_process_vm_read(pid_t pid, void *local, const void *remote, unsigned long length);

// prctl(PR_SET_PTRACER, pid): Yama's opt-in for one process to ptrace (and so cross-memory
// attach to) this one; prctl is variadic and PR_SET_PTRACER a Yama constant.
int ipc_set_ptracer(pid_t pid);
// memfd_create is declared only under _GNU_SOURCE. Close-on-exec, sealing allowed.
int ipc_memfd_create(const char *name);

// F_ADD_SEALS and the F_SEAL_* flags are declared only under _GNU_SOURCE. Seals a memfd
// against shrinking, growing and writing, and the seals themselves: what a receiver that maps
// it needs to trust it. Returns fcntl's result.
int ipc_memfd_seal(int fd);

// F_GET_SEALS, as above. 1 when every seal ipc_memfd_seal adds is present, 0 when one is
// missing, -1 (errno set) when the descriptor cannot be asked.
int ipc_memfd_is_sealed(int fd);

// CMSG_SPACE/CMSG_FIRSTHDR/CMSG_DATA are macros over msghdr's control buffer. One sendmsg with
// `length` bytes of data and `fd` as SCM_RIGHTS; returns sendmsg's result.
ssize_t ipc_send_with_fd(int socket, const void *data, size_t length, int fd, int flags);

// One recvmsg with room for one SCM_RIGHTS descriptor, which the control buffer's alignment
// makes room for two: *fd and *extra_fd get what arrived (-1 for none), so the caller can close
// an unexpected second one; *message_flags is msg_flags (MSG_TRUNC, MSG_CTRUNC). Returns
// recvmsg's result.
ssize_t ipc_receive_with_fds(int socket, void *data, size_t length, int flags, int *fd, int *extra_fd,
                             int *message_flags);

// perf_event_open has no libc wrapper, syscall(2) is variadic and perf_event_attr's flags are
// bitfields. A counting-only tracepoint event for this process on any CPU, in `group_fd`'s group
// (-1: a new group whose leader's one read(2) returns every member's count).
int ipc_perf_tracepoint_open(uint64_t tracepoint_id, int group_fd);

// The CPU's spin-wait hint (x86 PAUSE, arm64 YIELD) has no Swift spelling.
static inline void ipc_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

// A fence no later instruction passes before every earlier one is done (x86 LFENCE, arm64
// ISB): the planted regressions (IPCBENCH_PLANTS) use it so that their work cannot overlap
// the ring's cache misses. No benchmark loop calls it.
static inline void ipc_speculation_fence(void) {
#if defined(__x86_64__) || defined(__i386__)
    __asm__ __volatile__("lfence" ::: "memory");
#elif defined(__aarch64__)
    __asm__ __volatile__("isb" ::: "memory");
#endif
}

#endif
