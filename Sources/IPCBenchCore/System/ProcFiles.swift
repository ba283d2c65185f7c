import Glibc

/// Reads small text files such as `/proc/sys/fs/mqueue/msg_max` without Foundation.
public enum ProcFiles {
    /// This program's real path (the kernel's `/proc/self/exe` link: symbolic links already
    /// resolved), or nil where /proc is not mounted.
    public static func executablePath() -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, 4095)
        guard n > 0 else { return nil }
        return String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The file's text, at most `limit` bytes; nil when it cannot be read or is not a regular
    /// file (errno EINVAL then): a FIFO given as a result file or suite would otherwise block
    /// the open or the read forever, and a device could be read without end.
    public static func read(_ path: String, limit: Int = 1 << 20) -> String? {
        // O_NONBLOCK: opening a FIFO for reading returns at once instead of waiting for a writer.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return nil }
        defer { closeDescriptor(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return nil }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            errno = EINVAL
            return nil
        }
        var bytes = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count < limit {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, 4096) }
            if n < 0 { if errno == EINTR { continue }; return nil }
            if n == 0 { break }
            bytes.append(contentsOf: chunk.prefix(n))
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    public static func integer(_ path: String) -> Int? {
        guard let text = read(path) else { return nil }
        return Int(text.trimmingCharacters(in: " \n\t"))
    }

    /// A field of /proc/meminfo (`MemAvailable`) in bytes, or nil.
    public static func memoryInfoBytes(_ field: String) -> Int? {
        guard let text = read("/proc/meminfo") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            guard let kib = line.dropFirst(field.count + 1).split(separator: " ").first.flatMap({ Int($0) }) else { return nil }
            return kib * 1024
        }
        return nil
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return String(s)
    }
}
