import Glibc

/// The two calls that move one whole message over one kind of kernel channel, blocking or
/// polled (``SpinPolicy/call(_:wouldBlock:_:poll:)``), on the handle of one direction.
public protocol MessageCalls {
    associatedtype Handle
    static func send(_ handle: Handle, _ buffer: UnsafeRawPointer, _ count: Int, _ spin: SpinPolicy) throws(IPCError)
    static func receive(_ handle: Handle, _ buffer: UnsafeMutableRawPointer, _ count: Int, _ spin: SpinPolicy) throws(IPCError)
}

/// A worker's side of a kernel channel with a handle for each direction (the same one for a
/// socket, which is both): pipes, FIFOs, sockets, eventfds, message queues.
public struct DuplexEndpoint<Calls: MessageCalls>: MessageEndpoint {
    let sendHandle: Calls.Handle
    let receiveHandle: Calls.Handle
    let spin: SpinPolicy

    init(send: Calls.Handle, receive: Calls.Handle, spin: SpinPolicy) {
        sendHandle = send
        receiveHandle = receive
        self.spin = spin
    }

    /// `role`'s side of a channel whose `forward` handle carries producer to consumer and
    /// `backward` the echo: the producer sends forward, the consumer backward.
    init(_ role: Role, forward: Calls.Handle, backward: Calls.Handle, spin: SpinPolicy) {
        switch role {
        case .producer: self.init(send: forward, receive: backward, spin: spin)
        case .consumer: self.init(send: backward, receive: forward, spin: spin)
        }
    }

    @inline(__always)
    public mutating func send(_ buffer: UnsafeRawPointer, count: Int) throws(IPCError) {
        try Calls.send(sendHandle, buffer, count, spin)
    }

    @inline(__always)
    public mutating func receive(into buffer: UnsafeMutableRawPointer, count: Int) throws(IPCError) {
        try Calls.receive(receiveHandle, buffer, count, spin)
    }
}

/// A byte stream (pipe, FIFO, stream socket, eventfd): a message may go in several writes and
/// come out in several reads.
public enum StreamCalls: MessageCalls {
    @inline(__always)
    public static func send(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int, _ spin: SpinPolicy) throws(IPCError) {
        #if IPCBENCH_PLANTS
        Planted.streamSend()
        #endif
        try untilWhole(count) { done throws(IPCError) in
            try spin.call("write") { write(fd, buffer + done, count - done) }
        }
    }

    /// End of file before the whole message is the peer gone.
    @inline(__always)
    public static func receive(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int, _ spin: SpinPolicy) throws(IPCError) {
        try untilWhole(count) { done throws(IPCError) in
            let n = try spin.call("read") { read(fd, buffer + done, count - done) }
            if n == 0 { throw .peerClosed }
            return n
        }
    }

    /// Calls `step(done)`, which moves some bytes from offset `done` and says how many, until
    /// `count` have moved.
    @inline(__always)
    static func untilWhole(_ count: Int, _ step: (Int) throws(IPCError) -> Int) throws(IPCError) {
        var done = 0
        while done < count { done += try step(done) }
    }
}

public typealias StreamEndpoint = DuplexEndpoint<StreamCalls>

/// One datagram or sequenced packet per message, of exactly the message's length.
public enum DatagramCalls: MessageCalls {
    @inline(__always)
    public static func send(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int, _ spin: SpinPolicy) throws(IPCError) {
        let sent = try spin.call("send") { Glibc.send(fd, buffer, count, Int32(MSG_NOSIGNAL)) }
        if sent != count { throw .messageSize(expected: count, received: sent) }
    }

    /// MSG_TRUNC makes the kernel report a datagram's real length, so an oversized one is
    /// caught instead of silently cut.
    @inline(__always)
    public static func receive(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int, _ spin: SpinPolicy) throws(IPCError) {
        let got = try spin.call("recv") { recv(fd, buffer, count, Int32(MSG_TRUNC)) }
        if got == 0 && count > 0 { throw .peerClosed }
        if got != count { throw .messageSize(expected: count, received: got) }
    }
}

public typealias DatagramEndpoint = DuplexEndpoint<DatagramCalls>
