/// The ring's in-place side (`--copy zero`): the same layout, indices and wake-ups as the
/// copying side, but the payload is written and read where it lies in the data area.
///
/// A message that fits (header and payload at most the capacity) is lent as one stretch; when
/// it would cross the end of the data area, a ``RingLayout/skipToStart`` header pads the rest
/// and the message starts at offset 0. A larger message is a header, then stretches of at most
/// a quarter of the ring, each cut at the end of the data area, published one by one so the
/// consumer reads one while the producer fills the next.
extension RingWriter {
    /// Bytes from `index` to the end of the data area.
    @inline(__always)
    private func bytesToEnd(_ index: UInt64) -> Int { ring.capacity - (Int(truncatingIfNeeded: index) & ring.mask) }

    /// Pads to the start of the data area when fewer than `needed` bytes are left before its end.
    @inline(__always)
    private mutating func skipIfShort(_ needed: Int) {
        let left = bytesToEnd(head)
        guard left < needed else { return }
        waitForSpace(left)
        ring.storeHeader(RingLayout.skipToStart, at: head)
        head &+= UInt64(left)
    }

    @inline(__always)
    mutating func beginInPlace(_ count: Int) {
        let padded = (count + 7) & ~7
        inOnePiece = 8 + padded <= ring.capacity
        if inOnePiece {
            skipIfShort(8 + padded)
            waitForSpace(8 + padded)
            ring.storeLength(count, at: head)
            remaining = padded
            return
        }
        // The header, and at least 16 payload bytes before the end (sequence and send time).
        skipIfShort(24)
        waitForSpace(8)
        ring.storeLength(count, at: head)
        head &+= 8
        publish()
        remaining = padded
    }

    @inline(__always)
    mutating func lend(_ limit: Int) -> UnsafeMutableRawBufferPointer {
        if inOnePiece {
            lent = remaining
            let start = ring.data + (Int(truncatingIfNeeded: head &+ 8) & ring.mask)
            return UnsafeMutableRawBufferPointer(start: start, count: min(limit, remaining))
        }
        lent = min(remaining, ring.capacity / 4, bytesToEnd(head))
        waitForSpace(lent)
        let start = ring.data + (Int(truncatingIfNeeded: head) & ring.mask)
        return UnsafeMutableRawBufferPointer(start: start, count: min(limit, lent))
    }

    @inline(__always)
    mutating func commit() {
        head &+= UInt64(inOnePiece ? 8 + lent : lent)
        remaining -= lent
        publish()
    }
}

extension RingReader {
    @inline(__always)
    private func bytesToEnd(_ index: UInt64) -> Int { ring.capacity - (Int(truncatingIfNeeded: index) & ring.mask) }

    @inline(__always)
    mutating func beginInPlace(_ count: Int) throws(IPCError) {
        var length: UInt64
        while true {
            waitForData(8)
            length = ring.loadLength(at: tail)
            guard length == RingLayout.skipToStart else { break }
            tail &+= UInt64(bytesToEnd(tail))
            publish()
        }
        guard length == UInt64(count) else {
            throw .messageSize(expected: count, received: Int(truncatingIfNeeded: length))
        }
        let padded = (count + 7) & ~7
        inOnePiece = 8 + padded <= ring.capacity
        remaining = padded
        if inOnePiece {
            waitForData(8 + padded)
        } else {
            tail &+= 8
            publish()
        }
    }

    @inline(__always)
    mutating func lend(_ limit: Int) -> UnsafeRawBufferPointer {
        if inOnePiece {
            lent = remaining
            let start = ring.data + (Int(truncatingIfNeeded: tail &+ 8) & ring.mask)
            return UnsafeRawBufferPointer(start: start, count: min(limit, remaining))
        }
        lent = min(remaining, ring.capacity / 4, bytesToEnd(tail))
        waitForData(lent)
        let start = ring.data + (Int(truncatingIfNeeded: tail) & ring.mask)
        return UnsafeRawBufferPointer(start: start, count: min(limit, lent))
    }

    @inline(__always)
    mutating func release() {
        tail &+= UInt64(inOnePiece ? 8 + lent : lent)
        remaining -= lent
        publish()
    }
}
