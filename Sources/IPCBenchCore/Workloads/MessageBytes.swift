/// The bytes of an in-place message, written and checked one lent stretch at a time.
///
/// A stretch covers message bytes `offset ..< offset + count`; every stretch but a message's
/// last starts and ends on a multiple of 8, and the first holds the sequence number and the
/// send time (``Framing``). Without `--verify` every other byte is one value derived from the
/// sequence number (a fill at memset speed, checked at memory speed); with it, the same
/// word pattern the copying path uses.
enum MessageBytes {
    /// The byte that fills a message without `--verify`.
    @inline(__always)
    static func fillByte(_ sequence: UInt64) -> UInt8 {
        UInt8(truncatingIfNeeded: sequence &* 0x9E37_79B9_7F4A_7C15 >> 56) | 1
    }

    /// Writes every byte of the stretch.
    @inline(__always)
    static func fill(
        _ stretch: UnsafeMutableRawBufferPointer, at offset: Int, sequence: UInt64, sentAt: UInt64?,
        plan: WorkloadPlan
    ) {
        let base = stretch.baseAddress!
        let count = stretch.count
        let size = plan.payloadBytes
        if plan.verify {
            let header = 8 * plan.patternWord
            let from = max(offset, header)
            if from < offset + count {
                let words = size / 8
                var w = from / 8
                while w < words && 8 * w < offset + count {
                    (base + (8 * w - offset)).storeBytes(of: Framing.patternWord(sequence, w), as: UInt64.self)
                    w += 1
                }
                if 8 * words < offset + count && 8 * words >= from {
                    var tail = Framing.patternWord(sequence, words)
                    withUnsafeBytes(of: &tail) {
                        (base + (8 * words - offset)).copyMemory(from: $0.baseAddress!, byteCount: size - 8 * words)
                    }
                }
            }
        } else {
            base.initializeMemory(as: UInt8.self, repeating: fillByte(sequence), count: count)
        }
        if offset == 0 {
            Framing.stamp(sequence, into: base, size: size)
            if let sentAt, size >= 16 { Framing.stampTime(sentAt, into: base) }
        }
    }

    /// The message offset of the first byte in the stretch that is not what `sequence` says,
    /// or nil. The sequence number and the send time are checked by the caller.
    @inline(__always)
    static func firstMismatch(
        _ stretch: UnsafeRawBufferPointer, at offset: Int, sequence: UInt64, plan: WorkloadPlan
    ) -> Int? {
        let base = stretch.baseAddress!
        let header = plan.verify ? 8 * plan.patternWord : (plan.carriesTimestamp ? 16 : 8)
        let from = max(offset, header)
        let end = offset + stretch.count
        guard from < end else { return nil }
        if plan.verify {
            let size = plan.payloadBytes
            let words = size / 8
            var w = from / 8
            while w < words && 8 * w < end {
                if (base + (8 * w - offset)).loadUnaligned(as: UInt64.self) != Framing.patternWord(sequence, w) {
                    return firstDifferingByte(base, offset, from: 8 * w, to: min(end, 8 * w + 8), sequence, plan)
                }
                w += 1
            }
            if 8 * words < end && 8 * words >= from {
                return firstDifferingByte(base, offset, from: 8 * words, to: end, sequence, plan)
            }
            return nil
        }
        // Every byte is read: an OR of 64-byte vectors against the expected one (as fast as the
        // memory delivers them), then whole words and bytes at the ends.
        let byte = fillByte(sequence)
        let word = UInt64(byte) &* 0x0101_0101_0101_0101
        var differs: UInt64 = 0
        var i = from
        while i < end && i & 7 != 0 {
            differs |= UInt64(base.load(fromByteOffset: i - offset, as: UInt8.self) ^ byte)
            i += 1
        }
        let p = base + (i - offset)
        let vectors = (end - i) / 64
        let expected = SIMD8<UInt64>(repeating: word)
        var lanes = SIMD8<UInt64>(repeating: 0)
        for k in 0..<vectors { lanes |= p.loadUnaligned(fromByteOffset: 64 * k, as: SIMD8<UInt64>.self) ^ expected }
        for lane in 0..<8 { differs |= lanes[lane] }
        i += 64 * vectors
        let wordsEnd = i + (end - i) / 8 * 8
        let q = base + (i - offset)
        for k in 0..<((wordsEnd - i) / 8) { differs |= q.loadUnaligned(fromByteOffset: 8 * k, as: UInt64.self) ^ word }
        i = wordsEnd
        while i < end {
            differs |= UInt64(base.load(fromByteOffset: i - offset, as: UInt8.self) ^ byte)
            i += 1
        }
        if differs == 0 { return nil }
        for j in from..<end where base.load(fromByteOffset: j - offset, as: UInt8.self) != byte { return j }
        return nil
    }

    private static func firstDifferingByte(
        _ base: UnsafeRawPointer, _ offset: Int, from: Int, to: Int, _ sequence: UInt64, _ plan: WorkloadPlan
    ) -> Int? {
        for j in from..<to {
            var word = Framing.patternWord(sequence, j / 8)
            let expected = withUnsafeBytes(of: &word) { $0[j % 8] }
            if base.load(fromByteOffset: j - offset, as: UInt8.self) != expected { return j }
        }
        return nil
    }
}
