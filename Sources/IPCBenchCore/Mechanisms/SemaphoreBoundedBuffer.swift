import Glibc

/// `shm-sem`: the textbook bounded buffer. Each direction is an array of
/// ``SlotLayout/slotCount`` slots in POSIX shared memory (shm_open O_EXCL 0600, unlinked once
/// mapped) guarded by three process-shared POSIX semaphores (`sem_init(pshared: 1)`):
/// `empty` = slots free, `full` = slots filled, and a `mutex`, used as the course notes teach:
/// the producer does wait(empty), wait(mutex), put, post(mutex), post(full); the consumer
/// wait(full), wait(mutex), take, post(mutex), post(empty). The mutex is not needed with one
/// producer and one consumer, and it is kept: it serialises the two sides' copies, which is what
/// the textbook buffer costs beside the lock-free ring (`shm-posix`).
///
/// A slot is `--ring-size` / 8 bytes; a larger message is carried in consecutive slots, each
/// a full put or take. `block` waits in sem_wait (glibc sleeps on a futex); `spin` polls
/// sem_trywait. In place (`--copy zero`) the slot is lent to the worker between wait(mutex) and
/// post(mutex).
public final class SemaphoreBoundedBuffer: Mechanism {
    public static let name = "shm-sem"
    public static let summary = "bounded buffer of 8 slots in POSIX shared memory guarded by sem_init(pshared) semaphores"
    /// What the rings declare: `--ring-size`, both copy modes.
    public static let traits = RingPair.traits

    private let shared: SharedMapping
    private var initialized = true
    private let forward: SlotBuffer
    private let backward: SlotBuffer

    public static func limitation(_ scenario: Scenario, limits: MachineLimits) -> String? {
        RingLayout.isValidCapacity(scenario.ringBytes) ? nil
            : "ring size \(scenario.ringBytes) is not a power of two from 4K to 1G (\(SlotLayout.slotCount) slots of an eighth each)"
    }

    public static func limitsSummary(_ limits: MachineLimits) -> String {
        "any size (larger than a slot: carried in consecutive slots); \(SlotLayout.slotCount) slots of --ring-size / \(SlotLayout.slotCount)"
    }

    public init(_ spec: ChannelSpec) throws(IPCError) {
        let bufferBytes = SlotLayout.bytes(dataBytes: spec.ringBytes)
        // Should initialising the semaphores fail, the mapping goes with `shared`.
        shared = try SharedMapping(.posixShm, bytes: 2 * bufferBytes)
        forward = SlotBuffer(shared.base, dataBytes: spec.ringBytes)
        backward = SlotBuffer(shared.base + bufferBytes, dataBytes: spec.ringBytes)
        try forward.initialize()
        do throws(IPCError) { try backward.initialize() } catch { forward.destroy(); throw error }
    }

    public func endpoint(_ role: Role, peer: pid_t, spin: SpinPolicy) throws(IPCError) -> SlotEndpoint {
        switch role {
        case .producer: return SlotEndpoint(outbound: .producer(forward, spin), inbound: .consumer(backward, spin))
        case .consumer: return SlotEndpoint(outbound: .producer(backward, spin), inbound: .consumer(forward, spin))
        }
    }

    /// The mapping is inherited, not a descriptor: it goes with the process.
    public func closeDescriptors() {}

    /// After the workers are reaped: no process waits on the semaphores any more.
    public func destroy() {
        guard initialized else { return }
        initialized = false
        forward.destroy()
        backward.destroy()
        shared.unmap()
    }
}

/// The layout of one direction: a header page with the three semaphores (a cache line each)
/// and each slot's message length, then the slots.
///
/// Eight slots: the buffer size of the usual textbook example, and enough for a producer to run
/// seven messages ahead of its consumer in a stream.
enum SlotLayout {
    static let slotCount = 8
    static let headerBytes = 4096
    static let emptyOffset = 0
    static let fullOffset = 64
    static let mutexOffset = 128
    /// One UInt64 per slot: the length of the message the slot is part of.
    static let lengthsOffset = 192

    static func bytes(dataBytes: Int) -> Int { headerBytes + dataBytes }
}

/// One direction's slots and semaphores as seen from one process.
struct SlotBuffer {
    let base: UnsafeMutableRawPointer
    let slotBytes: Int

    init(_ base: UnsafeMutableRawPointer, dataBytes: Int) {
        self.base = base
        self.slotBytes = dataBytes / SlotLayout.slotCount
    }

    var empty: UnsafeMutablePointer<sem_t> { (base + SlotLayout.emptyOffset).assumingMemoryBound(to: sem_t.self) }
    var full: UnsafeMutablePointer<sem_t> { (base + SlotLayout.fullOffset).assumingMemoryBound(to: sem_t.self) }
    var mutex: UnsafeMutablePointer<sem_t> { (base + SlotLayout.mutexOffset).assumingMemoryBound(to: sem_t.self) }

    @inline(__always)
    func slot(_ index: Int) -> UnsafeMutableRawPointer { base + SlotLayout.headerBytes + index * slotBytes }

    @inline(__always)
    func length(_ index: Int) -> UnsafeMutablePointer<UInt64> {
        (base + SlotLayout.lengthsOffset + 8 * index).assumingMemoryBound(to: UInt64.self)
    }

    /// empty = slotCount, full = 0, mutex = 1, all shared between processes (sem_init pshared 1).
    func initialize() throws(IPCError) {
        _ = try sys("sem_init") { sem_init(empty, 1, UInt32(SlotLayout.slotCount)) }
        do throws(IPCError) {
            _ = try sys("sem_init") { sem_init(full, 1, 0) }
            do throws(IPCError) { _ = try sys("sem_init") { sem_init(mutex, 1, 1) } } catch { sem_destroy(full); throw error }
        } catch {
            sem_destroy(empty)
            throw error
        }
    }

    func destroy() {
        sem_destroy(empty)
        sem_destroy(full)
        sem_destroy(mutex)
    }
}

/// wait() and post() on a process-shared semaphore: sem_wait when blocking, sem_trywait polled
/// with the spin policy's backoff otherwise.
@inline(__always)
func semaphoreWait(_ semaphore: UnsafeMutablePointer<sem_t>, _ spin: SpinPolicy) throws(IPCError) {
    _ = try spin.call("sem_wait", { sem_wait(semaphore) }, poll: { sem_trywait(semaphore) })
}

@inline(__always)
func semaphorePost(_ semaphore: UnsafeMutablePointer<sem_t>) throws(IPCError) {
    _ = try sys("sem_post") { sem_post(semaphore) }
}

/// One side of one direction, the producer's or the consumer's: they differ only in which
/// semaphore they take and which they give (`empty` and `full`, crossed), and in that the
/// producer writes the message's length into each slot and the consumer checks it.
struct SlotSide {
    let buffer: SlotBuffer
    let spin: SpinPolicy
    /// wait() on it before a slot (`empty` for the producer), post() on the other after.
    let take: UnsafeMutablePointer<sem_t>
    let give: UnsafeMutablePointer<sem_t>
    let fills: Bool
    /// The next slot: only this side moves it, so it lives here, not in shared memory.
    var next = 0
    /// The message being moved: its length, bytes still to lend, and the stretch lent.
    var messageBytes = 0
    var remaining = 0
    var lent = 0

    static func producer(_ buffer: SlotBuffer, _ spin: SpinPolicy) -> SlotSide {
        SlotSide(buffer: buffer, spin: spin, take: buffer.empty, give: buffer.full, fills: true)
    }

    static func consumer(_ buffer: SlotBuffer, _ spin: SpinPolicy) -> SlotSide {
        SlotSide(buffer: buffer, spin: spin, take: buffer.full, give: buffer.empty, fills: false)
    }

    @inline(__always)
    mutating func begin(_ count: Int) {
        messageBytes = count
        remaining = count
    }

    /// wait(take); wait(mutex): the slot `next` is this side's until ``finishStretch()``. The
    /// producer stamps it with the message's length; the consumer checks the stamp, and gives
    /// the slot back before it throws.
    @inline(__always)
    mutating func lend(_ limit: Int) throws(IPCError) -> UnsafeMutableRawBufferPointer {
        lent = min(remaining, buffer.slotBytes)
        try semaphoreWait(take, spin)
        try semaphoreWait(buffer.mutex, spin)
        let length = buffer.length(next)
        if fills {
            length.pointee = UInt64(messageBytes)
        } else if length.pointee != UInt64(messageBytes) {
            let found = length.pointee
            try finishStretch()
            throw .messageSize(expected: messageBytes, received: Int(truncatingIfNeeded: found))
        }
        return UnsafeMutableRawBufferPointer(start: buffer.slot(next), count: min(limit, lent))
    }

    /// post(mutex); post(give), and on to the next slot.
    @inline(__always)
    mutating func finishStretch() throws(IPCError) {
        try semaphorePost(buffer.mutex)
        try semaphorePost(give)
        next = next == SlotLayout.slotCount - 1 ? 0 : next + 1
        remaining -= lent
    }

    /// A whole message of `count` bytes, a slot at a time (one slot at least, as a message of
    /// no bytes still is one): `copy(slot, offset)` moves the slot's part of it.
    @inline(__always)
    mutating func move(_ count: Int, _ copy: (UnsafeMutableRawBufferPointer, Int) -> Void) throws(IPCError) {
        begin(count)
        var done = 0
        repeat {
            let slot = try lend(.max)
            copy(slot, done)
            done += slot.count
            try finishStretch()
        } while done < count
    }
}

/// A worker's side of ``SemaphoreBoundedBuffer``: one buffer to fill, one to drain. In place,
/// each slot of a message is one stretch.
public struct SlotEndpoint: InPlaceEndpoint {
    var outbound: SlotSide
    var inbound: SlotSide

    @inline(__always)
    public mutating func send(_ buffer: UnsafeRawPointer, count: Int) throws(IPCError) {
        try outbound.move(count) { slot, offset in slot.baseAddress!.copyMemory(from: buffer + offset, byteCount: slot.count) }
    }

    @inline(__always)
    public mutating func receive(into buffer: UnsafeMutableRawPointer, count: Int) throws(IPCError) {
        try inbound.move(count) { slot, offset in (buffer + offset).copyMemory(from: slot.baseAddress!, byteCount: slot.count) }
    }

    @inline(__always)
    public mutating func beginSend(count: Int) throws(IPCError) { outbound.begin(count) }
    @inline(__always)
    public mutating func writable(limit: Int) throws(IPCError) -> UnsafeMutableRawBufferPointer { try outbound.lend(limit) }
    @inline(__always)
    public mutating func commit(_ bytes: Int) throws(IPCError) { try outbound.finishStretch() }
    @inline(__always)
    public mutating func beginReceive(count: Int) throws(IPCError) { inbound.begin(count) }
    @inline(__always)
    public mutating func readable(limit: Int) throws(IPCError) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(try inbound.lend(limit))
    }
    @inline(__always)
    public mutating func release(_ bytes: Int) throws(IPCError) { try inbound.finishStretch() }
}
