import Glibc
import CIPCShim

/// Where a window's system calls were counted (CSV `syscall_source`). Counts, unlike times, do
/// not move with the host's vCPU placement: the same loop makes the same calls.
public enum SyscallSource: String, Sendable, CaseIterable {
    /// perf_event_open on the `raw_syscalls:sys_enter` tracepoint: every system call. futex
    /// calls come from `syscalls:sys_enter_futex` in the same group, for every mechanism.
    case perf
    /// `/proc/self/io`'s `syscr` + `syscw`: read- and write-family calls only (read, readv,
    /// pread, write, writev, sendfile...; not send, recv, futex, poll or sched_yield).
    case procIO = "proc-io"

    /// The number a worker leaves in its report (0: not counted).
    var code: UInt32 { self == .perf ? 1 : 2 }

    init?(code: UInt32) {
        switch code {
        case 1: self = .perf
        case 2: self = .procIO
        default: return nil
        }
    }
}

/// What the user asks for in `IPCBENCH_COUNTERS`: `perf` (the default: perf where it opens,
/// else `/proc/self/io`), `proc-io` (the fallback, forced) or `none` (count nothing).
public enum SyscallCounting: String, Sendable {
    case perf
    case procIO = "proc-io"
    case off = "none"

    public static let environmentVariable = "IPCBENCH_COUNTERS"

    /// The request in the environment; unset, empty or unknown is `perf`.
    public static func fromEnvironment() -> SyscallCounting {
        guard let raw = getenv(environmentVariable) else { return .perf }
        return SyscallCounting(rawValue: String(cString: raw)) ?? .perf
    }
}

/// How this run's workers count system calls, settled by the coordinator before it forks: the
/// source and why, the tracepoint ids (reading a file allocates, so never in a worker), and a
/// private page each worker's copy of `/proc/self/io` is read into.
public final class ExactCounterPlan: @unchecked Sendable {
    /// nil: not counted (`IPCBENCH_COUNTERS=none`, or neither source works here).
    public let source: SyscallSource?
    /// Why this source, in words (`ipcbench doctor` prints it).
    public let reason: String
    let syscallEnterID: UInt64
    let futexEnterID: UInt64
    /// `/proc/self/io` NUL-terminated at 0, its text read at ``textOffset``; nil when not counting.
    let scratch: MemoryRegion?
    static var textOffset: Int { 64 }

    /// Where tracefs shows the tracepoints; the second is debugfs's automount of it.
    static let tracefsFolders = ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"]

    public init(_ counting: SyscallCounting = .fromEnvironment()) {
        scratch = counting == .off ? nil : Self.procIOPage()
        let perf = counting == .perf ? Self.perfTracepoints() : .failure(Failure(text: ""))
        let procIO = scratch.flatMap(ExactCounters.readProcIO) != nil
        switch (counting, perf) {
        case (.off, _):
            (source, reason) = (nil, "not counted: \(SyscallCounting.environmentVariable)=none")
        case let (_, .success(found)):
            (source, reason) = (.perf, "perf: every system call, raw_syscalls:sys_enter (id \(found.enter)) and "
                + "syscalls:sys_enter_futex (id \(found.futex))"
                + (found.mounted ? "; tracefs was not mounted: mounted it at /sys/kernel/tracing" : ""))
        case let (_, .failure(failure)) where procIO:
            let because = counting == .procIO ? "\(SyscallCounting.environmentVariable)=proc-io" : failure.text
            (source, reason) = (.procIO, "proc-io: read- and write-family calls only, /proc/self/io syscr + syscw (\(because))")
        case let (_, .failure(failure)):
            (source, reason) = (nil, "not counted: /proc/self/io cannot be read" + (failure.text.isEmpty ? "" : "; \(failure.text)"))
        }
        let ids = try? perf.get()
        (syscallEnterID, futexEnterID) = (ids?.enter ?? 0, ids?.futex ?? 0)
    }

    /// A private page holding the path, so a worker opens it without making a C string.
    private static func procIOPage() -> MemoryRegion? {
        guard let page = try? MemoryRegion(byteCount: MemoryRegion.pageSize, sharing: .private) else { return nil }
        let path: StaticString = "/proc/self/io"
        page.base.copyMemory(from: path.utf8Start, byteCount: path.utf8CodeUnitCount)
        page.base.storeBytes(of: 0, toByteOffset: path.utf8CodeUnitCount, as: UInt8.self)
        return page
    }

    private struct Failure: Error { let text: String }
    private struct Tracepoints { let enter: UInt64, futex: UInt64, mounted: Bool }

    /// The two tracepoint ids, once a counting group of both opened and read here. tracefs was
    /// not mounted at boot on the VM this was written on: where it is missing and this process
    /// is root, it is mounted at /sys/kernel/tracing, once, and left mounted for later runs.
    private static func perfTracepoints() -> Result<Tracepoints, Failure> {
        func ids() -> (UInt64, UInt64)? {
            for folder in tracefsFolders {
                if let enter = ProcFiles.integer(folder + "/events/raw_syscalls/sys_enter/id"),
                   let futex = ProcFiles.integer(folder + "/events/syscalls/sys_enter_futex/id"), enter > 0, futex > 0 {
                    return (UInt64(enter), UInt64(futex))
                }
            }
            return nil
        }
        var found = ids(), mounted = false
        if found == nil, geteuid() == 0, ProcFiles.read("/sys/kernel/tracing/README") == nil {
            mounted = mount("nodev", "/sys/kernel/tracing", "tracefs", 0, nil) == 0
            found = ids()
        }
        guard let (enter, futex) = found else {
            return .failure(Failure(text: "perf: no tracepoint ids in \(tracefsFolders.joined(separator: " or "))"
                                    + (geteuid() == 0 ? "" : " (tracefs is root's by default)")))
        }
        do throws(IPCError) {
            var counters = try ExactCounters.openGroup(enter, futex)
            defer { counters.closeGroup() }
            guard counters.read() != nil else { return .failure(Failure(text: "perf: the group's read(2) failed")) }
        } catch {
            return .failure(Failure(text: "perf: \(error)"))
        }
        return .success(Tracepoints(enter: enter, futex: futex, mounted: mounted))
    }
}

/// One worker's counters, opened after fork and pinning and before the loop, then read at each
/// edge of the window. Only system calls on memory prepared before the fork.
struct ExactCounters {
    private(set) var source: SyscallSource?
    /// The group's leader (the sys_enter event, read) and its member (futex calls).
    private var group: Int32 = -1
    private var member: Int32 = -1
    private var scratch: UnsafeMutableRawPointer? = nil
    private var scratchBytes = 0

    /// What a read saw: all system calls (perf) or `syscr + syscw` (proc-io) so far, and the
    /// futex calls where perf counts them.
    struct Reading {
        var syscalls: UInt64
        var futexCalls: UInt64?
    }

    /// Computed, not stored: a static's first use takes a lock, and a worker must not.
    static var none: ExactCounters { ExactCounters(source: nil) }

    /// This worker's counters: perf's group where the plan found perf, `/proc/self/io` where it
    /// did not or the group will not open here; each is read once now, so a source that cannot
    /// be read is dropped and the scratch page is this process's before the window.
    static func open(_ plan: ExactCounterPlan) -> ExactCounters {
        guard let source = plan.source else { return .none }
        if source == .perf, let opened = try? openGroup(plan.syscallEnterID, plan.futexEnterID) {
            var counters = opened
            if counters.read() != nil { return counters }
            counters.closeGroup()
        }
        guard let page = plan.scratch, readProcIO(page) != nil else { return .none }
        return ExactCounters(source: .procIO, scratch: page.base, scratchBytes: page.byteCount)
    }

    /// Counters for a timed window: `/proc/self/io` where that is the plan's source (its reads
    /// sit outside the messages and slow nothing), never perf, whose open event slows every
    /// call. Where perf counts, a lone window (fans, lossy mechanisms) is not counted: perf
    /// counts only in a window of its own (``TimedThenCounted``), and `/proc/self/io` would
    /// miss the calls perf sees, so the two would not compare.
    static func openInWindow(_ plan: ExactCounterPlan) -> ExactCounters {
        guard plan.source == .procIO, let page = plan.scratch, readProcIO(page) != nil else { return .none }
        return ExactCounters(source: .procIO, scratch: page.base, scratchBytes: page.byteCount)
    }

    /// A counting group for this process on any CPU: the sys_enter event leads, so one read(2)
    /// of it returns both counts (PERF_FORMAT_GROUP).
    static func openGroup(_ enterID: UInt64, _ futexID: UInt64) throws(IPCError) -> ExactCounters {
        let leader = try sys("perf_event_open") { ipc_perf_tracepoint_open(enterID, -1) }
        do throws(IPCError) {
            let member = try sys("perf_event_open") { ipc_perf_tracepoint_open(futexID, leader) }
            return ExactCounters(source: .perf, group: leader, member: member)
        } catch {
            closeDescriptor(leader)
            throw error
        }
    }

    /// Closes the group (the coordinator's probe, a worker's group that cannot be read; a
    /// worker's own closes with it at `_exit`).
    mutating func closeGroup() {
        closeDescriptor(member)
        closeDescriptor(group)
        (group, member) = (-1, -1)
    }

    /// The counts now: one read(2) of the group, or one open/read/close of `/proc/self/io`.
    /// Either way the read adds one call to the window it edges (perf counts its own read at
    /// the close; `syscr` counts the opening read after its text was made): see ``store``.
    @inline(__always)
    func read() -> Reading? {
        switch source {
        case .perf:
            // PERF_FORMAT_GROUP: { nr, value[nr] }.
            var values: (UInt64, UInt64, UInt64) = (0, 0, 0)
            let n = withUnsafeMutableBytes(of: &values) { Glibc.read(group, $0.baseAddress, $0.count) }
            guard n == MemoryLayout.size(ofValue: values), values.0 == 2 else { return nil }
            return Reading(syscalls: values.1, futexCalls: values.2)
        case .procIO:
            return Self.readProcIO(scratch!, scratchBytes).map { Reading(syscalls: $0, futexCalls: nil) }
        case nil:
            return nil
        }
    }

    /// Writes the window's counts into the report: the difference less the one call the
    /// measurement added; futex calls too where perf counted them (they replace a ring's own).
    @inline(__always)
    func store(_ before: Reading, _ after: Reading, in report: UnsafeMutablePointer<WorkerReport>) {
        guard let source, after.syscalls > before.syscalls else { return }
        report.pointee.syscalls = after.syscalls - before.syscalls - 1
        report.pointee.syscallSource = source.code
        if let start = before.futexCalls, let end = after.futexCalls {
            report.pointee.futexCalls = end &- start
            report.pointee.countsFutexCalls = 1
        }
    }

    /// `syscr + syscw` of this process, read from the page's path into the page: one read(2)
    /// (the file is a few lines), digits parsed by hand.
    static func readProcIO(_ page: MemoryRegion) -> UInt64? { readProcIO(page.base, page.byteCount) }

    @inline(__always)
    static func readProcIO(_ page: UnsafeMutableRawPointer, _ byteCount: Int) -> UInt64? {
        let fd = Glibc.open(page.assumingMemoryBound(to: CChar.self), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        let text = page + ExactCounterPlan.textOffset
        let n = Glibc.read(fd, text, byteCount - ExactCounterPlan.textOffset)
        closeDescriptor(fd)
        guard n > 0 else { return nil }
        return readAndWriteCalls(in: UnsafeRawBufferPointer(start: text, count: n))
    }

    /// `syscr` plus `syscw` from `/proc/PID/io`'s text (`syscr: 12\nsyscw: 3\n`...), nil when
    /// either is missing. No allocation: a worker parses its own.
    static func readAndWriteCalls(in text: UnsafeRawBufferPointer) -> UInt64? {
        var reads: UInt64? = nil, writes: UInt64? = nil
        var i = 0
        // Each line: a name, ": ", digits. Only "syscr" and "syscw" are read.
        while i < text.count {
            let lineStart = i
            while i < text.count && text[i] != UInt8(ascii: ":") && text[i] != UInt8(ascii: "\n") { i += 1 }
            let nameLength = i - lineStart
            var value: UInt64? = nil
            if i < text.count && text[i] == UInt8(ascii: ":") {
                i += 1
                while i < text.count && text[i] == UInt8(ascii: " ") { i += 1 }
                var number: UInt64 = 0, digits = 0
                while i < text.count, text[i] >= UInt8(ascii: "0"), text[i] <= UInt8(ascii: "9") {
                    number = number &* 10 &+ UInt64(text[i] - UInt8(ascii: "0"))
                    digits += 1
                    i += 1
                }
                if digits > 0 { value = number }
            }
            if nameLength == 5, text[lineStart] == UInt8(ascii: "s"), text[lineStart + 1] == UInt8(ascii: "y"),
               text[lineStart + 2] == UInt8(ascii: "s"), text[lineStart + 3] == UInt8(ascii: "c") {
                if text[lineStart + 4] == UInt8(ascii: "r") { reads = value }
                if text[lineStart + 4] == UInt8(ascii: "w") { writes = value }
            }
            while i < text.count && text[i] != UInt8(ascii: "\n") { i += 1 }
            i += 1
        }
        guard let reads, let writes else { return nil }
        return reads &+ writes
    }
}
