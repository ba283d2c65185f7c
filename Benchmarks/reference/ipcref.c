// ipcref: minimal C reference loops for the mechanisms ipcbench measures.
//
//   ipcref [--wait block|spin] [--ring-size BYTES] MECHANISM MODE PAYLOAD_BYTES MESSAGES PLACEMENT
//          [REPETITIONS]
//
// It is the yardstick for ipcbench's Swift harness: the same kernel objects, the same process
// layout and the same timing rules, with nothing else in the loop. scripts/bench-vs-c.sh runs
// both side by side. Each repetition prints one line of key=value pairs on stdout.
//
// The kernel mechanisms block. The shared-memory ones wait as ipcbench's --waits says: shm-posix
// polls (spin) or polls for up to 60 µs and then sleeps on a futex (block, the default);
// shm-sem polls sem_trywait (spin) or sleeps in sem_wait (block); futex polls its word (spin)
// or sleeps in FUTEX_WAIT (block); vmsplice blocks in vmsplice and read, or polls them on
// non-blocking pipes (spin); cma waits as shm-posix does; cacheline only polls; memcpy never
// waits.
//
// Build: cc -std=c11 -O2 -D_GNU_SOURCE -o ipcref ipcref.c -lrt

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <mqueue.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <semaphore.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum role { PRODUCER, CONSUMER };

static enum role other(enum role role) { return role == PRODUCER ? CONSUMER : PRODUCER; }
static const char *role_name(enum role role) { return role == PRODUCER ? "producer" : "consumer"; }

// ---------------------------------------------------------------------------------------------
// Memory shared by the coordinator and both children (MAP_SHARED | MAP_ANONYMOUS, made before
// fork). Children never print: a child that fails leaves what failed here and exits.

struct child_failure {
    const char *call;       // a string literal: the same address in the parent after fork
    int error;              // errno, or 0 when the sequence check failed
    uint64_t expected_seq;
    uint64_t received_seq;
};

struct shared {
    _Atomic uint32_t arrived;       // start barrier: children that are pinned and ready
    _Atomic uint32_t warmup_done;   // throughput: the consumer has drained the warm-up
    pid_t pid[2];                   // written by each child before it arrives
    uint64_t start_ns;              // throughput: producer, just before its first measured send
    uint64_t end_ns;                // throughput: consumer, just after its last measured receive
    struct child_failure failure[2];
    uint64_t futex_calls[2];        // shm-posix, futex: each child's, written as it finishes
    uint64_t samples_ns[];          // latency: one per measured round trip
};

// Set in each child right after fork.
static struct shared *shared;
static enum role self;

static _Noreturn void child_fail(const char *call) {
    shared->failure[self].call = call;
    shared->failure[self].error = errno;
    _exit(1);
}

static _Noreturn void child_fail_sequence(uint64_t expected, uint64_t received) {
    shared->failure[self] = (struct child_failure){"sequence check", 0, expected, received};
    _exit(1);
}

// Shared futexes (no FUTEX_PRIVATE_FLAG): the word is used by two processes.
static void futex_wait(_Atomic uint32_t *word, uint32_t expected) {
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT, expected, NULL, NULL, 0);
}

static void futex_wake_all(_Atomic uint32_t *word) {
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

static void futex_wake_one(_Atomic uint32_t *word) {
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE, 1, NULL, NULL, 0);
}

static void barrier_arrive_and_wait(_Atomic uint32_t *arrived, uint32_t parties) {
    uint32_t seen = atomic_fetch_add(arrived, 1) + 1;
    if (seen == parties) {
        futex_wake_all(arrived);
        return;
    }
    while ((seen = atomic_load(arrived)) < parties) futex_wait(arrived, seen);
}

static void flag_raise(_Atomic uint32_t *flag) {
    atomic_store(flag, 1);
    futex_wake_all(flag);
}

static void flag_wait(_Atomic uint32_t *flag) {
    while (atomic_load(flag) == 0) futex_wait(flag, 0);
}

// ---------------------------------------------------------------------------------------------
// Small helpers.

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

// Parent-side error: names the call and the errno. Returns false so callers can return it.
static bool report_error(const char *call) {
    int err = errno;
    const char *name = strerrorname_np(err);
    fprintf(stderr, "ipcref: %s: %s (%s)\n", call, name ? name : "?", strerror(err));
    return false;
}

static long read_proc_long(const char *path, long fallback) {
    FILE *file = fopen(path, "r");
    if (!file) return fallback;
    long value;
    if (fscanf(file, "%ld", &value) != 1) value = fallback;
    fclose(file);
    return value;
}

// The sequence number rides in the first min(8, n) bytes, little-endian, truncated below 8.
static void put_seq(unsigned char *buf, size_t n, uint64_t seq) {
    if (n >= 8) {
        uint64_t le = htole64(seq);
        memcpy(buf, &le, 8);
        return;
    }
    for (size_t i = 0; i < n; i++) buf[i] = (unsigned char)(seq >> (8 * i));
}

static uint64_t get_seq(const unsigned char *buf, size_t n) {
    if (n >= 8) {
        uint64_t le;
        memcpy(&le, buf, 8);
        return le64toh(le);
    }
    uint64_t seq = 0;
    for (size_t i = 0; i < n; i++) seq |= (uint64_t)buf[i] << (8 * i);
    return seq;
}

static void check_seq(const unsigned char *buf, size_t n, uint64_t seq) {
    uint64_t expected = n >= 8 ? seq : seq & ((UINT64_C(1) << (8 * n)) - 1);
    uint64_t received = get_seq(buf, n);
    if (received != expected) child_fail_sequence(expected, received);
}

// ---------------------------------------------------------------------------------------------
// Channels. The coordinator opens one before fork; each child keeps its endpoint.

// How a shared-memory side passes the time until the other side moves: --wait and the
// placement decide, as they do in ipcbench. The kernel mechanisms always block.
enum wait_policy {
    POLL_PAUSE,        // spin, cross-core: poll with the CPU's pause hint
    POLL_YIELD,        // spin, same-core: the peer needs this CPU, so give it away at every miss
    POLL_ADAPTIVE,     // spin, unpinned: pause, and yield at every 128th miss
    SPIN_THEN_SLEEP,   // block with a CPU each: poll for a while (60 µs), then sleep on a futex
    SLEEP,             // block on one CPU: polling only delays the peer, so sleep at once
};

// One ring of shm-posix as mapped in both children (see the ring section below).
struct ring_header;
struct ring {
    struct ring_header *header;
    unsigned char *data;
    uint64_t capacity;   // a power of two
};

// shm-sem: one direction's header (three semaphores and each slot's message length) and slots.
struct slot_header;
struct slot_buffer {
    struct slot_header *header;
    unsigned char *slots;
    size_t slot_bytes;   // the ring capacity / SEM_SLOTS
    unsigned next;       // the next slot this side fills or drains: only this side moves it
};

// futex: one direction's 32-bit sequence word (the futex) and 8-byte value, on one cache line.
struct futex_mailbox {
    _Atomic uint32_t sequence;
    _Atomic uint64_t value;
};

// Each side keeps its own index and the last value it read of the other side's, so it reads
// the other side's cache line only when that stale copy says the ring is full (or empty).
struct ring_writer {
    struct ring ring;
    uint64_t head, cached_tail;
};

struct ring_reader {
    struct ring ring;
    uint64_t tail, cached_head;
};

// One side's view of the channel. A mechanism that needs more state adds a field here; the
// child works on its own copy, so send and receive may update it.
struct endpoint {
    int tx, rx;                       // descriptor, mqd_t (a descriptor on Linux) or SysV queue id
    pid_t peer;                       // signal: whom to sigqueue; filled in after the start barrier
    int signo;                        // signal: SIGRTMIN
    sigset_t wait_set;                // signal: what sigwaitinfo waits for
    enum wait_policy wait;            // shm-posix, cacheline
    uint64_t spin_before_sleep_ns;    // shm-posix with SPIN_THEN_SLEEP
    struct ring_writer writer;        // shm-posix: the ring this side fills
    struct ring_reader reader;        // shm-posix: the ring this side drains
    uint64_t futex_calls;             // shm-posix: waits and wakes made, warm-up included
    _Atomic uint64_t *outgoing;       // cacheline: the word this side writes
    _Atomic uint64_t *incoming;       // cacheline: the word this side polls
    uint64_t last_seen;               // cacheline: the incoming value already taken
    unsigned char *area;              // memcpy: the ring-sized destination
    size_t area_bytes, area_offset;   // memcpy; vmsplice: the rotation this side fills
    size_t stretch_bytes;             // vmsplice: the pipe's capacity; cma: one slot
    uint64_t slot_count;              // cma: slots in each landing area
    struct slot_buffer slots_out;     // shm-sem: the buffer this side fills
    struct slot_buffer slots_in;      // shm-sem: the buffer this side drains
    struct futex_mailbox *mailbox_out;   // futex: where this side's messages go
    struct futex_mailbox *mailbox_in;    // futex: where the other side's arrive
    uint32_t mailbox_seen;            // futex: the incoming sequence already taken
};

struct channel {
    size_t payload_bytes;
    size_t ring_capacity;     // shm-posix and memcpy
    struct endpoint end[2];   // indexed by role
    int fds[4];               // descriptors to close
    int fd_count;
    int msqids[2];            // SysV queues to remove once the children are reaped
    int msqid_count;
    void *mapping;            // shared or private memory to unmap once the children are reaped
    size_t mapping_bytes;
    struct slot_header *slot_headers[2];   // shm-sem: semaphores to destroy before the unmap
};

static void channel_init(struct channel *ch, size_t payload_bytes, size_t ring_capacity,
                         enum wait_policy wait, uint64_t spin_before_sleep_ns) {
    memset(ch, 0, sizeof *ch);
    ch->payload_bytes = payload_bytes;
    ch->ring_capacity = ring_capacity;
    for (int r = 0; r < 2; r++) {
        ch->end[r].tx = ch->end[r].rx = -1;
        ch->end[r].wait = wait;
        ch->end[r].spin_before_sleep_ns = spin_before_sleep_ns;
    }
}

// Returns fd so a call can be registered where it is made; -1 is left for the caller to report.
static int channel_own_fd(struct channel *ch, int fd) {
    if (fd >= 0) ch->fds[ch->fd_count++] = fd;
    return fd;
}

// Wires a one-way object (pipe, FIFO, queue, eventfd) from `sender` to the other role.
static void channel_one_way(struct channel *ch, enum role sender, int read_end, int write_end) {
    ch->end[sender].tx = write_end;
    ch->end[other(sender)].rx = read_end;
}

// Wires a two-way object (socket pair, TCP connection).
static void channel_two_way(struct channel *ch, int producer_fd, int consumer_fd) {
    ch->end[PRODUCER].tx = ch->end[PRODUCER].rx = producer_fd;
    ch->end[CONSUMER].tx = ch->end[CONSUMER].rx = consumer_fd;
}

// Child: close the descriptors that belong to the other side.
static void channel_keep_only(struct channel *ch, const struct endpoint *end) {
    for (int i = 0; i < ch->fd_count; i++)
        if (ch->fds[i] != end->tx && ch->fds[i] != end->rx) close(ch->fds[i]);
    ch->fd_count = 0;
}

static void channel_close_fds(struct channel *ch) {
    for (int i = 0; i < ch->fd_count; i++) close(ch->fds[i]);
    ch->fd_count = 0;
}

// Parent, after the children are reaped: nothing the channel made survives this.
static void sem_buffer_destroy(struct slot_header *header);

static void channel_destroy(struct channel *ch) {
    channel_close_fds(ch);
    for (int i = 0; i < 2; i++)
        if (ch->slot_headers[i]) sem_buffer_destroy(ch->slot_headers[i]);
    for (int i = 0; i < ch->msqid_count; i++)
        if (msgctl(ch->msqids[i], IPC_RMID, NULL) != 0) report_error("msgctl IPC_RMID");
    ch->msqid_count = 0;
    if (ch->mapping && munmap(ch->mapping, ch->mapping_bytes) != 0) report_error("munmap");
    ch->mapping = NULL;
}

// Every payload buffer starts on a cache line (memcpy, rep movsb above all, is slower when
// source and destination are not equally aligned) and has a long in front of it, set to 1, so
// SysV msgsnd/msgrcv can use it in place as a struct msgbuf { long mtype; char mtext[]; }.
enum { PAYLOAD_HEADROOM = 64 };

static unsigned char *payload_alloc(size_t n) {
    size_t bytes = (PAYLOAD_HEADROOM + n + 63) / 64 * 64;   // aligned_alloc wants a multiple
    unsigned char *base = aligned_alloc(64, bytes);
    if (!base) return NULL;
    unsigned char *payload = base + PAYLOAD_HEADROOM;
    long mtype = 1;
    memcpy(payload - sizeof mtype, &mtype, sizeof mtype);
    for (size_t i = 0; i < n; i++) payload[i] = (unsigned char)(i * 131 + 7);
    return payload;
}

static void payload_free(unsigned char *buf) {
    if (buf) free(buf - PAYLOAD_HEADROOM);
}

// ---------------------------------------------------------------------------------------------
// Byte streams (pipe, fifo, unix-stream, tcp): loop over short reads and writes.

static void stream_send(struct endpoint *end, const unsigned char *buf, size_t n) {
    while (n > 0) {
        ssize_t done = write(end->tx, buf, n);
        if (done < 0) {
            if (errno == EINTR) continue;
            child_fail("write");
        }
        buf += done;
        n -= (size_t)done;
    }
}

static void stream_receive(struct endpoint *end, unsigned char *buf, size_t n) {
    while (n > 0) {
        ssize_t done = read(end->rx, buf, n);
        if (done < 0) {
            if (errno == EINTR) continue;
            child_fail("read");
        }
        if (done == 0) {
            errno = 0;
            child_fail("read: end of stream");
        }
        buf += done;
        n -= (size_t)done;
    }
}

static bool open_pipe(struct channel *ch) {
    for (enum role sender = PRODUCER; sender <= CONSUMER; sender++) {
        int fds[2];
        if (pipe(fds) != 0) return report_error("pipe");
        channel_own_fd(ch, fds[0]);
        channel_own_fd(ch, fds[1]);
        channel_one_way(ch, sender, fds[0], fds[1]);
    }
    return true;
}

// Opens one FIFO both ways: the non-blocking read open lets the write open succeed at once.
static bool open_fifo_ends(struct channel *ch, enum role sender, const char *path) {
    if (mkfifo(path, 0600) != 0) return report_error("mkfifo");
    int read_end = channel_own_fd(ch, open(path, O_RDONLY | O_NONBLOCK));
    if (read_end < 0) return report_error("open FIFO for reading");
    int write_end = channel_own_fd(ch, open(path, O_WRONLY));
    if (write_end < 0) return report_error("open FIFO for writing");
    int flags = fcntl(read_end, F_GETFL);
    if (flags < 0 || fcntl(read_end, F_SETFL, flags & ~O_NONBLOCK) != 0) return report_error("fcntl");
    channel_one_way(ch, sender, read_end, write_end);
    return true;
}

static bool open_fifo(struct channel *ch) {
    const char *tmp = getenv("TMPDIR");
    char dir[PATH_MAX - 16], path[2][PATH_MAX];
    int length = snprintf(dir, sizeof dir, "%s/ipcref.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (length < 0 || (size_t)length >= sizeof dir) {
        fprintf(stderr, "ipcref: TMPDIR is too long\n");
        return false;
    }
    if (!mkdtemp(dir)) return report_error("mkdtemp");   // mkdtemp makes it 0700
    snprintf(path[PRODUCER], sizeof path[PRODUCER], "%s/to-consumer", dir);
    snprintf(path[CONSUMER], sizeof path[CONSUMER], "%s/to-producer", dir);
    bool ok = open_fifo_ends(ch, PRODUCER, path[PRODUCER]) &&
              open_fifo_ends(ch, CONSUMER, path[CONSUMER]);
    // Both ends are open (or we failed): the names have done their job.
    unlink(path[PRODUCER]);
    unlink(path[CONSUMER]);
    if (rmdir(dir) != 0) ok = report_error("rmdir");
    return ok;
}

static bool open_socketpair(struct channel *ch, int type) {
    int fds[2];
    if (socketpair(AF_UNIX, type, 0, fds) != 0) return report_error("socketpair");
    channel_own_fd(ch, fds[0]);
    channel_own_fd(ch, fds[1]);
    channel_two_way(ch, fds[0], fds[1]);
    return true;
}

static bool open_unix_stream(struct channel *ch) { return open_socketpair(ch, SOCK_STREAM); }

static bool set_nodelay(int fd) {
    int one = 1;
    return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0 ||
           report_error("setsockopt TCP_NODELAY");
}

static bool tcp_connect_through(struct channel *ch, int listener) {
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof addr;
    if (bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0) return report_error("bind");
    if (listen(listener, 1) != 0) return report_error("listen");
    if (getsockname(listener, (struct sockaddr *)&addr, &len) != 0) return report_error("getsockname");

    int client = channel_own_fd(ch, socket(AF_INET, SOCK_STREAM, 0));
    if (client < 0) return report_error("socket");
    if (connect(client, (struct sockaddr *)&addr, sizeof addr) != 0) return report_error("connect");
    struct sockaddr_in peer, local;
    socklen_t peer_len = sizeof peer, local_len = sizeof local;
    int server = channel_own_fd(ch, accept(listener, (struct sockaddr *)&peer, &peer_len));
    if (server < 0) return report_error("accept");
    if (getsockname(client, (struct sockaddr *)&local, &local_len) != 0) return report_error("getsockname");
    // Anyone on the machine can connect to the port; make sure we accepted our own client.
    if (peer.sin_port != local.sin_port) {
        fprintf(stderr, "ipcref: tcp: accepted port %u, expected our client's port %u\n",
                ntohs(peer.sin_port), ntohs(local.sin_port));
        return false;
    }
    if (!set_nodelay(client) || !set_nodelay(server)) return false;
    channel_two_way(ch, client, server);
    return true;
}

static bool open_tcp(struct channel *ch) {
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    if (listener < 0) return report_error("socket");
    bool ok = tcp_connect_through(ch, listener);
    close(listener);
    return ok;
}

// ---------------------------------------------------------------------------------------------
// Datagram sockets (unix-dgram, unix-seqpacket): one message per call.

static void datagram_send(struct endpoint *end, const unsigned char *buf, size_t n) {
    for (;;) {
        ssize_t done = send(end->tx, buf, n, 0);
        if (done >= 0) {
            if ((size_t)done == n) return;
            errno = 0;
            child_fail("send: short datagram");
        }
        if (errno != EINTR) child_fail("send");
    }
}

static void datagram_receive(struct endpoint *end, unsigned char *buf, size_t n) {
    for (;;) {
        ssize_t done = recv(end->rx, buf, n, 0);
        if (done >= 0) {
            if ((size_t)done == n) return;
            errno = 0;
            child_fail("recv: short datagram");
        }
        if (errno != EINTR) child_fail("recv");
    }
}

static bool open_unix_dgram(struct channel *ch) { return open_socketpair(ch, SOCK_DGRAM); }
static bool open_unix_seqpacket(struct channel *ch) { return open_socketpair(ch, SOCK_SEQPACKET); }

// ---------------------------------------------------------------------------------------------
// POSIX message queues: one queue per direction, unlinked as soon as it is open.

static void posix_mq_send(struct endpoint *end, const unsigned char *buf, size_t n) {
    while (mq_send((mqd_t)end->tx, (const char *)buf, n, 0) != 0)
        if (errno != EINTR) child_fail("mq_send");
}

static void posix_mq_receive(struct endpoint *end, unsigned char *buf, size_t n) {
    for (;;) {
        ssize_t done = mq_receive((mqd_t)end->rx, (char *)buf, n, NULL);
        if (done >= 0) {
            if ((size_t)done == n) return;
            errno = 0;
            child_fail("mq_receive: short message");
        }
        if (errno != EINTR) child_fail("mq_receive");
    }
}

static mqd_t posix_mq_create(struct mq_attr *attr) {
    for (int attempt = 0; attempt < 8; attempt++) {
        uint64_t nonce;
        if (getrandom(&nonce, sizeof nonce, 0) != sizeof nonce) return (mqd_t)-1;
        char name[64];
        snprintf(name, sizeof name, "/ipcref-%d-%016llx", (int)getpid(), (unsigned long long)nonce);
        mqd_t queue = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, attr);
        if (queue != (mqd_t)-1) {
            mq_unlink(name);
            return queue;
        }
        if (errno != EEXIST) return queue;
    }
    return (mqd_t)-1;
}

static bool open_posix_mq(struct channel *ch) {
    long depth = read_proc_long("/proc/sys/fs/mqueue/msg_max", 10);
    struct mq_attr attr = {.mq_maxmsg = depth < 10 ? depth : 10, .mq_msgsize = (long)ch->payload_bytes};
    for (enum role sender = PRODUCER; sender <= CONSUMER; sender++) {
        mqd_t queue = posix_mq_create(&attr);
        if (queue == (mqd_t)-1) {
            report_error("mq_open");
            fprintf(stderr, "ipcref: posix-mq limits: msgsize_max=%ld (root may exceed it), "
                            "RLIMIT_MSGQUEUE caps the bytes of all queues\n",
                    read_proc_long("/proc/sys/fs/mqueue/msgsize_max", -1));
            return false;
        }
        channel_own_fd(ch, (int)queue);   // an mqd_t is a descriptor on Linux: close() is mq_close()
        channel_one_way(ch, sender, (int)queue, (int)queue);
    }
    return true;
}

// ---------------------------------------------------------------------------------------------
// System V message queues: one private queue per direction, mtype 1, removed after the run.

static void sysv_mq_send(struct endpoint *end, const unsigned char *buf, size_t n) {
    while (msgsnd(end->tx, buf - sizeof(long), n, 0) != 0)
        if (errno != EINTR) child_fail("msgsnd");
}

static void sysv_mq_receive(struct endpoint *end, unsigned char *buf, size_t n) {
    for (;;) {
        ssize_t done = msgrcv(end->rx, buf - sizeof(long), n, 1, 0);
        if (done >= 0) {
            if ((size_t)done == n) return;
            errno = 0;
            child_fail("msgrcv: short message");
        }
        if (errno != EINTR) child_fail("msgrcv");
    }
}

static bool open_sysv_mq(struct channel *ch) {
    // The kernel would only refuse at the first msgsnd, inside a child; say it plainly here.
    long msgmax = read_proc_long("/proc/sys/kernel/msgmax", LONG_MAX);
    if ((long long)ch->payload_bytes > msgmax) {
        fprintf(stderr, "ipcref: sysv-mq: payload of %zu bytes exceeds /proc/sys/kernel/msgmax (%ld)\n",
                ch->payload_bytes, msgmax);
        return false;
    }
    for (enum role sender = PRODUCER; sender <= CONSUMER; sender++) {
        int id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
        if (id < 0) return report_error("msgget");
        ch->msqids[ch->msqid_count++] = id;
        channel_one_way(ch, sender, id, id);
    }
    return true;
}

// ---------------------------------------------------------------------------------------------
// eventfd: the 8-byte counter is the message; the sequence number (never 0) is its value.

static void eventfd_send(struct endpoint *end, const unsigned char *buf, size_t n) {
    uint64_t value = get_seq(buf, n);
    while (write(end->tx, &value, sizeof value) != sizeof value)
        if (errno != EINTR) child_fail("write eventfd");
}

static void eventfd_receive(struct endpoint *end, unsigned char *buf, size_t n) {
    uint64_t value;
    while (read(end->rx, &value, sizeof value) != sizeof value)
        if (errno != EINTR) child_fail("read eventfd");
    put_seq(buf, n, value);
}

static bool open_eventfd(struct channel *ch) {
    for (enum role sender = PRODUCER; sender <= CONSUMER; sender++) {
        int fd = channel_own_fd(ch, eventfd(0, 0));
        if (fd < 0) return report_error("eventfd");
        channel_one_way(ch, sender, fd, fd);
    }
    return true;
}

// ---------------------------------------------------------------------------------------------
// signal: SIGRTMIN via sigqueue, the sequence number in sival_ptr, taken with sigwaitinfo.

static void signal_send(struct endpoint *end, const unsigned char *buf, size_t n) {
    union sigval value = {.sival_ptr = (void *)(uintptr_t)get_seq(buf, n)};
    while (sigqueue(end->peer, end->signo, value) != 0)
        if (errno != EINTR) child_fail("sigqueue");
}

static void signal_receive(struct endpoint *end, unsigned char *buf, size_t n) {
    siginfo_t info;
    while (sigwaitinfo(&end->wait_set, &info) < 0)
        if (errno != EINTR) child_fail("sigwaitinfo");
    put_seq(buf, n, (uint64_t)(uintptr_t)info.si_value.sival_ptr);
}

// Before the barrier: a real-time signal that arrives unblocked would kill the child.
static void signal_block(struct endpoint *end) {
    if (sigprocmask(SIG_BLOCK, &end->wait_set, NULL) != 0) child_fail("sigprocmask");
}

static bool open_signal(struct channel *ch) {
    for (int r = 0; r < 2; r++) {
        ch->end[r].signo = SIGRTMIN;
        sigemptyset(&ch->end[r].wait_set);
        sigaddset(&ch->end[r].wait_set, SIGRTMIN);
    }
    return true;
}

// ---------------------------------------------------------------------------------------------
// Waiting in shared memory: polling, or polling briefly and then sleeping on a futex word that
// the other side checks after each publish.

// ipcbench's ringSpinBeforeSleepNs (SharedRing.swift): polling for longer than a wake-up through
// the hypervisor takes lets two busy sides settle into passing messages without the kernel.
// --spin-before-sleep-ns changes it, to keep the two in step or to try another.
enum { DEFAULT_SPIN_BEFORE_SLEEP_NS = 60000, POLLS_PER_CLOCK_READ = 16, CACHE_LINE_BYTES = 64 };

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield" ::: "memory");
#endif
}

static inline bool policy_sleeps(enum wait_policy wait) { return wait == SPIN_THEN_SLEEP || wait == SLEEP; }

// One miss of a polling loop; `misses` counts them.
static inline void poll_backoff(enum wait_policy wait, uint32_t *misses) {
    *misses += 1;
    if (wait == POLL_YIELD || (wait == POLL_ADAPTIVE && *misses % 128 == 0))
        sched_yield();
    else
        cpu_relax();
}

// ---------------------------------------------------------------------------------------------
// shm-posix: one single-producer single-consumer ring per direction, both in one shm_open
// mapping. A ring is a 4096-byte header and a power-of-two data area. Each index and each futex
// word has a cache line of its own, so the line a side writes on every message is never written
// by the other. A message is an 8-byte length and the payload padded to 8 bytes; the indices
// count bytes (64-bit: they never wrap in practice) and are reduced modulo the capacity, so a
// copy may split at the end of the data area. A message larger than the ring is streamed
// through it in pieces of a quarter ring.
//
// Blocking: a side that finds the ring full (or empty) polls for DEFAULT_SPIN_BEFORE_SLEEP_NS
// (reading the clock every 16 polls), unless it shares its CPU with the peer, then raises its asleep
// flag, re-reads the other index and sleeps on the flag. The publisher stores its index, then
// reads the other side's flag, and calls futex_wake only when it is raised. Both pairs of
// accesses are sequentially consistent, so at least one side sees the other's store: either
// the sleeper sees the new index, or the publisher sees the flag. Two busy sides never enter
// the kernel.

enum { RING_HEADER_BYTES = 4096, DEFAULT_RING_CAPACITY = 1 << 20 };

struct ring_header {
    _Alignas(CACHE_LINE_BYTES) _Atomic uint64_t head;              // bytes published; the producer's
    _Alignas(CACHE_LINE_BYTES) _Atomic uint64_t tail;              // bytes consumed; the consumer's
    _Alignas(CACHE_LINE_BYTES) _Atomic uint32_t consumer_asleep;   // futex word the consumer sleeps on
    _Alignas(CACHE_LINE_BYTES) _Atomic uint32_t producer_asleep;   // futex word the producer sleeps on
};

// The same layout as ipcbench's RingLayout.
_Static_assert(offsetof(struct ring_header, tail) == 64, "tail at 64");
_Static_assert(offsetof(struct ring_header, consumer_asleep) == 128, "consumer_asleep at 128");
_Static_assert(offsetof(struct ring_header, producer_asleep) == 192, "producer_asleep at 192");
_Static_assert(sizeof(struct ring_header) <= RING_HEADER_BYTES, "the header fits its page");

static struct ring ring_at(unsigned char *base, uint64_t capacity) {
    return (struct ring){(struct ring_header *)base, base + RING_HEADER_BYTES, capacity};
}

// Returns the other side's index once it is at least `at_least`. Kept out of line: the hot
// path only gets here when its cached copy of the index says it must wait.
__attribute__((noinline)) static uint64_t ring_wait(struct endpoint *end, _Atomic uint64_t *index,
                                                    uint64_t at_least, _Atomic uint32_t *asleep) {
    enum wait_policy wait = end->wait;
    uint64_t seen;
    if (!policy_sleeps(wait)) {
        uint32_t misses = 0;
        while ((seen = atomic_load_explicit(index, memory_order_acquire)) < at_least) poll_backoff(wait, &misses);
        return seen;
    }
    if (wait == SPIN_THEN_SLEEP) {
        uint64_t deadline = now_ns() + end->spin_before_sleep_ns;
        do {
            for (int i = 0; i < POLLS_PER_CLOCK_READ; i++) {
                cpu_relax();
                if ((seen = atomic_load_explicit(index, memory_order_acquire)) >= at_least) return seen;
            }
        } while (now_ns() <= deadline);
    }
    for (;;) {
        atomic_store(asleep, 1);
        seen = atomic_load(index);
        if (seen < at_least) {
            futex_wait(asleep, 1);   // returns at once if the publisher has lowered the flag
            end->futex_calls++;
            seen = atomic_load_explicit(index, memory_order_acquire);
        }
        if (seen >= at_least) {
            atomic_store_explicit(asleep, 0, memory_order_relaxed);
            return seen;
        }
    }
}

static inline void ring_publish(struct endpoint *end, _Atomic uint64_t *index, uint64_t value,
                                _Atomic uint32_t *peer_asleep) {
    if (!policy_sleeps(end->wait)) {
        atomic_store_explicit(index, value, memory_order_release);
        return;
    }
    // An exchange is a sequentially consistent store in one locked instruction (no fence).
    atomic_exchange(index, value);
    if (atomic_load(peer_asleep) != 0) {
        atomic_store(peer_asleep, 0);
        futex_wake_one(peer_asleep);
        end->futex_calls++;
    }
}

static inline void ring_copy_in(const struct ring *ring, uint64_t index, const unsigned char *from, size_t n) {
    size_t offset = (size_t)(index & (ring->capacity - 1));
    size_t first = n < ring->capacity - offset ? n : ring->capacity - offset;
    memcpy(ring->data + offset, from, first);
    if (first < n) memcpy(ring->data, from + first, n - first);
}

static inline void ring_copy_out(const struct ring *ring, uint64_t index, unsigned char *to, size_t n) {
    size_t offset = (size_t)(index & (ring->capacity - 1));
    size_t first = n < ring->capacity - offset ? n : ring->capacity - offset;
    memcpy(to, ring->data + offset, first);
    if (first < n) memcpy(to + first, ring->data, n - first);
}

// Producer: returns once `bytes` more fit.
static inline void ring_reserve(struct endpoint *end, uint64_t bytes) {
    struct ring_writer *w = &end->writer;
    uint64_t capacity = w->ring.capacity;
    if (capacity - (w->head - w->cached_tail) >= bytes) return;
    struct ring_header *h = w->ring.header;
    w->cached_tail = atomic_load_explicit(&h->tail, memory_order_acquire);
    if (capacity - (w->head - w->cached_tail) >= bytes) return;
    // The check failed, so head + bytes - capacity > cached_tail: no underflow.
    w->cached_tail = ring_wait(end, &h->tail, w->head + bytes - capacity, &h->producer_asleep);
}

// Consumer: returns once `bytes` are readable.
static inline void ring_await(struct endpoint *end, uint64_t bytes) {
    struct ring_reader *r = &end->reader;
    if (r->cached_head - r->tail >= bytes) return;
    struct ring_header *h = r->ring.header;
    r->cached_head = atomic_load_explicit(&h->head, memory_order_acquire);
    if (r->cached_head - r->tail >= bytes) return;
    r->cached_head = ring_wait(end, &h->head, r->tail + bytes, &h->consumer_asleep);
}

static inline void ring_advance_head(struct endpoint *end, uint64_t bytes) {
    struct ring_writer *w = &end->writer;
    w->head += bytes;
    ring_publish(end, &w->ring.header->head, w->head, &w->ring.header->consumer_asleep);
}

static inline void ring_advance_tail(struct endpoint *end, uint64_t bytes) {
    struct ring_reader *r = &end->reader;
    r->tail += bytes;
    ring_publish(end, &r->ring.header->tail, r->tail, &r->ring.header->producer_asleep);
}

static void ring_send(struct endpoint *end, const unsigned char *buf, size_t n) {
    struct ring_writer *w = &end->writer;
    uint64_t length = n, padded = (n + 7) & ~(uint64_t)7;
    // Indices stay multiples of 8, so the length never straddles the end of the data area.
    if (8 + padded <= w->ring.capacity) {
        ring_reserve(end, 8 + padded);
        memcpy(w->ring.data + (w->head & (w->ring.capacity - 1)), &length, 8);
        ring_copy_in(&w->ring, w->head + 8, buf, n);
        ring_advance_head(end, 8 + padded);
        return;
    }
    ring_reserve(end, 8);
    memcpy(w->ring.data + (w->head & (w->ring.capacity - 1)), &length, 8);
    ring_advance_head(end, 8);
    uint64_t piece = w->ring.capacity / 4;
    for (uint64_t done = 0; done < padded;) {
        uint64_t chunk = padded - done < piece ? padded - done : piece;
        ring_reserve(end, chunk);
        if (done < n) ring_copy_in(&w->ring, w->head, buf + done, n - done < chunk ? n - done : chunk);
        ring_advance_head(end, chunk);
        done += chunk;
    }
}

static void ring_receive(struct endpoint *end, unsigned char *buf, size_t n) {
    struct ring_reader *r = &end->reader;
    uint64_t length, padded = (n + 7) & ~(uint64_t)7;
    ring_await(end, 8);
    memcpy(&length, r->ring.data + (r->tail & (r->ring.capacity - 1)), 8);
    if (length != n) {
        errno = 0;
        child_fail("ring: a message of another length than the payload");
    }
    if (8 + padded <= r->ring.capacity) {
        ring_await(end, 8 + padded);
        ring_copy_out(&r->ring, r->tail + 8, buf, n);
        ring_advance_tail(end, 8 + padded);
        return;
    }
    ring_advance_tail(end, 8);
    uint64_t piece = r->ring.capacity / 4;
    for (uint64_t done = 0; done < padded;) {
        uint64_t chunk = padded - done < piece ? padded - done : piece;
        ring_await(end, chunk);
        if (done < n) ring_copy_out(&r->ring, r->tail, buf + done, n - done < chunk ? n - done : chunk);
        ring_advance_tail(end, chunk);
        done += chunk;
    }
}

// Child: map every page of both rings now, so no first touch lands in the timed loop. Only an
// optimisation: a kernel without MADV_POPULATE_WRITE faults them in as they come.
static void ring_prepare(struct endpoint *end) {
    size_t bytes = RING_HEADER_BYTES + end->writer.ring.capacity;
    madvise(end->writer.ring.header, bytes, MADV_POPULATE_WRITE);
    madvise(end->reader.ring.header, bytes, MADV_POPULATE_WRITE);
}

// shm_open with an unpredictable name, O_EXCL and 0600, unlinked at once: no other process can
// open it, and nothing is left behind whatever happens next.
static int shm_create_unlinked(void) {
    for (int attempt = 0; attempt < 8; attempt++) {
        uint64_t nonce;
        if (getrandom(&nonce, sizeof nonce, 0) != sizeof nonce) return -1;
        char name[64];
        snprintf(name, sizeof name, "/ipcref-%d-%016llx", (int)getpid(), (unsigned long long)nonce);
        int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
        if (fd >= 0) {
            shm_unlink(name);
            return fd;
        }
        if (errno != EEXIST) return -1;
    }
    return -1;
}

// A fresh shared object of `bytes` (zero-filled), mapped MAP_SHARED into ch->mapping; the
// descriptor is closed at once, the mapping keeps the memory. NULL after reporting the error.
static unsigned char *map_fresh_shm(struct channel *ch, size_t bytes) {
    int fd = shm_create_unlinked();
    if (fd < 0) {
        report_error("shm_open");
        return NULL;
    }
    void *base = MAP_FAILED;
    if (ftruncate(fd, (off_t)bytes) != 0)
        report_error("ftruncate");
    else if ((base = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) == MAP_FAILED)
        report_error("mmap");
    close(fd);
    if (base == MAP_FAILED) return NULL;
    ch->mapping = base;
    ch->mapping_bytes = bytes;
    return base;
}

static bool open_shm_posix(struct channel *ch) {
    size_t ring_bytes = RING_HEADER_BYTES + ch->ring_capacity, bytes = 2 * ring_bytes;
    unsigned char *base = map_fresh_shm(ch, bytes);
    if (base == NULL) return false;
    // A new object reads as zeros: both rings start empty, nobody asleep.
    struct ring forward = ring_at(base, ch->ring_capacity);
    struct ring backward = ring_at((unsigned char *)base + ring_bytes, ch->ring_capacity);
    ch->end[PRODUCER].writer.ring = ch->end[CONSUMER].reader.ring = forward;
    ch->end[CONSUMER].writer.ring = ch->end[PRODUCER].reader.ring = backward;
    return true;
}

// ---------------------------------------------------------------------------------------------
// memcpy, the throughput ceiling: one process copies each payload into successive 8-byte
// aligned slots of a ring-sized buffer, starting again at 0 when the next copy would not fit.
// It is the copy a ring's producer makes, with no other process and no synchronisation.

static void memcpy_send(struct endpoint *end, const unsigned char *buf, size_t n) {
    if (end->area_offset + n > end->area_bytes) end->area_offset = 0;
    memcpy(end->area + end->area_offset, buf, n);
    end->area_offset += (n + 7) & ~(size_t)7;
}

static void memcpy_receive(struct endpoint *end, unsigned char *buf, size_t n) {
    (void)end, (void)buf, (void)n;
    errno = 0;
    child_fail("memcpy has no receiving side");
}

// Child: fault the buffer in before the barrier.
static void memcpy_prepare(struct endpoint *end) { memset(end->area, 0, end->area_bytes); }

static bool open_memcpy(struct channel *ch) {
    size_t bytes = ch->ring_capacity > ch->payload_bytes ? ch->ring_capacity : ch->payload_bytes;
    void *area = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (area == MAP_FAILED) return report_error("mmap");
    ch->mapping = area;
    ch->mapping_bytes = bytes;
    ch->end[PRODUCER].area = area;
    ch->end[PRODUCER].area_bytes = bytes;
    return true;
}

// ---------------------------------------------------------------------------------------------
// cacheline, the latency ceiling: the 8-byte message is written to one word of a shared cache
// line (ping at offset 0, pong at 8) and polled for by the other side; each hop is one
// cache-line transfer. The sequence number is never 0, so every message differs from the last.

static void cacheline_send(struct endpoint *end, const unsigned char *buf, size_t n) {
    (void)n;
    uint64_t value;
    memcpy(&value, buf, sizeof value);
    atomic_store_explicit(end->outgoing, value, memory_order_release);
}

static void cacheline_receive(struct endpoint *end, unsigned char *buf, size_t n) {
    (void)n;
    uint64_t value;
    uint32_t misses = 0;
    while ((value = atomic_load_explicit(end->incoming, memory_order_acquire)) == end->last_seen)
        poll_backoff(end->wait, &misses);
    end->last_seen = value;
    memcpy(buf, &value, sizeof value);
}

static bool open_cacheline(struct channel *ch) {
    void *line = mmap(NULL, CACHE_LINE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (line == MAP_FAILED) return report_error("mmap");
    ch->mapping = line;   // page-aligned, so the two words share one line
    ch->mapping_bytes = CACHE_LINE_BYTES;
    _Atomic uint64_t *ping = line, *pong = ping + 1;
    ch->end[PRODUCER].outgoing = ch->end[CONSUMER].incoming = ping;
    ch->end[CONSUMER].outgoing = ch->end[PRODUCER].incoming = pong;
    return true;
}

// ---------------------------------------------------------------------------------------------
// shm-sem: the textbook bounded buffer. Per direction SEM_SLOTS slots of ring capacity /
// SEM_SLOTS bytes in one shm_open mapping, guarded by three process-shared semaphores: the
// producer waits on empty and mutex, puts, posts mutex and full; the consumer waits on full and
// mutex, takes, posts mutex and empty. A message larger than a slot goes in consecutive slots,
// each a full put or take. Each slot records the length of the message it is part of, which the
// consumer checks. The layout is ipcbench's SlotLayout (SemaphoreBoundedBuffer.swift).

enum { SEM_SLOTS = 8, SEM_HEADER_BYTES = 4096 };

struct slot_header {
    _Alignas(CACHE_LINE_BYTES) sem_t empty;
    _Alignas(CACHE_LINE_BYTES) sem_t full;
    _Alignas(CACHE_LINE_BYTES) sem_t mutex;
    _Alignas(CACHE_LINE_BYTES) uint64_t lengths[SEM_SLOTS];
};

_Static_assert(offsetof(struct slot_header, full) == 64, "full at 64");
_Static_assert(offsetof(struct slot_header, mutex) == 128, "mutex at 128");
_Static_assert(offsetof(struct slot_header, lengths) == 192, "lengths at 192");
_Static_assert(sizeof(struct slot_header) <= SEM_HEADER_BYTES, "the header fits its page");

// wait(): sem_wait when the policy sleeps, else sem_trywait polled.
static inline void sem_acquire(const struct endpoint *end, sem_t *sem) {
    if (policy_sleeps(end->wait)) {
        while (sem_wait(sem) != 0)
            if (errno != EINTR) child_fail("sem_wait");
        return;
    }
    uint32_t misses = 0;
    while (sem_trywait(sem) != 0) {
        if (errno != EAGAIN && errno != EINTR) child_fail("sem_trywait");
        poll_backoff(end->wait, &misses);
    }
}

static inline void sem_release(sem_t *sem) {
    if (sem_post(sem) != 0) child_fail("sem_post");
}

static void sem_send(struct endpoint *end, const unsigned char *buf, size_t n) {
    struct slot_buffer *b = &end->slots_out;
    size_t done = 0;
    do {
        size_t piece = n - done < b->slot_bytes ? n - done : b->slot_bytes;
        sem_acquire(end, &b->header->empty);
        sem_acquire(end, &b->header->mutex);
        memcpy(b->slots + b->next * b->slot_bytes, buf + done, piece);
        b->header->lengths[b->next] = n;
        sem_release(&b->header->mutex);
        sem_release(&b->header->full);
        b->next = b->next == SEM_SLOTS - 1 ? 0 : b->next + 1;
        done += piece;
    } while (done < n);
}

static void sem_receive(struct endpoint *end, unsigned char *buf, size_t n) {
    struct slot_buffer *b = &end->slots_in;
    size_t done = 0;
    do {
        size_t piece = n - done < b->slot_bytes ? n - done : b->slot_bytes;
        sem_acquire(end, &b->header->full);
        sem_acquire(end, &b->header->mutex);
        if (b->header->lengths[b->next] != n) {
            errno = 0;
            child_fail("shm-sem: a message of another length than the payload");
        }
        memcpy(buf + done, b->slots + b->next * b->slot_bytes, piece);
        sem_release(&b->header->mutex);
        sem_release(&b->header->empty);
        b->next = b->next == SEM_SLOTS - 1 ? 0 : b->next + 1;
        done += piece;
    } while (done < n);
}

static void sem_buffer_destroy(struct slot_header *header) {
    sem_destroy(&header->empty);
    sem_destroy(&header->full);
    sem_destroy(&header->mutex);
}

static struct slot_buffer sem_buffer_at(unsigned char *base, size_t capacity) {
    return (struct slot_buffer){(struct slot_header *)base, base + SEM_HEADER_BYTES, capacity / SEM_SLOTS, 0};
}

static bool open_shm_sem(struct channel *ch) {
    size_t buffer_bytes = SEM_HEADER_BYTES + ch->ring_capacity, bytes = 2 * buffer_bytes;
    unsigned char *base = map_fresh_shm(ch, bytes);
    if (base == NULL) return false;
    struct slot_buffer forward = sem_buffer_at(base, ch->ring_capacity);
    struct slot_buffer backward = sem_buffer_at((unsigned char *)base + buffer_bytes, ch->ring_capacity);
    struct slot_header *headers[2] = {forward.header, backward.header};
    for (int i = 0; i < 2; i++) {
        if (sem_init(&headers[i]->empty, 1, SEM_SLOTS) != 0 || sem_init(&headers[i]->full, 1, 0) != 0 ||
            sem_init(&headers[i]->mutex, 1, 1) != 0)
            return report_error("sem_init");
        ch->slot_headers[i] = headers[i];
    }
    ch->end[PRODUCER].slots_out = ch->end[CONSUMER].slots_in = forward;
    ch->end[CONSUMER].slots_out = ch->end[PRODUCER].slots_in = backward;
    return true;
}

// ---------------------------------------------------------------------------------------------
// futex: the sender stores the 8-byte value in its direction's mailbox, bumps the 32-bit
// sequence beside it and calls FUTEX_WAKE for every message; the receiver sleeps in FUTEX_WAIT
// while the sequence is the one it last took (block) or polls it (spin).

static void futex_send(struct endpoint *end, const unsigned char *buf, size_t n) {
    (void)n;
    uint64_t value;
    memcpy(&value, buf, sizeof value);
    atomic_store_explicit(&end->mailbox_out->value, value, memory_order_relaxed);
    atomic_fetch_add_explicit(&end->mailbox_out->sequence, 1, memory_order_release);
    futex_wake_one(&end->mailbox_out->sequence);
    end->futex_calls++;
}

static void futex_receive(struct endpoint *end, unsigned char *buf, size_t n) {
    (void)n;
    uint32_t misses = 0;
    for (;;) {
        uint32_t sequence = atomic_load_explicit(&end->mailbox_in->sequence, memory_order_acquire);
        if (sequence != end->mailbox_seen) {
            end->mailbox_seen = sequence;
            uint64_t value = atomic_load_explicit(&end->mailbox_in->value, memory_order_relaxed);
            memcpy(buf, &value, sizeof value);
            return;
        }
        if (policy_sleeps(end->wait)) {
            futex_wait(&end->mailbox_in->sequence, sequence);   // returns at once if it moved
            end->futex_calls++;
        } else {
            poll_backoff(end->wait, &misses);
        }
    }
}

static bool open_futex(struct channel *ch) {
    void *lines = mmap(NULL, 2 * CACHE_LINE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (lines == MAP_FAILED) return report_error("mmap");
    ch->mapping = lines;   // zero-filled: sequence 0, nothing sent
    ch->mapping_bytes = 2 * CACHE_LINE_BYTES;
    struct futex_mailbox *forward = lines, *backward = (void *)((unsigned char *)lines + CACHE_LINE_BYTES);
    ch->end[PRODUCER].mailbox_out = ch->end[CONSUMER].mailbox_in = forward;
    ch->end[CONSUMER].mailbox_out = ch->end[PRODUCER].mailbox_in = backward;
    return true;
}

// ---------------------------------------------------------------------------------------------
// memfd-pass: over a SOCK_SEQPACKET pair, a message of at most MEMFD_INLINE_BYTES goes inline;
// a larger one is a fresh memfd: created, sized, mapped (MAP_POPULATE), filled, unmapped,
// sealed against shrinking, growing and writing, passed with SCM_RIGHTS beside its 8-byte
// length, and closed. The receiver checks the length, the seals and the size, maps it read-only,
// copies it out, unmaps and closes it. For messages by memfd the send buffers are at their
// minimum, so only a few memfds wait in a socket.

enum { MEMFD_INLINE_BYTES = 4096 };
#define MEMFD_SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL)

static void memfd_send(struct endpoint *end, const unsigned char *buf, size_t n) {
    if (n <= MEMFD_INLINE_BYTES) {
        datagram_send(end, buf, n);
        return;
    }
    int fd = memfd_create("ipcref-message", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) child_fail("memfd_create");
    if (ftruncate(fd, (off_t)n) != 0) child_fail("ftruncate");
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
    if (p == MAP_FAILED) child_fail("mmap");
    memcpy(p, buf, n);
    if (munmap(p, n) != 0) child_fail("munmap");
    if (fcntl(fd, F_ADD_SEALS, MEMFD_SEALS) != 0) child_fail("fcntl F_ADD_SEALS");

    uint64_t length = n;
    union {
        char buffer[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    memset(&control, 0, sizeof control);
    struct iovec iov = {.iov_base = &length, .iov_len = sizeof length};
    struct msghdr message = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buffer,
                             .msg_controllen = sizeof control.buffer};
    struct cmsghdr *header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(header), &fd, sizeof fd);
    for (;;) {
        ssize_t done = sendmsg(end->tx, &message, MSG_NOSIGNAL);
        if (done == (ssize_t)sizeof length) break;
        if (done >= 0 || errno != EINTR) child_fail("sendmsg");
    }
    close(fd);
}

static void memfd_receive(struct endpoint *end, unsigned char *buf, size_t n) {
    if (n <= MEMFD_INLINE_BYTES) {
        datagram_receive(end, buf, n);
        return;
    }
    uint64_t length = 0;
    union {
        char buffer[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    struct iovec iov = {.iov_base = &length, .iov_len = sizeof length};
    struct msghdr message = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buffer,
                             .msg_controllen = sizeof control.buffer};
    ssize_t done;
    while ((done = recvmsg(end->rx, &message, MSG_CMSG_CLOEXEC)) < 0)
        if (errno != EINTR) child_fail("recvmsg");
    struct cmsghdr *header = CMSG_FIRSTHDR(&message);
    errno = 0;
    if (done == 0) child_fail("recvmsg: end of stream");
    if (done != (ssize_t)sizeof length || length != n) child_fail("memfd-pass: a message of another length than the payload");
    if (!header || header->cmsg_type != SCM_RIGHTS || header->cmsg_len != CMSG_LEN(sizeof(int)) ||
        (message.msg_flags & MSG_CTRUNC))
        child_fail("memfd-pass: not exactly one descriptor came with the message");
    int fd;
    memcpy(&fd, CMSG_DATA(header), sizeof fd);
    int seals = fcntl(fd, F_GET_SEALS);
    if (seals < 0) child_fail("fcntl F_GET_SEALS");
    struct stat info;
    if (fstat(fd, &info) != 0) child_fail("fstat");
    errno = 0;
    if ((seals & MEMFD_SEALS) != MEMFD_SEALS) child_fail("memfd-pass: the memfd came without its seals");
    if (info.st_size != (off_t)n) child_fail("memfd-pass: a memfd of another size than the payload");
    void *p = mmap(NULL, n, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
    if (p == MAP_FAILED) child_fail("mmap");
    memcpy(buf, p, n);
    if (munmap(p, n) != 0) child_fail("munmap");
    close(fd);
}

static bool open_memfd_pass(struct channel *ch) {
    if (!open_socketpair(ch, SOCK_SEQPACKET)) return false;
    if (ch->payload_bytes <= MEMFD_INLINE_BYTES) return true;
    int minimum = 1;   // the kernel raises it to SOCK_MIN_SNDBUF
    for (int r = 0; r < 2; r++)
        if (setsockopt(ch->end[r].tx, SOL_SOCKET, SO_SNDBUF, &minimum, sizeof minimum) != 0)
            return report_error("setsockopt SO_SNDBUF");
    return true;
}

// ---------------------------------------------------------------------------------------------
// vmsplice: a pipe per direction, asked for min(1 MiB, pipe-max-size), fed with vmsplice(2) from
// a rotation area four times the larger pipe's granted capacity, in stretches of at most one
// capacity (page-aligned from a page up, cache-line aligned below), so a byte is rewritten only
// once the pipe has given it up; drained with read. As ipcbench's vmsplice in copy mode: the
// payload is copied into the rotation, the pipe takes the pages by reference, read copies out.
// spin: both pipes O_NONBLOCK, SPLICE_F_NONBLOCK, EAGAIN polled as the rings poll.

static inline unsigned char *rotation_take(struct endpoint *end, size_t n) {
    size_t alignment = n >= 4096 ? 4096 : CACHE_LINE_BYTES;
    size_t start = (end->area_offset + alignment - 1) & ~(alignment - 1);
    if (start + n > end->area_bytes) start = 0;
    end->area_offset = start + n;
    return end->area + start;
}

static void vmsplice_send(struct endpoint *end, const unsigned char *buf, size_t n) {
    unsigned flags = policy_sleeps(end->wait) ? 0 : SPLICE_F_NONBLOCK;
    uint32_t misses = 0;
    for (size_t done = 0; done < n;) {
        size_t piece = n - done < end->stretch_bytes ? n - done : end->stretch_bytes;
        unsigned char *stretch = rotation_take(end, piece);
        memcpy(stretch, buf + done, piece);
        for (size_t spliced = 0; spliced < piece;) {
            struct iovec iov = {stretch + spliced, piece - spliced};
            ssize_t k = vmsplice(end->tx, &iov, 1, flags);
            if (k < 0) {
                if (errno == EAGAIN) poll_backoff(end->wait, &misses);
                else if (errno != EINTR) child_fail("vmsplice");
                continue;
            }
            spliced += (size_t)k;
        }
        done += piece;
    }
}

// stream_receive, with EAGAIN polled for the non-blocking pipes of --wait spin.
static void vmsplice_receive(struct endpoint *end, unsigned char *buf, size_t n) {
    uint32_t misses = 0;
    while (n > 0) {
        ssize_t done = read(end->rx, buf, n);
        if (done < 0) {
            if (errno == EAGAIN) poll_backoff(end->wait, &misses);
            else if (errno != EINTR) child_fail("read");
            continue;
        }
        if (done == 0) {
            errno = 0;
            child_fail("read: end of stream");
        }
        buf += done;
        n -= (size_t)done;
    }
}

static void vmsplice_prepare(struct endpoint *end) { memset(end->area, 0, end->area_bytes); }

static bool set_nonblocking(int fd) {
    int flags = fcntl(fd, F_GETFL);
    return (flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0) || report_error("fcntl O_NONBLOCK");
}

static bool open_vmsplice(struct channel *ch) {
    long max = read_proc_long("/proc/sys/fs/pipe-max-size", 1 << 20);
    int wanted = (int)(max < (1 << 20) ? max : (1 << 20));
    size_t capacity = 0;
    for (enum role sender = PRODUCER; sender <= CONSUMER; sender++) {
        int fds[2];
        if (pipe(fds) != 0) return report_error("pipe");
        channel_own_fd(ch, fds[0]);
        channel_own_fd(ch, fds[1]);
        channel_one_way(ch, sender, fds[0], fds[1]);
        // Refused past the user's pipe-user-pages-soft: the pipe keeps the size it has.
        (void)fcntl(fds[1], F_SETPIPE_SZ, wanted);
        int got = fcntl(fds[1], F_GETPIPE_SZ);
        if (got < 0) return report_error("fcntl F_GETPIPE_SZ");
        if ((size_t)got > capacity) capacity = (size_t)got;
        if (!policy_sleeps(ch->end[sender].wait) && !(set_nonblocking(fds[0]) && set_nonblocking(fds[1]))) return false;
    }
    size_t rotation = 4 * capacity;
    void *base = mmap(NULL, 2 * rotation, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) return report_error("mmap");
    ch->mapping = base;
    ch->mapping_bytes = 2 * rotation;
    for (enum role r = PRODUCER; r <= CONSUMER; r++) {
        ch->end[r].area = (unsigned char *)base + (size_t)r * rotation;
        ch->end[r].area_bytes = rotation;
        ch->end[r].area_offset = 0;
        ch->end[r].stretch_bytes = capacity;
    }
    return true;
}

// ---------------------------------------------------------------------------------------------
// cma: process_vm_writev(2) straight into the peer's landing slots (private memory at the same
// address in both children), announced through head and tail indices in a shared page with the
// rings' waits and wake-ups. As ipcbench's cma in copy mode. Under Yama's ptrace_scope 1 each
// child names the coordinator as its tracer before the barrier, where ipcbench names its peer
// once both pids are known: Yama lets the named process and its descendants attach, and the peer
// is one. Without Yama prctl says EINVAL, and there is nothing to allow.

static void cma_send(struct endpoint *end, const unsigned char *buf, size_t n) {
    struct ring_writer *w = &end->writer;
    uint64_t slots = end->slot_count;
    for (size_t done = 0; done < n;) {
        size_t piece = n - done < end->stretch_bytes ? n - done : end->stretch_bytes;
        if (w->head - w->cached_tail >= slots)
            w->cached_tail = ring_wait(end, &w->ring.header->tail, w->head + 1 - slots, &w->ring.header->producer_asleep);
        struct iovec local = {(void *)(buf + done), piece};
        struct iovec remote = {w->ring.data + (w->head % slots) * end->stretch_bytes, piece};
        ssize_t k;
        while ((k = process_vm_writev(end->peer, &local, 1, &remote, 1, 0)) < 0 && errno == EINTR) {}
        if (k != (ssize_t)piece) child_fail("process_vm_writev");
        w->head += 1;
        ring_publish(end, &w->ring.header->head, w->head, &w->ring.header->consumer_asleep);
        done += piece;
    }
}

static void cma_receive(struct endpoint *end, unsigned char *buf, size_t n) {
    struct ring_reader *r = &end->reader;
    uint64_t slots = end->slot_count;
    for (size_t done = 0; done < n;) {
        size_t piece = n - done < end->stretch_bytes ? n - done : end->stretch_bytes;
        if (r->cached_head == r->tail)
            r->cached_head = ring_wait(end, &r->ring.header->head, r->tail + 1, &r->ring.header->consumer_asleep);
        memcpy(buf + done, r->ring.data + (r->tail % slots) * end->stretch_bytes, piece);
        r->tail += 1;
        ring_publish(end, &r->ring.header->tail, r->tail, &r->ring.header->producer_asleep);
        done += piece;
    }
}

static void cma_prepare(struct endpoint *end) {
    if (prctl(PR_SET_PTRACER, getppid(), 0, 0, 0) != 0 && errno != EINVAL) child_fail("prctl PR_SET_PTRACER");
    memset(end->reader.ring.data, 0, end->slot_count * end->stretch_bytes);
}

static bool open_cma(struct channel *ch) {
    if (read_proc_long("/proc/sys/kernel/yama/ptrace_scope", 0) == 3) {
        fprintf(stderr, "ipcref: cma: kernel.yama.ptrace_scope is 3: no process may attach to another\n");
        return false;
    }
    size_t slot = (ch->payload_bytes + 63) & ~(size_t)63;
    if (slot < 64) slot = 64;
    if (slot > ch->ring_capacity / 2) slot = ch->ring_capacity / 2;
    uint64_t slots = ch->ring_capacity / slot;
    size_t landing = slots * slot, headers = 2 * RING_HEADER_BYTES, bytes = headers + 2 * landing;
    // One private mapping, its first two pages replaced by shared ones: the indices are shared,
    // each child's landing areas are its own, and one munmap removes it all.
    unsigned char *base = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) return report_error("mmap");
    ch->mapping = base;
    ch->mapping_bytes = bytes;
    if (mmap(base, headers, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
        return report_error("mmap MAP_FIXED");
    struct ring forward = {(struct ring_header *)base, base + headers, slots};
    struct ring backward = {(struct ring_header *)(base + RING_HEADER_BYTES), base + headers + landing, slots};
    ch->end[PRODUCER].writer.ring = ch->end[CONSUMER].reader.ring = forward;
    ch->end[CONSUMER].writer.ring = ch->end[PRODUCER].reader.ring = backward;
    for (enum role r = PRODUCER; r <= CONSUMER; r++) {
        ch->end[r].stretch_bytes = slot;
        ch->end[r].slot_count = slots;
    }
    return true;
}

// ---------------------------------------------------------------------------------------------
// The mechanisms. Adding one is its open/send/receive functions and one line here.

typedef void send_fn(struct endpoint *, const unsigned char *buf, size_t n);
typedef void receive_fn(struct endpoint *, unsigned char *buf, size_t n);

enum { LATENCY = 1, THROUGHPUT = 2, BOTH_MODES = LATENCY | THROUGHPUT };
enum { BLOCKS = 1, SPINS = 2 };

struct mechanism {
    const char *name;
    size_t required_payload_bytes;   // 0: any size
    unsigned modes;                  // eventfd counters add up and signals notify: latency only
    unsigned waits;                  // BLOCKS, SPINS; the default is BLOCKS when it is allowed
    bool one_sided;                  // no consumer: memcpy
    bool (*open)(struct channel *);  // coordinator, before fork; reports its own errors
    void (*prepare)(struct endpoint *);   // child, before the start barrier; may be NULL
    send_fn *send;
    receive_fn *receive;
};

static const struct mechanism mechanisms[] = {
    {"pipe",           0, BOTH_MODES, BLOCKS,         false, open_pipe,           NULL,           stream_send,    stream_receive},
    {"fifo",           0, BOTH_MODES, BLOCKS,         false, open_fifo,           NULL,           stream_send,    stream_receive},
    {"unix-stream",    0, BOTH_MODES, BLOCKS,         false, open_unix_stream,    NULL,           stream_send,    stream_receive},
    {"unix-dgram",     0, BOTH_MODES, BLOCKS,         false, open_unix_dgram,     NULL,           datagram_send,  datagram_receive},
    {"unix-seqpacket", 0, BOTH_MODES, BLOCKS,         false, open_unix_seqpacket, NULL,           datagram_send,  datagram_receive},
    {"tcp",            0, BOTH_MODES, BLOCKS,         false, open_tcp,            NULL,           stream_send,    stream_receive},
    {"posix-mq",       0, BOTH_MODES, BLOCKS,         false, open_posix_mq,       NULL,           posix_mq_send,  posix_mq_receive},
    {"sysv-mq",        0, BOTH_MODES, BLOCKS,         false, open_sysv_mq,        NULL,           sysv_mq_send,   sysv_mq_receive},
    {"eventfd",        8, LATENCY,    BLOCKS,         false, open_eventfd,        NULL,           eventfd_send,   eventfd_receive},
    {"signal",         8, LATENCY,    BLOCKS,         false, open_signal,         signal_block,   signal_send,    signal_receive},
    {"futex",          8, LATENCY,    BLOCKS | SPINS, false, open_futex,          NULL,           futex_send,     futex_receive},
    {"shm-posix",      0, BOTH_MODES, BLOCKS | SPINS, false, open_shm_posix,      ring_prepare,   ring_send,      ring_receive},
    {"shm-sem",        0, BOTH_MODES, BLOCKS | SPINS, false, open_shm_sem,        NULL,           sem_send,       sem_receive},
    {"vmsplice",       0, BOTH_MODES, BLOCKS | SPINS, false, open_vmsplice,       vmsplice_prepare, vmsplice_send, vmsplice_receive},
    {"cma",            0, BOTH_MODES, BLOCKS | SPINS, false, open_cma,            cma_prepare,    cma_send,       cma_receive},
    {"memfd-pass",     0, BOTH_MODES, BLOCKS,         false, open_memfd_pass,     NULL,           memfd_send,     memfd_receive},
    {"memcpy",         0, THROUGHPUT, SPINS,          true,  open_memcpy,         memcpy_prepare, memcpy_send,    memcpy_receive},
    {"cacheline",      8, LATENCY,    SPINS,          false, open_cacheline,      NULL,           cacheline_send, cacheline_receive},
};

enum { MECHANISM_COUNT = sizeof mechanisms / sizeof mechanisms[0] };

// ---------------------------------------------------------------------------------------------
// Stop signals: the coordinator notes them and cleans up; the children take the defaults.

static volatile sig_atomic_t stop_signal;

static void note_stop_signal(int signo) { stop_signal = signo; }

static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP};

// No SA_RESTART: a stop signal must interrupt waitpid so the coordinator can clean up.
static void catch_stop_signals(void) {
    struct sigaction action = {.sa_handler = note_stop_signal};
    sigemptyset(&action.sa_mask);
    for (size_t i = 0; i < sizeof stop_signals / sizeof stop_signals[0]; i++)
        sigaction(stop_signals[i], &action, NULL);
}

static void reset_stop_signals(void) {
    for (size_t i = 0; i < sizeof stop_signals / sizeof stop_signals[0]; i++)
        signal(stop_signals[i], SIG_DFL);
}

// ---------------------------------------------------------------------------------------------
// Workloads, run by the children.

struct run {
    const struct mechanism *mechanism;
    const char *placement;
    const char *wait;           // block or spin, as printed
    enum wait_policy wait_policy;
    uint64_t spin_before_sleep_ns;
    bool latency;
    size_t payload_bytes;
    size_t ring_capacity;
    uint64_t messages;
    uint64_t warmup;
    int cpu[2];                 // per role; -1 leaves the child unpinned
    unsigned char *send_buf;    // producer's outgoing payload
    unsigned char *receive_buf; // where each side receives (the consumer echoes from it)
};

// The loops take send and receive as arguments and are always inlined, so a call with known
// functions (run_workload) compiles to direct calls: the C counterpart of a generic loop
// specialised for one endpoint type.
#define WORKLOAD static inline __attribute__((always_inline)) void

WORKLOAD round_trip(const struct run *run, struct endpoint *end, send_fn *send, receive_fn *receive,
                    uint64_t seq) {
    size_t n = run->payload_bytes;
    put_seq(run->send_buf, n, seq);
    send(end, run->send_buf, n);
    receive(end, run->receive_buf, n);
    check_seq(run->receive_buf, n, seq);
}

WORKLOAD produce_round_trips(const struct run *run, struct endpoint *end, send_fn *send, receive_fn *receive) {
    uint64_t seq = 1;
    for (uint64_t i = 0; i < run->warmup; i++) round_trip(run, end, send, receive, seq++);
    uint64_t previous = now_ns();
    for (uint64_t i = 0; i < run->messages; i++) {
        round_trip(run, end, send, receive, seq++);
        uint64_t t = now_ns();
        shared->samples_ns[i] = t - previous;
        previous = t;
    }
}

WORKLOAD echo_round_trips(const struct run *run, struct endpoint *end, send_fn *send, receive_fn *receive) {
    size_t n = run->payload_bytes;
    uint64_t total = run->warmup + run->messages;
    for (uint64_t seq = 1; seq <= total; seq++) {
        receive(end, run->receive_buf, n);
        check_seq(run->receive_buf, n, seq);
        send(end, run->receive_buf, n);
    }
}

WORKLOAD produce_stream(const struct run *run, struct endpoint *end, send_fn *send) {
    size_t n = run->payload_bytes;
    uint64_t seq = 1;
    for (uint64_t i = 0; i < run->warmup; i++) {
        put_seq(run->send_buf, n, seq++);
        send(end, run->send_buf, n);
    }
    // Two-sided: start once the consumer has drained the warm-up, with the channel empty.
    if (!run->mechanism->one_sided) flag_wait(&shared->warmup_done);
    shared->start_ns = now_ns();
    for (uint64_t i = 0; i < run->messages; i++) {
        put_seq(run->send_buf, n, seq++);
        send(end, run->send_buf, n);
    }
    if (run->mechanism->one_sided) shared->end_ns = now_ns();
}

WORKLOAD consume_stream(const struct run *run, struct endpoint *end, receive_fn *receive) {
    size_t n = run->payload_bytes;
    uint64_t seq = 1;
    for (uint64_t i = 0; i < run->warmup; i++) {
        receive(end, run->receive_buf, n);
        check_seq(run->receive_buf, n, seq++);
    }
    flag_raise(&shared->warmup_done);
    for (uint64_t i = 0; i < run->messages; i++) {
        receive(end, run->receive_buf, n);
        check_seq(run->receive_buf, n, seq++);
    }
    shared->end_ns = now_ns();
}

WORKLOAD run_workload_with(const struct run *run, struct endpoint *end, enum role role, send_fn *send,
                           receive_fn *receive) {
    if (run->latency && role == PRODUCER) produce_round_trips(run, end, send, receive);
    if (run->latency && role == CONSUMER) echo_round_trips(run, end, send, receive);
    if (!run->latency && role == PRODUCER) produce_stream(run, end, send);
    if (!run->latency && role == CONSUMER) consume_stream(run, end, receive);
}

// The shared-memory mechanisms move a message in tens of nanoseconds, where an indirect call
// per message would show; they get loops of their own. A system call dwarfs it for the rest.
static void run_workload(const struct run *run, struct endpoint *end, enum role role) {
    send_fn *send = run->mechanism->send;
    if (send == ring_send)
        run_workload_with(run, end, role, ring_send, ring_receive);
    else if (send == memcpy_send)
        run_workload_with(run, end, role, memcpy_send, memcpy_receive);
    else if (send == cacheline_send)
        run_workload_with(run, end, role, cacheline_send, cacheline_receive);
    else if (send == sem_send)
        run_workload_with(run, end, role, sem_send, sem_receive);
    else if (send == futex_send)
        run_workload_with(run, end, role, futex_send, futex_receive);
    else
        run_workload_with(run, end, role, send, run->mechanism->receive);
}

static _Noreturn void run_child(const struct run *run, struct channel *ch, enum role role, pid_t parent) {
    self = role;
    reset_stop_signals();
    // Die with the coordinator rather than wait forever on a peer that will never answer.
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) child_fail("prctl PR_SET_PDEATHSIG");
    if (getppid() != parent) _exit(1);

    if (run->cpu[role] >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(run->cpu[role], &set);
        if (sched_setaffinity(0, sizeof set, &set) != 0) child_fail("sched_setaffinity");
    }
    struct endpoint end = ch->end[role];
    channel_keep_only(ch, &end);
    if (run->mechanism->prepare) run->mechanism->prepare(&end);
    // Fault the sample pages in now rather than inside the timed loop.
    if (role == PRODUCER && run->latency) memset(shared->samples_ns, 0, run->messages * sizeof(uint64_t));

    shared->pid[role] = getpid();
    barrier_arrive_and_wait(&shared->arrived, run->mechanism->one_sided ? 1 : 2);
    end.peer = shared->pid[other(role)];
    run_workload(run, &end, role);
    shared->futex_calls[role] = end.futex_calls;
    _exit(0);
}

// ---------------------------------------------------------------------------------------------
// The coordinator: children and reports.

// Marks whom we killed, so the report blames the child that failed first, not its victim.
static void kill_children(pid_t pid[2], bool killed[2]) {
    for (int r = 0; r < 2; r++) {
        if (pid[r] <= 0) continue;
        kill(pid[r], SIGKILL);
        killed[r] = true;
    }
}

// Reaps both children; once one fails (or we are told to stop) the other is killed.
static void reap_children(pid_t pid[2], int status[2], bool killed[2]) {
    if (stop_signal) kill_children(pid, killed);
    int live = (pid[0] > 0) + (pid[1] > 0);
    while (live > 0) {
        int st;
        pid_t done = waitpid(-1, &st, 0);
        if (done < 0) {
            if (errno == EINTR) {
                if (stop_signal) kill_children(pid, killed);
                continue;
            }
            report_error("waitpid");
            return;
        }
        for (int r = 0; r < 2; r++) {
            if (done != pid[r]) continue;
            status[r] = st;
            pid[r] = 0;
            live--;
            if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) kill_children(pid, killed);
        }
    }
}

static bool report_children(const int status[2], const bool killed[2]) {
    bool ok = true;
    for (enum role r = PRODUCER; r <= CONSUMER; r++) {
        const struct child_failure *failure = &shared->failure[r];
        if (failure->call && failure->error == 0 && failure->received_seq != failure->expected_seq) {
            fprintf(stderr, "ipcref: %s: sequence check: expected %llu, received %llu\n", role_name(r),
                    (unsigned long long)failure->expected_seq, (unsigned long long)failure->received_seq);
        } else if (failure->call && failure->error == 0) {
            fprintf(stderr, "ipcref: %s: %s\n", role_name(r), failure->call);
        } else if (failure->call) {
            const char *name = strerrorname_np(failure->error);
            fprintf(stderr, "ipcref: %s: %s: %s (%s)\n", role_name(r), failure->call, name ? name : "?",
                    strerror(failure->error));
        } else if (killed[r]) {
            // Stopped because the other side failed: that side explains it.
        } else if (WIFSIGNALED(status[r])) {
            const char *name = sigabbrev_np(WTERMSIG(status[r]));
            fprintf(stderr, "ipcref: %s: killed by SIG%s\n", role_name(r), name ? name : "?");
        } else if (!WIFEXITED(status[r]) || WEXITSTATUS(status[r]) != 0) {
            fprintf(stderr, "ipcref: %s: exited with status %d\n", role_name(r), WEXITSTATUS(status[r]));
        }
        ok = ok && WIFEXITED(status[r]) && WEXITSTATUS(status[r]) == 0;
    }
    return ok;
}

static int compare_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

// Nearest rank: sorted[ceil(p * n) - 1], p in per mille so the arithmetic stays exact.
static uint64_t nearest_rank(const uint64_t *sorted, uint64_t n, uint64_t per_mille) {
    uint64_t rank = (per_mille * n + 999) / 1000;
    return sorted[rank > 0 ? rank - 1 : 0];
}

static void print_result(const struct run *run, unsigned repetition) {
    printf("mechanism=%s mode=%s payload_bytes=%zu placement=%s wait=%s repetition=%u messages=%llu",
           run->mechanism->name, run->latency ? "latency" : "throughput", run->payload_bytes,
           run->placement, run->wait, repetition, (unsigned long long)run->messages);
    if (run->latency) {
        uint64_t *samples = shared->samples_ns, n = run->messages, sum = 0;
        qsort(samples, n, sizeof *samples, compare_u64);
        for (uint64_t i = 0; i < n; i++) sum += samples[i];
        printf(" rtt_p50_ns=%llu rtt_p99_ns=%llu rtt_mean_ns=%.1f",
               (unsigned long long)nearest_rank(samples, n, 500),
               (unsigned long long)nearest_rank(samples, n, 990), (double)sum / (double)n);
    } else {
        double seconds = (double)(shared->end_ns - shared->start_ns) / 1e9;
        double messages = (double)run->messages;
        printf(" msgs_per_s=%.1f mib_per_s=%.2f window_ns=%llu", messages / seconds,
               messages * (double)run->payload_bytes / 1048576.0 / seconds,
               (unsigned long long)(shared->end_ns - shared->start_ns));
    }
    // Both children, warm-up included (ipcbench's futex_calls_per_msg counts the window only).
    if (run->mechanism->send == ring_send || run->mechanism->send == futex_send || run->mechanism->send == cma_send)
        printf(" futex_calls=%llu", (unsigned long long)(shared->futex_calls[0] + shared->futex_calls[1]));
    printf("\n");
    fflush(stdout);
}

static pid_t spawn_child(const struct run *run, struct channel *ch, enum role role) {
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) run_child(run, ch, role, parent);
    if (pid < 0) report_error("fork");
    return pid;
}

// One repetition: fresh kernel objects, fresh children. Returns whether it produced a result.
static bool run_once(const struct run *run, unsigned repetition) {
    size_t shared_bytes = sizeof(struct shared) + (run->latency ? run->messages * sizeof(uint64_t) : 0);
    void *mapping = mmap(NULL, shared_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (mapping == MAP_FAILED) return report_error("mmap");
    shared = mapping;

    struct channel ch;
    channel_init(&ch, run->payload_bytes, run->ring_capacity, run->wait_policy, run->spin_before_sleep_ns);
    bool ok = run->mechanism->open(&ch);
    if (ok) {
        pid_t pid[2] = {0, 0};
        int status[2] = {0, 0};
        bool killed[2] = {false, false};
        fflush(NULL);   // nothing buffered may be written twice by a child
        bool two_sided = !run->mechanism->one_sided;
        if (two_sided) pid[CONSUMER] = spawn_child(run, &ch, CONSUMER);
        if (pid[CONSUMER] > 0 || !two_sided) pid[PRODUCER] = spawn_child(run, &ch, PRODUCER);
        ok = (pid[CONSUMER] > 0 || !two_sided) && pid[PRODUCER] > 0;
        if (!ok) kill_children(pid, killed);
        channel_close_fds(&ch);   // the children hold their own; EOF then reaches a survivor
        reap_children(pid, status, killed);
        // After a stop signal the children were killed on purpose: nothing to explain.
        ok = ok && !stop_signal && report_children(status, killed);
    }
    channel_destroy(&ch);
    if (ok) print_result(run, repetition);
    munmap(mapping, shared_bytes);
    return ok;
}

// ---------------------------------------------------------------------------------------------
// Command line.

static _Noreturn void usage(const char *problem) {
    if (problem) fprintf(stderr, "ipcref: %s\n", problem);
    fprintf(stderr, "usage: ipcref [--wait block|spin] [--ring-size BYTES] [--spin-before-sleep-ns NS]\n"
                    "              MECHANISM MODE PAYLOAD_BYTES MESSAGES PLACEMENT [REPETITIONS]\n"
                    "  MECHANISM    ");
    for (int i = 0; i < MECHANISM_COUNT; i++) fprintf(stderr, "%s%s", i ? ", " : "", mechanisms[i].name);
    fprintf(stderr, "\n  MODE         latency | throughput\n"
                    "  PLACEMENT    cross-core | same-core | unpinned\n"
                    "  --wait       shm-posix, shm-sem, futex, vmsplice, cma: block (default) or spin;\n"
                    "               cacheline and memcpy: spin; the kernel mechanisms: block\n"
                    "  --ring-size  shm-posix, shm-sem, cma and memcpy: ring capacity (shm-sem: 8 slots of\n"
                    "               an eighth; cma: each landing area), a power of two from 4096 to\n"
                    "               1073741824 (default 1048576)\n"
                    "  --spin-before-sleep-ns\n"
                    "               shm-posix --wait block, cross-core: how long a side polls before it\n"
                    "               sleeps (default 60000, as ipcbench)\n");
    exit(2);
}

static uint64_t parse_number(const char *text, const char *what, uint64_t min, uint64_t max) {
    char *end;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 10);
    if (text[0] < '0' || text[0] > '9' || *end != '\0' || errno != 0 || value < min || value > max) {
        fprintf(stderr, "ipcref: %s must be a whole number from %llu to %llu, not '%s'\n", what,
                (unsigned long long)min, (unsigned long long)max, text);
        usage(NULL);
    }
    return value;
}

static uint64_t parse_count(const char *text, const char *what, uint64_t max) {
    return parse_number(text, what, 1, max);
}

static const struct mechanism *find_mechanism(const char *name) {
    for (int i = 0; i < MECHANISM_COUNT; i++)
        if (strcmp(mechanisms[i].name, name) == 0) return &mechanisms[i];
    return NULL;
}

// cross-core: producer on the first allowed CPU, consumer on the second; same-core: both on
// the first; unpinned: neither.
static bool choose_cpus(const char *placement, int cpu[2]) {
    cpu[PRODUCER] = cpu[CONSUMER] = -1;
    if (strcmp(placement, "unpinned") == 0) return true;
    bool cross = strcmp(placement, "cross-core") == 0;
    if (!cross && strcmp(placement, "same-core") != 0) usage("PLACEMENT must be cross-core, same-core or unpinned");
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return report_error("sched_getaffinity");
    int found = 0;
    for (int c = 0; c < CPU_SETSIZE && found < 2; c++)
        if (CPU_ISSET(c, &allowed)) cpu[found++] = c;
    if (cross && found < 2) {
        fprintf(stderr, "ipcref: cross-core needs two allowed CPUs\n");
        return false;
    }
    if (!cross) cpu[CONSUMER] = cpu[PRODUCER];
    return true;
}

// spin: pause across cores, yield on one core, mix the two unpinned; block: poll a little
// first only when the peer has a CPU of its own.
static enum wait_policy choose_wait_policy(bool spin, const char *placement) {
    bool same_core = strcmp(placement, "same-core") == 0;
    if (!spin) return same_core ? SLEEP : SPIN_THEN_SLEEP;
    if (same_core) return POLL_YIELD;
    return strcmp(placement, "unpinned") == 0 ? POLL_ADAPTIVE : POLL_PAUSE;
}

int main(int argc, char **argv) {
    const char *wait = NULL;
    uint64_t ring_capacity = DEFAULT_RING_CAPACITY, spin_before_sleep_ns = DEFAULT_SPIN_BEFORE_SLEEP_NS;
    int first = 1;   // the first positional argument
    while (first < argc && strncmp(argv[first], "--", 2) == 0) {
        if (first + 1 >= argc) usage("an option needs a value");
        if (strcmp(argv[first], "--wait") == 0)
            wait = argv[first + 1];
        else if (strcmp(argv[first], "--ring-size") == 0)
            ring_capacity = parse_count(argv[first + 1], "--ring-size", UINT64_C(1) << 30);
        else if (strcmp(argv[first], "--spin-before-sleep-ns") == 0)
            spin_before_sleep_ns = parse_number(argv[first + 1], "--spin-before-sleep-ns", 0, UINT64_C(1000000000));
        else
            usage("unknown option");
        first += 2;
    }
    argc -= first - 1;
    argv += first - 1;
    if (argc < 6 || argc > 7) usage(NULL);
    if (ring_capacity < 4096 || (ring_capacity & (ring_capacity - 1)) != 0)
        usage("--ring-size must be a power of two from 4096 to 1073741824");

    struct run run = {.placement = argv[5], .ring_capacity = ring_capacity,
                      .spin_before_sleep_ns = spin_before_sleep_ns};
    run.mechanism = find_mechanism(argv[1]);
    if (!run.mechanism) usage("unknown MECHANISM");
    if (strcmp(argv[2], "latency") != 0 && strcmp(argv[2], "throughput") != 0)
        usage("MODE must be latency or throughput");
    run.latency = strcmp(argv[2], "latency") == 0;
    run.payload_bytes = parse_count(argv[3], "PAYLOAD_BYTES", 1u << 30);
    run.messages = parse_count(argv[4], "MESSAGES", 1000000000u);
    unsigned repetitions = argc == 7 ? (unsigned)parse_count(argv[6], "REPETITIONS", 100000u) : 1;
    run.warmup = run.messages / 10 < 1000 ? run.messages / 10 : 1000;

    const struct mechanism *m = run.mechanism;
    if (!(m->modes & (run.latency ? LATENCY : THROUGHPUT))) {
        fprintf(stderr, "ipcref: %s is %s-only\n", m->name, m->modes == LATENCY ? "latency" : "throughput");
        return 2;
    }
    if (m->required_payload_bytes && run.payload_bytes != m->required_payload_bytes) {
        fprintf(stderr, "ipcref: %s carries exactly %zu bytes\n", m->name, m->required_payload_bytes);
        return 2;
    }
    if (!wait) wait = m->waits & BLOCKS ? "block" : "spin";
    if (strcmp(wait, "block") != 0 && strcmp(wait, "spin") != 0) usage("--wait must be block or spin");
    run.wait = wait;
    bool spin = strcmp(wait, "spin") == 0;
    if (!(m->waits & (spin ? SPINS : BLOCKS))) {
        fprintf(stderr, "ipcref: %s runs only with --wait %s\n", m->name, spin ? "block" : "spin");
        return 2;
    }
    run.wait_policy = choose_wait_policy(spin, run.placement);
    if (!choose_cpus(run.placement, run.cpu)) return 1;

    run.send_buf = payload_alloc(run.payload_bytes);
    run.receive_buf = payload_alloc(run.payload_bytes);
    if (!run.send_buf || !run.receive_buf) {
        fprintf(stderr, "ipcref: out of memory\n");
        return 1;
    }
    catch_stop_signals();
    int exit_code = 0;
    for (unsigned r = 1; r <= repetitions && exit_code == 0; r++)
        if (!run_once(&run, r)) exit_code = 1;
    if (stop_signal) {
        fprintf(stderr, "ipcref: stopped by SIG%s\n", sigabbrev_np(stop_signal));
        exit_code = 128 + stop_signal;
    }
    payload_free(run.send_buf);
    payload_free(run.receive_buf);
    return exit_code;
}
