/// How a payload carries its integrity check. The first min(8, size) bytes hold the sequence
/// number (little-endian, truncated below 8 bytes); when one-way times are measured, bytes 8..<16
/// hold the sender's CLOCK_MONOTONIC stamp; with `--verify` the rest is a pattern derived from
/// the sequence number, which the receiver recomputes and compares byte for byte.
public enum Framing {
    @inline(__always)
    public static func stamp(_ sequence: UInt64, into buffer: UnsafeMutableRawPointer, size: Int) {
        if size >= 8 {
            buffer.storeBytes(of: sequence.littleEndian, as: UInt64.self)
        } else {
            var s = sequence.littleEndian
            withUnsafeBytes(of: &s) { buffer.copyMemory(from: $0.baseAddress!, byteCount: size) }
        }
    }

    @inline(__always)
    public static func sequence(in buffer: UnsafeRawPointer, size: Int) -> UInt64 {
        if size >= 8 { return UInt64(littleEndian: buffer.loadUnaligned(as: UInt64.self)) }
        var s: UInt64 = 0
        withUnsafeMutableBytes(of: &s) { $0.baseAddress!.copyMemory(from: buffer, byteCount: size) }
        return UInt64(littleEndian: s)
    }

    /// What the receiver should find for `sequence` in a payload of `size` bytes.
    @inline(__always)
    public static func expected(_ sequence: UInt64, size: Int) -> UInt64 {
        size >= 8 ? sequence : sequence & ((1 << UInt64(8 * size)) &- 1)
    }

    @inline(__always)
    static func patternWord(_ sequence: UInt64, _ word: Int) -> UInt64 {
        var x = sequence &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(truncatingIfNeeded: word) &* 0xBF58_476D_1CE4_E5B9
        x ^= x >> 29
        return x
    }

    /// Writes the send time (ns) after the sequence number; the payload has at least 16 bytes.
    @inline(__always)
    public static func stampTime(_ ns: UInt64, into buffer: UnsafeMutableRawPointer) {
        (buffer + 8).storeBytes(of: ns.littleEndian, as: UInt64.self)
    }

    @inline(__always)
    public static func time(in buffer: UnsafeRawPointer) -> UInt64 {
        UInt64(littleEndian: (buffer + 8).loadUnaligned(as: UInt64.self))
    }

    /// Writes the verification pattern from 8-byte word `firstWord` on (1 after the sequence
    /// number, 2 when a timestamp follows it).
    public static func fillPattern(_ sequence: UInt64, into buffer: UnsafeMutableRawPointer, size: Int, firstWord: Int = 1) {
        guard size > 8 * firstWord else { return }
        let words = size / 8
        for w in min(firstWord, words)..<words {
            (buffer + 8 * w).storeBytes(of: patternWord(sequence, w), as: UInt64.self)
        }
        var tail = patternWord(sequence, words)
        let tailBytes = size - 8 * words
        if tailBytes > 0 {
            withUnsafeBytes(of: &tail) { (buffer + 8 * words).copyMemory(from: $0.baseAddress!, byteCount: tailBytes) }
        }
    }

    /// The first byte offset where the pattern for `sequence` is not found, or nil.
    public static func firstCorruptOffset(_ sequence: UInt64, in buffer: UnsafeRawPointer, size: Int, firstWord: Int = 1) -> Int? {
        guard size > 8 * firstWord else { return nil }
        let words = size / 8
        for w in min(firstWord, words)..<words where (buffer + 8 * w).loadUnaligned(as: UInt64.self) != patternWord(sequence, w) {
            return firstDifferingByte(at: 8 * w, buffer, patternWord(sequence, w), 8)
        }
        let tailBytes = size - 8 * words
        if tailBytes > 0 {
            return firstDifferingByte(at: 8 * words, buffer, patternWord(sequence, words), tailBytes)
        }
        return nil
    }

    private static func firstDifferingByte(at offset: Int, _ buffer: UnsafeRawPointer, _ word: UInt64, _ count: Int) -> Int? {
        var w = word
        return withUnsafeBytes(of: &w) { expected in
            for i in 0..<count where buffer.load(fromByteOffset: offset + i, as: UInt8.self) != expected[i] {
                return offset + i
            }
            return nil
        }
    }
}
