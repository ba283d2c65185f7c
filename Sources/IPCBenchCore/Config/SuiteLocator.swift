import Glibc

/// Finds `NAME.suite` in the package's own `Benchmarks/suites/`, and nowhere else: the package
/// is found from the executable's real path (`<package>/.build/<triple>/<config>/ipcbench`, a
/// folder with `Package.swift` and `Benchmarks/suites`). Neither the working folder nor the
/// folders above a copied binary (`/tmp`) are searched: anyone who can write there could plant
/// a `default.suite` that replaces the real one. Any other file is named by its path.
public enum SuiteLocator {
    public enum LookupError: Error, CustomStringConvertible {
        case notFound(String, searched: [String])
        case unreadable(String, Int32)
        case notARegularFile(String)
        case invalid(String, Suite.ParseError)

        public var description: String {
            switch self {
            case let .notFound(name, searched) where searched.isEmpty:
                return "suite '\(name)' not found: this ipcbench is not inside its package (<package>/.build/…), "
                    + "so only a path to a .suite file can name a suite"
            case let .notFound(name, searched):
                return "suite '\(name)' not found (looked in \(searched.joined(separator: ", ")))"
            case let .unreadable(path, code): return "cannot read suite file \(path): \(errnoName(code)) (\(errnoText(code)))"
            case let .invalid(path, error): return "\(path): \(error)"
            case let .notARegularFile(path): return "suite \(path) is not a regular file"
            }
        }
    }

    /// The package's `Benchmarks/suites`, or nil when this executable is not under a package's
    /// `.build` folder (an installed or copied binary).
    public static func packageSuitesFolder() -> String? {
        guard let exe = ProcFiles.executablePath() else { return nil }
        let parts = exe.split(separator: "/", omittingEmptySubsequences: false)
        guard let build = parts.lastIndex(of: ".build"), build > 0 else { return nil }
        let root = parts[..<build].joined(separator: "/")
        let folder = "\(root)/Benchmarks/suites"
        var info = stat()
        guard stat("\(root)/Package.swift", &info) == 0, (info.st_mode & S_IFMT) == S_IFREG,
              stat(folder, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else { return nil }
        return folder
    }

    /// Where suite names are looked up: the package's folder, if there is one.
    public static func searchFolders() -> [String] {
        packageSuitesFolder().map { [$0] } ?? []
    }

    /// `name` is a suite name (`quick`) or a path to a file (anything with a `/` or ending in
    /// `.suite`). The suite remembers the file it came from (``Suite/path``).
    public static func load(_ name: String) throws(LookupError) -> Suite {
        let isPath = name.contains("/") || name.hasSuffix(".suite")
        if name == "default" { return try! Suite.parse(builtInDefault, name: "default (built-in)") }
        let candidates = isPath ? [name] : searchFolders().map { "\($0)/\(name).suite" }
        for path in candidates where access(path, F_OK) == 0 {
            var info = stat()
            // A FIFO would block the open forever, a device read without end.
            guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { throw .notARegularFile(path) }
            guard let text = ProcFiles.read(path, limit: (1 << 20) + 1) else { throw .unreadable(path, errno) }
            let suiteName = isPath ? String(path.split(separator: "/").last ?? "suite").replacingSuffix(".suite") : name
            do {
                var suite = try Suite.parse(text, name: suiteName)
                suite.path = path
                return suite
            } catch {
                throw .invalid(path, error)
            }
        }
        throw .notFound(name, searched: isPath ? [name] : searchFolders())
    }

    /// What a bare `ipcbench` runs (`--suite default`): the only definition of the default
    /// suite. It names families, not mechanisms, so a new mechanism joins it by being
    /// registered; each runs only where it can (``Sweep/fitted``).
    public static let builtInDefault = """
        # default: every mechanism at 64 B, 4 KiB and 64 KiB, in both modes, both waits and,
        # where the channel can lend its memory, both copy modes; each only where it can run
        # (eventfd, signal and futex carry 8 bytes, latency only), with the two ceilings every
        # row is read against: memcpy (throughput) and cacheline (latency).
        repetitions = 3
        modes = latency, throughput
        sizes = 64, 4K, 64K
        waits = block, spin
        copy = copy, zero
        messages.latency = 2000
        [all]
        mechanisms = all
        """

    /// The suite names in the package's folder.
    public static func available() -> [String] {
        for folder in searchFolders() {
            guard let dir = opendir(folder) else { continue }
            defer { closedir(dir) }
            var names: [String] = []
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) {
                    String(cString: $0.baseAddress!.assumingMemoryBound(to: CChar.self))
                }
                if name.hasSuffix(".suite") { names.append(name.replacingSuffix(".suite")) }
            }
            return (["default"] + names).sorted()
        }
        return ["default"]
    }
}

extension String {
    func replacingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
