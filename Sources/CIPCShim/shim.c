#ifndef __linux__
#error "ipcbench measures Linux IPC (futex, eventfd, vmsplice, SCM_RIGHTS...); it builds only on Linux"
#endif

#include "CIPCShim.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <linux/perf_event.h>
#include <sched.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

mqd_t ipc_mq_create(const char *name, int oflag, mode_t mode, long maxmsg, long msgsize) {
    struct mq_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.mq_maxmsg = maxmsg;
    attr.mq_msgsize = msgsize;
    return mq_open(name, oflag, mode, &attr);
}

int ipc_futex_wait(uint32_t *word, uint32_t expected, const struct timespec *timeout) {
    return (int)syscall(SYS_futex, word, FUTEX_WAIT, expected, timeout, NULL, 0);
}

int ipc_futex_wake(uint32_t *word, int count) {
    return (int)syscall(SYS_futex, word, FUTEX_WAKE, count, NULL, NULL, 0);
}

int ipc_pin_to_cpu(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(0, sizeof set, &set);
}

int ipc_allowed_cpus(int *cpus, int capacity) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0) return -1;
    int count = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE && count < capacity; cpu++) {
        if (CPU_ISSET(cpu, &set)) cpus[count++] = cpu;
    }
    return count;
}

int ipc_wifexited(int status) { return WIFEXITED(status); }
int ipc_wexitstatus(int status) { return WEXITSTATUS(status); }
int ipc_wifsignaled(int status) { return WIFSIGNALED(status); }
int ipc_wtermsig(int status) { return WTERMSIG(status); }

int ipc_eventfd(unsigned int initval, int flags) { return eventfd(initval, flags); }

int ipc_set_parent_death_signal(int signo) { return prctl(PR_SET_PDEATHSIG, signo, 0, 0, 0); }

int ipc_set_process_name(const char *name) { return prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0); }

int ipc_sigrtmin(void) { return SIGRTMIN; }

int ipc_sigqueue_u64(pid_t pid, int signo, uint64_t value) {
    union sigval v;
    v.sival_ptr = (void *)(uintptr_t)value;
    return sigqueue(pid, signo, v);
}

uint64_t ipc_siginfo_value_u64(const siginfo_t *info) {
    return (uint64_t)(uintptr_t)info->si_value.sival_ptr;
}

pid_t ipc_siginfo_sender(const siginfo_t *info) { return info->si_pid; }

const char *ipc_errno_name(int err) {
    const char *name = strerrorname_np(err);
    return name ? name : "E?";
}

int ipc_pidfd_open(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

int ipc_signalfd(const sigset_t *mask) { return signalfd(-1, mask, SFD_CLOEXEC); }

int ipc_signalfd_read(int fd) {
    struct signalfd_siginfo info;
    ssize_t n = read(fd, &info, sizeof info);
    if (n != (ssize_t)sizeof info) return -1;
    return (int)info.ssi_signo;
}

int ipc_pipe2(int fds[2], int flags) { return pipe2(fds, flags); }

long long ipc_rlimit_msgqueue(void) {
    struct rlimit limit;
    if (getrlimit(RLIMIT_MSGQUEUE, &limit) != 0) return 819200;
    return limit.rlim_cur == RLIM_INFINITY ? -1 : (long long)limit.rlim_cur;
}

long ipc_getrandom(void *buffer, unsigned long length) { return (long)getrandom(buffer, length, 0); }

long ipc_vmsplice(int fd, const void *base, unsigned long length, int nonBlocking) {
    struct iovec iov = { .iov_base = (void *)base, .iov_len = length };
    return vmsplice(fd, &iov, 1, nonBlocking ? SPLICE_F_NONBLOCK : 0);
}

int ipc_set_pipe_size(int fd, int bytes) {
    return fcntl(fd, F_SETPIPE_SZ, bytes);
}

int ipc_pipe_size(int fd) {
    return fcntl(fd, F_GETPIPE_SZ);
}

long ipc_process_vm_write(pid_t pid, const void *local, void *remote, unsigned long length) {
    struct iovec here = { .iov_base = (void *)local, .iov_len = length };
    struct iovec there = { .iov_base = remote, .iov_len = length };
    return process_vm_writev(pid, &here, 1, &there, 1, 0);
}

long ipc_process_vm_read(pid_t pid, void *local, const void *remote, unsigned long length) {
    struct iovec here = { .iov_base = local, .iov_len = length };
    struct iovec there = { .iov_base = (void *)remote, .iov_len = length };
    return process_vm_readv(pid, &here, 1, &there, 1, 0);
}

int ipc_set_ptracer(pid_t pid) {
    return prctl(PR_SET_PTRACER, (unsigned long)pid, 0, 0, 0);
}

int ipc_memfd_create(const char *name) { return memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING); }

enum { IPC_MEMFD_SEALS = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL };

int ipc_memfd_seal(int fd) { return fcntl(fd, F_ADD_SEALS, IPC_MEMFD_SEALS); }

int ipc_memfd_is_sealed(int fd) {
    int seals = fcntl(fd, F_GET_SEALS);
    if (seals < 0) return -1;
    return (seals & IPC_MEMFD_SEALS) == IPC_MEMFD_SEALS;
}

ssize_t ipc_send_with_fd(int socket, const void *data, size_t length, int fd, int flags) {
    union {
        char buffer[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    memset(&control, 0, sizeof control);
    struct iovec iov = {.iov_base = (void *)data, .iov_len = length};
    struct msghdr message = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buffer, .msg_controllen = sizeof control.buffer};
    struct cmsghdr *header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(header), &fd, sizeof fd);
    return sendmsg(socket, &message, flags);
}

ssize_t ipc_receive_with_fds(int socket, void *data, size_t length, int flags, int *fd, int *extra_fd,
                             int *message_flags) {
    union {
        char buffer[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    struct iovec iov = {.iov_base = data, .iov_len = length};
    struct msghdr message = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buffer, .msg_controllen = sizeof control.buffer};
    *fd = *extra_fd = -1;
    *message_flags = 0;
    ssize_t n = recvmsg(socket, &message, flags | MSG_CMSG_CLOEXEC);
    if (n < 0) return n;
    *message_flags = message.msg_flags;
    // A Unix socket hands every descriptor of a message over in one SCM_RIGHTS header.
    struct cmsghdr *header = CMSG_FIRSTHDR(&message);
    if (header && header->cmsg_level == SOL_SOCKET && header->cmsg_type == SCM_RIGHTS) {
        size_t count = (header->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        if (count >= 1) memcpy(fd, CMSG_DATA(header), sizeof(int));
        if (count >= 2) memcpy(extra_fd, CMSG_DATA(header) + sizeof(int), sizeof(int));
    }
    return n;
}

int ipc_perf_tracepoint_open(uint64_t tracepoint_id, int group_fd) {
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.type = PERF_TYPE_TRACEPOINT;
    attr.size = sizeof attr;
    attr.config = tracepoint_id;
    attr.read_format = PERF_FORMAT_GROUP;
    return (int)syscall(SYS_perf_event_open, &attr, 0, -1, group_fd, PERF_FLAG_FD_CLOEXEC);
}
