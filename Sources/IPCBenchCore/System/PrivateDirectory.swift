import Glibc

/// A folder only this user can enter (mkdtemp, 0700), for FIFOs and mapped files. Objects
/// created in it are unlinked as soon as both workers hold them; `remove()` clears the rest.
public final class PrivateDirectory {
    public let path: String
    private var removed = false

    public init(prefix: String = "ipcbench") throws(IPCError) {
        let base = PrivateDirectory.temporaryBase()
        var template = Array("\(base)/\(prefix).XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard made != nil else { throw .system(call: "mkdtemp", errno: errno) }
        path = String(cString: template.withUnsafeBufferPointer { $0.baseAddress! })
    }

    /// `$TMPDIR` when it names a folder, else `/tmp`.
    public static func temporaryBase() -> String {
        if let env = getenv("TMPDIR") {
            let candidate = String(cString: env)
            var info = stat()
            if !candidate.isEmpty, stat(candidate, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
                return candidate.hasSuffix("/") && candidate.count > 1 ? String(candidate.dropLast()) : candidate
            }
        }
        return "/tmp"
    }

    /// A fresh, unpredictable path inside the folder (nothing is created).
    public func uniquePath(_ stem: String) -> String {
        "\(path)/\(stem)-\(SecureRandom.token().prefix(16))"
    }

    /// Removes every entry and the folder itself; safe to call more than once.
    public func remove() {
        guard !removed else { return }
        removed = true
        removeFolder(path)
    }

    deinit { remove() }
}
