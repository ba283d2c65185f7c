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

/// One side of a ring, the producer's or the consumer's: where it is (``RingCursor``) and, in
/// place, the message it is lending. The two sides frame a message the same way, so the
/// streaming of a message larger than the ring and the lending of stretches are written once.
struct RingSide {
    let ring: RingMemory
    var cursor: RingCursor
    /// In place: bytes of the message being moved still to lend (padded), and the stretch lent.
    var remaining = 0
    var lent = 0
    var inOnePiece = false

    static func producer(_ ring: RingMemory, _ policy: SpinPolicy) -> RingSide {
        RingSide(ring: ring, cursor: .producer(ring, capacity: ring.capacity, policy))
    }

    static func consumer(_ ring: RingMemory, _ policy: SpinPolicy) -> RingSide {
        RingSide(ring: ring, cursor: .consumer(ring, policy))
    }

    /// Bytes from this side's index to the end of the data area.
    @inline(__always)
    var bytesToEnd: Int { ring.capacity - (Int(truncatingIfNeeded: cursor.position) & ring.mask) }

    /// Moves the `padded` payload bytes of a message larger than the ring (its header already
    /// passed) in stretches of at most a quarter of the ring, each published when done, so the
    /// other side works on one while this side does the next. `move(index, offset, bytes)`
    /// copies the stretch's real bytes (the padding at the end is not copied).
    @inline(__always)
    mutating func stream(padded: Int, count: Int, _ move: (UInt64, Int, Int) -> Void) {
        let piece = ring.capacity / 4
        var done = 0
        while done < padded {
            let chunk = min(padded - done, piece)
            cursor.wait(for: chunk)
            let real = max(0, min(chunk, count - done))
            if real > 0 { move(cursor.position, done, real) }
            done += chunk
            cursor.advance(by: chunk)
        }
    }

    /// Producer: sends a copy of `count` bytes. A message that fits goes whole, header and
    /// payload published at once; a larger one is the header, then ``stream(padded:count:_:)``.
    @inline(__always)
    mutating func send(_ buffer: UnsafeRawPointer, count: Int) {
        let padded = (count + 7) & ~7
        if 8 + padded <= ring.capacity {
            cursor.wait(for: 8 + padded)
            ring.storeLength(count, at: cursor.position)
            ring.copyIn(at: cursor.position &+ 8, from: buffer, count: count)
            cursor.advance(by: 8 + padded)
            return
        }
        cursor.wait(for: 8)
        ring.storeLength(count, at: cursor.position)
        cursor.advance(by: 8)
        let ring = ring
        stream(padded: padded, count: count) { index, offset, bytes in
            ring.copyIn(at: index, from: buffer + offset, count: bytes)
        }
    }

    /// Consumer: receives a copy of a message that must be `count` bytes long.
    @inline(__always)
    mutating func receive(into buffer: UnsafeMutableRawPointer, count: Int) throws(IPCError) {
        let padded = (count + 7) & ~7
        cursor.wait(for: 8)
        let length = ring.loadLength(at: cursor.position)
        guard length == UInt64(count) else {
            throw .messageSize(expected: count, received: Int(truncatingIfNeeded: length))
        }
        if 8 + padded <= ring.capacity {
            cursor.wait(for: 8 + padded)
            ring.copyOut(at: cursor.position &+ 8, to: buffer, count: count)
            cursor.advance(by: 8 + padded)
            return
        }
        cursor.advance(by: 8)
        let ring = ring
        stream(padded: padded, count: count) { index, offset, bytes in
            ring.copyOut(at: index, to: buffer + offset, count: bytes)
        }
    }
}

/// A worker's side of a pair of rings (one per direction). In place, a message that fits in
/// the ring is lent whole (after a skip to the start when it would cross the end); a larger one
/// is lent in stretches of at most a quarter of the ring, as the copying path moves it.
public struct RingEndpoint: InPlaceEndpoint {
    var outbound: RingSide
    var inbound: RingSide

    @inline(__always)
    public mutating func send(_ buffer: UnsafeRawPointer, count: Int) throws(IPCError) {
        #if IPCBENCH_PLANTS
        outbound.send(buffer, count: Planted.ringSend(count, buffer))
        #else
        outbound.send(buffer, count: count)
        #endif
    }

    @inline(__always)
    public mutating func receive(into buffer: UnsafeMutableRawPointer, count: Int) throws(IPCError) {
        try inbound.receive(into: buffer, count: count)
        #if IPCBENCH_PLANTS
        Planted.ringReceived(count, buffer)
        #endif
    }

    public var futexCalls: UInt64? { outbound.cursor.waiter.futexCalls &+ inbound.cursor.waiter.futexCalls }

    @inline(__always)
    public mutating func beginSend(count: Int) throws(IPCError) { outbound.beginSendInPlace(count) }
    @inline(__always)
    public mutating func writable(limit: Int) throws(IPCError) -> UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(outbound.lend(limit))
    }
    @inline(__always)
    public mutating func commit(_ bytes: Int) throws(IPCError) { outbound.finishStretch() }
    @inline(__always)
    public mutating func beginReceive(count: Int) throws(IPCError) { try inbound.beginReceiveInPlace(count) }
    @inline(__always)
    public mutating func readable(limit: Int) throws(IPCError) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(inbound.lend(limit))
    }
    @inline(__always)
    public mutating func release(_ bytes: Int) throws(IPCError) { inbound.finishStretch() }
}
