import Glibc
import CIPCShim
import Synchronization

/// Runs scenarios: forks a fresh producer/consumer pair per pair and repetition, pins them,
/// releases them together, watches them with a deadline, reaps them and removes every object.
///
/// The coordinator must not have started threads before it forks (the workers then run only
/// system calls on memory mapped before the fork), and it never sits on the measured CPUs: it
/// sleeps in poll(2) on the workers' pidfds until they exit.
public final class Coordinator {
    public let limits: MachineLimits
    public let directory: PrivateDirectory
    public var timeoutSeconds: Double
    public let interrupts: InterruptSignals?
    private let cpus: [Int32]
    /// Cleans up if this process is killed; forked before the first worker.
    private var janitor: Janitor?

    deinit { janitor?.finish() }

    public init(
        limits: MachineLimits = .current(), directory: PrivateDirectory,
        timeoutSeconds: Double = 60, interrupts: InterruptSignals? = nil
    ) {
        self.limits = limits
        self.directory = directory
        self.timeoutSeconds = timeoutSeconds
        self.interrupts = interrupts
        self.cpus = CPUSet.allowed()
    }

    /// Why the scenario cannot run here, or nil.
    public func skipReason(_ scenario: Scenario) -> String? {
        guard let type = MechanismRegistry.named(scenario.mechanism) else {
            return "unknown mechanism \(scenario.mechanism)"
        }
        if let why = type.limitation(scenario, limits: limits) {
            return why
        }
        if !type.modes.contains(scenario.mode) {
            return "\(type.name) runs only in \(type.modes.map(\.rawValue).joined(separator: ", ")) mode"
        }
        if scenario.carriesTimestamp && scenario.payloadBytes < 16 {
            return "one-way times need 16-byte payloads (sequence number and send time)"
        }
        if scenario.placement == .crossCore && cpus.count < 2 {
            return "cross-core needs two CPUs; this process may use \(cpus.count)"
        }
        return nil
    }

    /// The CPU a worker is pinned to, or nil when unpinned.
    func cpu(pair: Int, role: Role, placement: Placement) -> Int32? {
        guard !cpus.isEmpty else { return nil }
        switch placement {
        case .unpinned: return nil
        case .sameCore: return cpus[pair % cpus.count]
        case .crossCore: return cpus[(2 * pair + (role == .producer ? 0 : 1)) % cpus.count]
        }
    }

    public func run(_ scenario: Scenario, repetition: Int) -> RepetitionResult {
        if let why = skipReason(scenario) {
            return RepetitionResult(scenario: scenario, repetition: repetition, status: .skipped, note: why)
        }
        let entry = MechanismRegistry.entries.first { $0.type.name == scenario.mechanism }!
        let load = LoadAverage.oneMinute()
        let before = CPUTimes.read()
        var result: RepetitionResult
        do {
            result = try entry.run(self, scenario, repetition)
        } catch {
            result = RepetitionResult(scenario: scenario, repetition: repetition, status: .failed, note: error.description)
        }
        result.loadAverage = load
        if let before, let after = CPUTimes.read() { result.stealPercent = CPUTimes.stealPercent(from: before, to: after) }
        return result
    }

    // MARK: - One repetition

    func runRepetition<M: Mechanism>(
        _ type: M.Type, _ scenario: Scenario, _ repetition: Int
    ) throws(IPCError) -> RepetitionResult {
        let pairs = scenario.pairs
        let control = try ControlBlock(pairs: pairs)
        let bufferStride = 64 + MemoryRegion.roundToCacheLine(max(scenario.payloadBytes, 8))
        let buffers = try MemoryRegion(byteCount: 2 * pairs * 2 * bufferStride, sharing: .private)
        let plan = WorkloadPlan(
            payloadBytes: scenario.payloadBytes, messages: scenario.messages,
            warmupMessages: scenario.warmupMessages, verify: scenario.verify,
            carriesTimestamp: scenario.carriesTimestamp, periodNs: scenario.rate.map { 1e9 / Double($0) })
        if janitor == nil { janitor = try Janitor(folder: directory.path) }
        let spec = ChannelSpec(
            mode: scenario.mode, payloadBytes: scenario.payloadBytes, pairs: pairs, wait: scenario.wait,
            directory: directory, ringBytes: scenario.ringBytes, janitor: janitor, limits: limits)

        var channels: [M] = []
        defer { for c in channels { c.closeDescriptors(); c.destroy() } }
        for _ in 0..<pairs { channels.append(try M(spec)) }

        var workerMask = sigset_t()
        sigemptyset(&workerMask)
        for s in M.workerBlockedSignals { sigaddset(&workerMask, s) }
        let spin = SpinPolicy.for(scenario.wait, placement: scenario.placement)
        let me = getpid()

        var workers = WorkerSet()
        defer { workers.killAndReapAll() }
        let roles: [Role] = M.oneSided ? [.producer] : [.consumer, .producer]
        for pair in 0..<pairs {
            for role in roles {
                let index = ControlBlock.worker(pair, role)
                let context = WorkerContext(
                    pair: pair, role: role, mode: scenario.mode, plan: plan, control: control,
                    buffer: buffers.base + index * 2 * bufferStride + 64, bufferStride: bufferStride,
                    cpu: cpu(pair: pair, role: role, placement: scenario.placement), spin: spin,
                    pacing: SpinPolicy.for(.spin, placement: scenario.placement),
                    coordinator: me, mask: workerMask,
                    inheritedToClose: [interrupts?.fd ?? -1, janitor?.descriptor ?? -1])
                let pid = try workers.spawn(worker: index, groupLeader: workers.pids.first) {
                    runWorker(channels[pair], others: channels, context)
                }
                control.pid(index).pointee = pid
            }
        }
        for c in channels { c.closeDescriptors() }

        let deadline = MonotonicClock.nowNs() + UInt64(timeoutSeconds * 1e9)
        let expected = UInt32(roles.count * pairs)
        // Setup: wait (in short polls) until every worker is pinned and holds its side.
        while control.ready.pointee.load(ordering: .acquiring) < expected {
            if let outcome = workers.watch(timeoutMs: 1, interrupts: interrupts), outcome != .allExited {
                return failure(scenario, repetition, outcome, &workers, control)
            }
            if MonotonicClock.nowNs() > deadline {
                return failure(scenario, repetition, .timedOut, &workers, control)
            }
        }
        control.go.pointee.store(1, ordering: .releasing)
        Futex.wakeAll(control.go)

        while true {
            let remainingMs = deadline > MonotonicClock.nowNs() ? Int32((deadline - MonotonicClock.nowNs()) / 1_000_000) + 1 : 0
            guard let outcome = workers.watch(timeoutMs: remainingMs, interrupts: interrupts) else {
                if MonotonicClock.nowNs() >= deadline {
                    return failure(scenario, repetition, .timedOut, &workers, control)
                }
                continue
            }
            if outcome == .allExited { break }
            return failure(scenario, repetition, outcome, &workers, control)
        }
        return success(scenario, repetition, control, oneSided: M.oneSided, lossy: M.lossy)
    }

    private func failure(
        _ scenario: Scenario, _ repetition: Int, _ outcome: WorkerSet.Outcome,
        _ workers: inout WorkerSet, _ control: ControlBlock
    ) -> RepetitionResult {
        if outcome == .workerFailed { workers.settle() }
        let firstFailed = workers.firstFailure
        workers.killAndReapAll()
        var note: String
        switch outcome {
        case .timedOut:
            note = "timed out after \(formatSeconds(timeoutSeconds)) s (--timeout)"
        case let .interrupted(signal):
            note = "interrupted by signal \(signal)"
        case .allExited, .workerFailed:
            note = "a worker failed"
        }
        if let (index, status) = firstFailed {
            let role = index % 2 == 0 ? "producer" : "consumer"
            if let why = control.report(index).pointee.failureDescription {
                note = "\(role) of pair \(index / 2): \(why)"
            } else {
                note = "\(role) of pair \(index / 2) \(WorkerSet.describe(status))"
            }
        }
        var result = RepetitionResult(scenario: scenario, repetition: repetition, status: .failed, note: note)
        if case let .interrupted(signal) = outcome { result.interruptedBy = signal }
        return result
    }

    private func success(_ scenario: Scenario, _ repetition: Int, _ control: ControlBlock, oneSided: Bool, lossy: Bool) -> RepetitionResult {
        var result = RepetitionResult(scenario: scenario, repetition: repetition, status: .ok)
        var start = UInt64.max, end: UInt64 = 0, cpu: UInt64 = 0, switches: UInt64 = 0
        var futexCalls: UInt64 = 0, countsFutex = false, lost: UInt64 = 0, reordered: UInt64 = 0
        var involuntary: UInt64 = 0
        var histogram = Histogram(), oneWay = Histogram()
        for pair in 0..<scenario.pairs {
            let producer = control.report(ControlBlock.worker(pair, .producer)).pointee
            let consumer = control.report(ControlBlock.worker(pair, .consumer)).pointee
            start = min(start, producer.startNs)
            end = max(end, scenario.mode != .latency && !oneSided ? consumer.endNs : producer.endNs)
            for r in oneSided ? [producer] : [producer, consumer] {
                cpu += r.cpuNs
                switches += r.voluntarySwitches + r.involuntarySwitches
                involuntary += r.involuntarySwitches
                futexCalls += r.futexCalls
                lost += r.lost
                reordered += r.reordered
                countsFutex = countsFutex || r.countsFutexCalls != 0
            }
            if scenario.mode == .latency {
                histogram.merge(RecordingHistogram(existing: control.histogramMemory(ControlBlock.worker(pair, .producer))).snapshot())
            }
            if scenario.carriesTimestamp {
                oneWay.merge(RecordingHistogram(existing: control.histogramMemory(ControlBlock.worker(pair, .consumer))).snapshot())
            }
        }
        if !oneSided {
            result.probeNs = control.probeBeforeNs.pointee
            result.probeEndNs = control.probeAfterNs.pointee
        }
        result.totalMessages = scenario.messages * scenario.pairs
        result.involuntarySwitches = Int(involuntary)
        if lossy {
            result.lostMessages = Int(lost)
            result.reorderedMessages = Int(reordered)
            if lost > 0 { result.note = "lost \(lost) of \(result.totalMessages) (\(fixed(Double(lost) * 100 / Double(max(1, result.totalMessages)), 2))%)" }
        }
        result.windowNs = end > start ? end - start : 0
        if scenario.mode == .latency { result.latency = histogram }
        if scenario.carriesTimestamp { result.oneWay = oneWay }
        if result.totalMessages > 0 {
            // Each worker counted only its part of the window, but a worker's end may pass the
            // window's by a call's tail (a TCP send that delivers inline): cap at what the
            // workers can spend inside it.
            let workers = UInt64((oneSided ? 1 : 2) * scenario.pairs)
            let cpuInWindow = min(cpu, workers &* (result.windowNs ?? 0))
            result.cpuNsPerMessage = Double(cpuInWindow) / Double(result.totalMessages)
            result.contextSwitchesPerMessage = Double(switches) / Double(result.totalMessages)
            if countsFutex { result.futexCallsPerMessage = Double(futexCalls) / Double(result.totalMessages) }
        }
        return result
    }
}

/// Everything a worker needs, built by the coordinator before fork.
struct WorkerContext {
    let pair: Int
    let role: Role
    let mode: Mode
    let plan: WorkloadPlan
    let control: ControlBlock
    /// This worker's two payload buffers (64 writable bytes of headroom before each).
    let buffer: UnsafeMutableRawPointer
    let bufferStride: Int
    let cpu: Int32?
    let spin: SpinPolicy
    /// How an open-loop producer waits for its next send time (always polling).
    let pacing: SpinPolicy
    let coordinator: pid_t
    let mask: sigset_t
    /// The coordinator's own descriptors (signalfd, the janitor's pipe) a worker must not keep.
    let inheritedToClose: [Int32]
}

/// The body of a worker process: set up, wait for the start, run the loop, report, `_exit`.
/// Only system calls and memory mapped before the fork; never returns.
func runWorker<M: Mechanism>(_ channel: M, others: [M], _ context: WorkerContext) -> Never {
    let index = ControlBlock.worker(context.pair, context.role)
    let report = context.control.report(index)
    func fail(_ error: IPCError) -> Never {
        report.pointee.recordFailure(error)
        _exit(1)
    }
    // Die with the coordinator, whatever kills it; say which side we are in ps and top.
    _ = ipc_set_parent_death_signal(SIGKILL)
    _ = ipc_set_process_name(context.role == .producer ? "ipcbench-prod" : "ipcbench-cons")
    if getppid() != context.coordinator { _exit(2) }
    signal(SIGPIPE, SIG_IGN)
    // A crashing worker must die at once with its signal, for the coordinator to report; the
    // Swift runtime's crash handler, inherited through fork, would print and linger instead.
    for crash in [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP] { signal(crash, SIG_DFL) }
    var mask = context.mask
    sigprocmask(SIG_SETMASK, &mask, nil)
    for fd in context.inheritedToClose where fd >= 0 { close(fd) }
    for other in others where other !== channel { other.closeDescriptors() }
    do throws(IPCError) {
        if let cpu = context.cpu { try CPUSet.pin(to: cpu) }
    } catch { fail(error) }

    // Touch both buffers now so page faults are not measured.
    memset(context.buffer, 0x5A, context.bufferStride - 64)
    memset(context.buffer + context.bufferStride, 0xA5, context.bufferStride - 64)
    // The latency producer records round trips; consumers record one-way times when carried.
    let records = (context.mode == .latency && context.role == .producer)
        || (context.plan.carriesTimestamp && context.role == .consumer)
    let histogram: RecordingHistogram? = records ? RecordingHistogram(over: context.control.histogramMemory(index)) : nil
    let sink = WorkloadSink(
        report: report, histogram: histogram, warmedUp: context.control.warmedUp,
        pairs: UInt32(context.control.pairs), oneSided: M.oneSided,
        pacing: context.pacing,
        producerReport: context.role == .consumer ? context.control.report(ControlBlock.worker(context.pair, .producer)) : nil)

    context.control.ready.pointee.wrappingAdd(1, ordering: .acquiringAndReleasing)
    Futex.waitUntil(context.control.go, reaches: 1)

    // The host state before warm-up, on pair 0's two CPUs; the other pairs wait so that
    // nothing runs beside it.
    let probes = !M.oneSided
    if probes { probeHost(context, before: true) }
    /// After the loop: the host state again, then report done and leave.
    func finish() -> Never {
        if probes { probeHost(context, before: false) }
        report.pointee.state = WorkerReport.State.done.rawValue
        _exit(0)
    }

    let peerIndex = ControlBlock.worker(context.pair, context.role == .producer ? .consumer : .producer)
    let peer = context.control.pid(peerIndex).pointee
    do throws(IPCError) {
        var endpoint = try channel.endpoint(context.role, peer: peer, spin: context.spin)
        if M.lossy {
            switch (context.mode, context.role) {
            case (.latency, .producer):
                try LossyWorkloads.roundTripProducer(
                    &endpoint, send: context.buffer, receive: context.buffer + context.bufferStride,
                    plan: context.plan, sink: sink)
            case (.latency, .consumer):
                try LossyWorkloads.roundTripConsumer(
                    &endpoint, buffer: context.buffer, plan: context.plan, sink: sink,
                    producerReport: context.control.report(peerIndex))
            case (.throughput, .producer):
                try LossyWorkloads.streamProducer(&endpoint, buffer: context.buffer, plan: context.plan, sink: sink)
            case (.throughput, .consumer):
                try LossyWorkloads.streamConsumer(&endpoint, buffer: context.buffer, plan: context.plan, sink: sink)
            case (.openLoop, _):
                throw .unsupported("open-loop mode is not available for lossy mechanisms")
            }
            finish()
        }
        switch (context.mode, context.role) {
        case (.latency, .producer):
            try Workloads.roundTripProducer(
                &endpoint, send: context.buffer, receive: context.buffer + context.bufferStride,
                plan: context.plan, sink: sink)
        case (.latency, .consumer):
            try Workloads.roundTripConsumer(&endpoint, buffer: context.buffer, plan: context.plan, sink: sink)
        case (.throughput, .producer), (.openLoop, .producer):
            try Workloads.streamProducer(&endpoint, buffer: context.buffer, plan: context.plan, sink: sink)
        case (.throughput, .consumer), (.openLoop, .consumer):
            try Workloads.streamConsumer(&endpoint, buffer: context.buffer, plan: context.plan, sink: sink)
        }
    } catch { fail(error) }
    finish()
}

/// Pair 0 measures the host state (`HostProbe`); before the loop the other pairs wait for it,
/// after the loop pair 0's two sides first wait for each other so the probe never overlaps a
/// window.
private func probeHost(_ context: WorkerContext, before: Bool) {
    let control = context.control
    if context.pair != 0 {
        if before { Futex.waitUntil(control.probed, reaches: 1) }
        return
    }
    if !before {
        control.finished.pointee.wrappingAdd(1, ordering: .acquiringAndReleasing)
        Futex.wakeAll(control.finished)
        Futex.waitUntil(control.finished, reaches: 2)
    }
    if context.role == .producer {
        let ns = HostProbe.initiate(control.probeLine, spin: context.pacing)
        if before {
            control.probeBeforeNs.pointee = ns
            control.probed.pointee.store(1, ordering: .releasing)
            Futex.wakeAll(control.probed)
        } else {
            control.probeAfterNs.pointee = ns
        }
    } else {
        HostProbe.respond(control.probeLine, spin: context.pacing)
    }
}

public func formatSeconds(_ s: Double) -> String {
    s == s.rounded() ? String(Int(s)) : String(s)
}
