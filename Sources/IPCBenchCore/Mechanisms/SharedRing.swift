import Glibc
import CIPCShim
import Synchronization

/// The layout of one single-producer single-consumer ring in shared memory: a header page and
/// a power-of-two data area. The producer's index, the consumer's index and each side's
/// "I am asleep" futex word sit on cache lines of their own, so the two CPUs never fight over a
/// line that only one of them writes.
///
/// A message is an 8-byte length header and the payload, padded to 8 bytes. Indices count
/// bytes forever (64-bit, they never wrap in practice) and are reduced modulo the capacity, so
/// a message may wrap around the end of the data area; one larger than the ring is streamed
/// through it in pieces.
public enum RingLayout {
    public static let headerBytes = 4096
    static let headOffset = 0            // written by the producer
    static let tailOffset = 64           // written by the consumer
    static let consumerAsleepOffset = 128 // futex word: consumer sleeps on it
    static let producerAsleepOffset = 192 // futex word: producer sleeps on it

    /// A length header with this value says "the rest of the data area is padding, go on at
    /// its start": messages moved in place (`--copy zero`) never wrap around the end.
    static let skipToStart = UInt64.max

    public static let minimumCapacity = 4096
    public static let maximumCapacity = 1 << 30

    public static func bytes(capacity: Int) -> Int { headerBytes + capacity }

    public static func isValidCapacity(_ n: Int) -> Bool {
        n >= minimumCapacity && n <= maximumCapacity && n & (n - 1) == 0
    }
}

/// How long a blocking side polls before it sleeps. Longer than a wake-up through the
/// hypervisor (~40 µs cross-core on a VM), so two busy sides settle into passing messages
/// without the kernel instead of waking each other for every message; short enough that an
/// idle side gives its CPU back almost at once.
let ringSpinBeforeSleepNs: UInt64 = 60_000

/// Shared state of one ring as seen from one process.
struct RingMemory {
    let base: UnsafeMutableRawPointer
    let data: UnsafeMutableRawPointer
    let capacity: Int
    let mask: Int

    init(base: UnsafeMutableRawPointer, capacity: Int) {
        self.base = base
        self.data = base + RingLayout.headerBytes
        self.capacity = capacity
        self.mask = capacity - 1
    }

    /// Zeroes the header; the coordinator calls it once before forking.
    func reset() { memset(base, 0, RingLayout.headerBytes) }

    var head: UnsafeMutablePointer<Atomic<UInt64>> { (base + RingLayout.headOffset).assumingMemoryBound(to: Atomic<UInt64>.self) }
    var tail: UnsafeMutablePointer<Atomic<UInt64>> { (base + RingLayout.tailOffset).assumingMemoryBound(to: Atomic<UInt64>.self) }
    var consumerAsleep: UnsafeMutablePointer<Atomic<UInt32>> { (base + RingLayout.consumerAsleepOffset).assumingMemoryBound(to: Atomic<UInt32>.self) }
    var producerAsleep: UnsafeMutablePointer<Atomic<UInt32>> { (base + RingLayout.producerAsleepOffset).assumingMemoryBound(to: Atomic<UInt32>.self) }

    /// The 8-byte length header: indices are multiples of 8 and the capacity a power of two
    /// of at least 4 KiB, so a header never straddles the end and is a plain aligned access.
    @inline(__always)
    func storeLength(_ count: Int, at index: UInt64) {
        storeHeader(UInt64(count), at: index)
    }

    @inline(__always)
    func storeHeader(_ value: UInt64, at index: UInt64) {
        (data + (Int(truncatingIfNeeded: index) & mask)).storeBytes(of: value, as: UInt64.self)
    }

    @inline(__always)
    func loadLength(at index: UInt64) -> UInt64 {
        (data + (Int(truncatingIfNeeded: index) & mask)).load(as: UInt64.self)
    }

    /// Copies into the data area at byte index `at`, wrapping around the end.
    @inline(__always)
    func copyIn(at index: UInt64, from source: UnsafeRawPointer, count: Int) {
        let offset = Int(truncatingIfNeeded: index) & mask
        let first = min(count, capacity - offset)
        (data + offset).copyMemory(from: source, byteCount: first)
        if first < count { data.copyMemory(from: source + first, byteCount: count - first) }
    }

    @inline(__always)
    func copyOut(at index: UInt64, to destination: UnsafeMutableRawPointer, count: Int) {
        let offset = Int(truncatingIfNeeded: index) & mask
        let first = min(count, capacity - offset)
        destination.copyMemory(from: data + offset, byteCount: first)
        if first < count { (destination + first).copyMemory(from: data, byteCount: count - first) }
    }
}

/// Waiting on the other side's index: polling, or polling briefly and then sleeping on a futex
/// word that the other side checks after each publish (the only time it makes a system call).
struct RingWaiter {
    let policy: SpinPolicy
    let sleeps: Bool
    let spinFirst: Bool
    /// futex system calls made (waits and wakes), for `futex_calls_per_msg`.
    var futexCalls: UInt64 = 0

    init(_ policy: SpinPolicy) {
        self.policy = policy
        if case let .block(spinFirst) = policy {
            sleeps = true
            self.spinFirst = spinFirst
        } else {
            sleeps = false
            spinFirst = false
        }
    }

    /// Publishes `value` to `index`, then wakes the other side if it went to sleep. In blocking
    /// mode the store is sequentially consistent (an exchange) so it cannot pass the load of the
    /// sleep flag; the sleeper sets its flag and re-reads our index in the same order.
    @inline(__always)
    mutating func publish(_ value: UInt64, to index: UnsafeMutablePointer<Atomic<UInt64>>, waking asleep: UnsafeMutablePointer<Atomic<UInt32>>) {
        if !sleeps {
            index.pointee.store(value, ordering: .releasing)
            return
        }
        _ = index.pointee.exchange(value, ordering: .sequentiallyConsistent)
        if asleep.pointee.load(ordering: .sequentiallyConsistent) != 0 {
            asleep.pointee.store(0, ordering: .sequentiallyConsistent)
            _ = ipc_futex_wake(Futex.address(asleep), 1)
            futexCalls &+= 1
        }
    }

    /// Waits until `ready(index)` holds for the other side's index; returns its latest value.
    @inline(never)
    mutating func waitUntil(
        _ index: UnsafeMutablePointer<Atomic<UInt64>>, asleepFlag: UnsafeMutablePointer<Atomic<UInt32>>,
        _ ready: (UInt64) -> Bool
    ) -> UInt64 {
        var spins: UInt32 = 0
        if !sleeps {
            while true {
                let v = index.pointee.load(ordering: .acquiring)
                if ready(v) { return v }
                policy.backoff(&spins)
            }
        }
        if spinFirst {
            let deadline = MonotonicClock.nowNs() &+ ringSpinBeforeSleepNs
            while true {
                for _ in 0..<16 {
                    ipc_cpu_relax()
                    let v = index.pointee.load(ordering: .acquiring)
                    if ready(v) { return v }
                }
                if MonotonicClock.nowNs() > deadline { break }
            }
        }
        while true {
            asleepFlag.pointee.store(1, ordering: .sequentiallyConsistent)
            let v = index.pointee.load(ordering: .sequentiallyConsistent)
            if ready(v) {
                asleepFlag.pointee.store(0, ordering: .relaxed)
                return v
            }
            _ = ipc_futex_wait(Futex.address(asleepFlag), 1, nil)
            futexCalls &+= 1
            let w = index.pointee.load(ordering: .acquiring)
            if ready(w) {
                asleepFlag.pointee.store(0, ordering: .relaxed)
                return w
            }
        }
    }
}

/// The writing side of a ring.
struct RingWriter {
    let ring: RingMemory
    var head: UInt64 = 0
    var cachedTail: UInt64 = 0
    var waiter: RingWaiter
    /// In place: bytes of the message being sent still to lend (padded), and the stretch lent.
    var remaining = 0
    var lent = 0
    var inOnePiece = false

    init(_ ring: RingMemory, _ policy: SpinPolicy) {
        self.ring = ring
        self.waiter = RingWaiter(policy)
    }

    @inline(__always)
    mutating func waitForSpace(_ bytes: Int) {
        let capacity = UInt64(ring.capacity)
        if capacity &- (head &- cachedTail) >= UInt64(bytes) { return }
        cachedTail = ring.tail.pointee.load(ordering: .acquiring)
        if capacity &- (head &- cachedTail) >= UInt64(bytes) { return }
        let h = head
        cachedTail = waiter.waitUntil(ring.tail, asleepFlag: ring.producerAsleep) { capacity &- (h &- $0) >= UInt64(bytes) }
    }

    @inline(__always)
    mutating func publish() {
        waiter.publish(head, to: ring.head, waking: ring.consumerAsleep)
    }

    @inline(__always)
    mutating func send(_ buffer: UnsafeRawPointer, count: Int) {
        let padded = (count + 7) & ~7
        if 8 + padded <= ring.capacity {
            waitForSpace(8 + padded)
            ring.storeLength(count, at: head)
            ring.copyIn(at: head &+ 8, from: buffer, count: count)
            head &+= UInt64(8 + padded)
            publish()
            return
        }
        // Larger than the ring: the header, then the payload in pieces as space frees up.
        waitForSpace(8)
        ring.storeLength(count, at: head)
        head &+= 8
        publish()
        let piece = ring.capacity / 4
        var done = 0
        while done < padded {
            let chunk = min(padded - done, piece)
            waitForSpace(chunk)
            let real = max(0, min(chunk, count - done))
            if real > 0 { ring.copyIn(at: head, from: buffer + done, count: real) }
            head &+= UInt64(chunk)
            done += chunk
            publish()
        }
    }
}

/// The reading side of a ring.
struct RingReader {
    let ring: RingMemory
    var tail: UInt64 = 0
    var cachedHead: UInt64 = 0
    var waiter: RingWaiter
    /// In place: bytes of the message being received still to lend (padded), and the stretch lent.
    var remaining = 0
    var lent = 0
    var inOnePiece = false

    init(_ ring: RingMemory, _ policy: SpinPolicy) {
        self.ring = ring
        self.waiter = RingWaiter(policy)
    }

    @inline(__always)
    mutating func waitForData(_ bytes: Int) {
        if cachedHead &- tail >= UInt64(bytes) { return }
        cachedHead = ring.head.pointee.load(ordering: .acquiring)
        if cachedHead &- tail >= UInt64(bytes) { return }
        let t = tail
        cachedHead = waiter.waitUntil(ring.head, asleepFlag: ring.consumerAsleep) { $0 &- t >= UInt64(bytes) }
    }

    @inline(__always)
    mutating func publish() {
        waiter.publish(tail, to: ring.tail, waking: ring.producerAsleep)
    }

    @inline(__always)
    mutating func receive(into buffer: UnsafeMutableRawPointer, count: Int) throws(IPCError) {
        let padded = (count + 7) & ~7
        waitForData(8)
        let length = ring.loadLength(at: tail)
        guard length == UInt64(count) else {
            throw .messageSize(expected: count, received: Int(truncatingIfNeeded: length))
        }
        if 8 + padded <= ring.capacity {
            waitForData(8 + padded)
            ring.copyOut(at: tail &+ 8, to: buffer, count: count)
            tail &+= UInt64(8 + padded)
            publish()
            return
        }
        tail &+= 8
        publish()
        let piece = ring.capacity / 4
        var done = 0
        while done < padded {
            let chunk = min(padded - done, piece)
            waitForData(chunk)
            let real = max(0, min(chunk, count - done))
            if real > 0 { ring.copyOut(at: tail, to: buffer + done, count: real) }
            tail &+= UInt64(chunk)
            done += chunk
            publish()
        }
    }
}

/// A worker's side of a pair of rings (one per direction). In place, a message that fits in
/// the ring is lent whole (after a skip to the start when it would cross the end); a larger one
/// is lent in stretches of at most a quarter of the ring, as the copying path moves it.
public struct RingEndpoint: InPlaceEndpoint {
    var writer: RingWriter
    var reader: RingReader

    @inline(__always)
    public mutating func send(_ buffer: UnsafeRawPointer, count: Int) throws(IPCError) {
        writer.send(buffer, count: count)
    }

    @inline(__always)
    public mutating func receive(into buffer: UnsafeMutableRawPointer, count: Int) throws(IPCError) {
        try reader.receive(into: buffer, count: count)
    }

    public var futexCalls: UInt64? { writer.waiter.futexCalls &+ reader.waiter.futexCalls }

    @inline(__always)
    public mutating func beginSend(count: Int) throws(IPCError) { writer.beginInPlace(count) }
    @inline(__always)
    public mutating func writable(limit: Int) throws(IPCError) -> UnsafeMutableRawBufferPointer { writer.lend(limit) }
    @inline(__always)
    public mutating func commit(_ bytes: Int) throws(IPCError) { writer.commit() }
    @inline(__always)
    public mutating func beginReceive(count: Int) throws(IPCError) { try reader.beginInPlace(count) }
    @inline(__always)
    public mutating func readable(limit: Int) throws(IPCError) -> UnsafeRawBufferPointer { reader.lend(limit) }
    @inline(__always)
    public mutating func release(_ bytes: Int) throws(IPCError) { reader.release() }
}
