import Glibc

/// A worker's side of a byte stream: one descriptor to write, one to read (may be the same).
public struct StreamEndpoint: MessageEndpoint {
    let sendFD: Int32
    let receiveFD: Int32
    let spin: SpinPolicy

    @inline(__always)
    public mutating func send(_ buffer: UnsafeRawPointer, count: Int) throws(IPCError) {
        try DescriptorIO.writeAll(sendFD, buffer, count, spin)
    }

    @inline(__always)
    public mutating func receive(into buffer: UnsafeMutableRawPointer, count: Int) throws(IPCError) {
        try DescriptorIO.readAll(receiveFD, buffer, count, spin)
    }
}
