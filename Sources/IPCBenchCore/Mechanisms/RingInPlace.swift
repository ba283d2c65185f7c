/// The ring's in-place side (`--copy zero`): the same layout, indices and wake-ups as the
/// copying side, but the payload is written and read where it lies in the data area.
///
/// A message that fits (header and payload at most the capacity) is lent as one stretch; when
/// it would cross the end of the data area, a ``RingLayout/skipToStart`` header pads the rest
/// and the message starts at offset 0. A larger message is a header, then stretches of at most
/// a quarter of the ring, each cut at the end of the data area, published one by one so the
/// consumer reads one while the producer fills the next.
extension RingSide {
    /// Producer: pads to the start of the data area when fewer than `needed` bytes are left
    /// before its end (published with the message that follows).
    @inline(__always)
    private mutating func skipIfShort(_ needed: Int) {
        let left = bytesToEnd
        guard left < needed else { return }
        cursor.wait(for: left)
        ring.storeHeader(RingLayout.skipToStart, at: cursor.position)
        cursor.position &+= UInt64(left)
    }

    @inline(__always)
    mutating func beginSendInPlace(_ count: Int) {
        let padded = (count + 7) & ~7
        inOnePiece = 8 + padded <= ring.capacity
        remaining = padded
        if inOnePiece {
            skipIfShort(8 + padded)
            cursor.wait(for: 8 + padded)
            ring.storeLength(count, at: cursor.position)
            return
        }
        // The header, and at least 16 payload bytes before the end (sequence and send time).
        skipIfShort(24)
        cursor.wait(for: 8)
        ring.storeLength(count, at: cursor.position)
        cursor.advance(by: 8)
    }

    /// Consumer: passes skip headers, checks the length, and waits for a message that fits to
    /// be there whole.
    @inline(__always)
    mutating func beginReceiveInPlace(_ count: Int) throws(IPCError) {
        var length: UInt64
        while true {
            cursor.wait(for: 8)
            length = ring.loadLength(at: cursor.position)
            guard length == RingLayout.skipToStart else { break }
            cursor.advance(by: bytesToEnd)
        }
        guard length == UInt64(count) else {
            throw .messageSize(expected: count, received: Int(truncatingIfNeeded: length))
        }
        let padded = (count + 7) & ~7
        inOnePiece = 8 + padded <= ring.capacity
        remaining = padded
        if inOnePiece {
            cursor.wait(for: 8 + padded)
        } else {
            cursor.advance(by: 8)
        }
    }

    /// The next stretch of the message, at most `limit` bytes of it: the whole payload after
    /// the header, or the next piece up to a quarter of the ring or the end of the data area.
    @inline(__always)
    mutating func lend(_ limit: Int) -> UnsafeMutableRawBufferPointer {
        if inOnePiece {
            lent = remaining
            let start = ring.data + (Int(truncatingIfNeeded: cursor.position &+ 8) & ring.mask)
            return UnsafeMutableRawBufferPointer(start: start, count: min(limit, remaining))
        }
        lent = min(remaining, ring.capacity / 4, bytesToEnd)
        cursor.wait(for: lent)
        let start = ring.data + (Int(truncatingIfNeeded: cursor.position) & ring.mask)
        return UnsafeMutableRawBufferPointer(start: start, count: min(limit, lent))
    }

    /// Publishes the stretch lent (and the header with it, for a message in one piece).
    @inline(__always)
    mutating func finishStretch() {
        remaining -= lent
        cursor.advance(by: inOnePiece ? 8 + lent : lent)
    }
}
