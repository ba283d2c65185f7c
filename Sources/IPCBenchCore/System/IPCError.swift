import Glibc
import CIPCShim

/// Everything that can go wrong while moving or checking a message, and while setting a run up.
///
/// It is a plain value with no heap storage, so a forked worker can throw and report it without
/// allocating (the workers use typed throws).
public enum IPCError: Error, CustomStringConvertible, Sendable {
    /// A system call failed; `call` names it (`msgsnd`), `errno` says why.
    case system(call: StaticString, errno: Int32)
    /// A message arrived out of order, twice, or after a lost one.
    case sequenceMismatch(expected: UInt64, received: UInt64)
    /// With `--verify`: a byte of the payload differs from what the sender wrote.
    case payloadCorrupt(sequence: UInt64, offset: Int)
    /// A datagram or queue message had another length than the payload size.
    case messageSize(expected: Int, received: Int)
    /// The other side closed its end before the run was over.
    case peerClosed
    /// A lossy mechanism (`udp`) waited too long for a datagram that is not coming.
    case timedOut
    /// A limit of the machine or the mechanism that the scenario cannot fit in.
    case unsupported(StaticString)

    public var description: String {
        switch self {
        case let .system(call, errno):
            return "\(call): \(errnoName(errno)) (\(errnoText(errno)))"
        case let .sequenceMismatch(expected, received):
            return "sequence broken: expected message \(expected), received \(received)"
                + (received < expected ? " (duplicate or reordered)" : " (lost or reordered)")
        case let .payloadCorrupt(sequence, offset):
            return "payload corrupt: message \(sequence) differs at byte \(offset)"
        case let .messageSize(expected, received):
            return "message size: expected \(expected) bytes, received \(received)"
        case .peerClosed:
            return "peer closed the channel early"
        case .timedOut:
            return "no datagram arrived in time"
        case let .unsupported(why):
            return "\(why)"
        }
    }
}

/// `EINVAL`, `EAGAIN`, …: the symbolic name of an errno value.
public func errnoName(_ code: Int32) -> String {
    String(cString: ipc_errno_name(code))
}

/// The C library's text for an errno value.
public func errnoText(_ code: Int32) -> String {
    String(cString: strerror(code))
}
