import Glibc
import CIPCShim

/// Unpredictable bytes from the kernel (getrandom), for object names and tokens.
enum SecureRandom {
    static func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let n = out.withUnsafeMutableBytes { Int(ipc_getrandom($0.baseAddress! + filled, UInt(count - filled))) }
            if n < 0 {
                precondition(errno == EINTR, "getrandom: \(errnoName(errno))")
                continue
            }
            filled += n
        }
        return out
    }

    /// 32 lowercase hex digits (128 bits).
    static func token() -> String {
        let digits = Array("0123456789abcdef")
        return String(bytes(16).flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
    }
}
