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
    /// How the workers count system calls (``ExactCounterPlan``), settled before any fork.
    public let counters: ExactCounterPlan
    /// Cleans up if this process is killed; forked before the first worker.
    private var janitor: Janitor?
    /// Set: each repetition is a session of bursts on warm workers, asked for and handed over
    /// one by one (`run --serve`, the gate's side of a pair); nil: one window per repetition.
    public var burstDriver: (any BurstDriver)?

    deinit { janitor?.finish() }

    public init(
        limits: MachineLimits = .current(), directory: PrivateDirectory,
        timeoutSeconds: Double = 60, interrupts: InterruptSignals? = nil,
        counting: SyscallCounting = .fromEnvironment()
    ) {
        self.limits = limits
        self.directory = directory
        self.timeoutSeconds = timeoutSeconds
        self.interrupts = interrupts
        self.cpus = CPUSet.allowed()
        self.counters = ExactCounterPlan(counting)
    }

    /// Why the scenario cannot run here, or nil.
    public func skipReason(_ scenario: Scenario) -> String? {
        guard let type = MechanismRegistry.named(scenario.mechanism) else {
            return "unknown mechanism \(scenario.mechanism)"
        }
        if let why = type.limitation(scenario, limits: limits) {
            return why
        }
        let traits = type.traits
        let because = traits.restriction.map { ": " + $0 } ?? ""
        if !traits.modes.contains(scenario.mode) {
            return "\(type.name) runs only in \(traits.modes.map(\.rawValue).joined(separator: ", ")) mode" + because
        }
        if !traits.waits.contains(scenario.wait) {
            return "\(type.name) runs only with --waits \(traits.waits.map(\.rawValue).joined(separator: ", "))" + because
        }
        if let fixed = traits.fixedPayloadBytes, scenario.payloadBytes != fixed {
            return "\(type.name) carries exactly one \(fixed)-byte value"
        }
        if !traits.copyModes.contains(scenario.copy) {
            return "\(type.name) cannot lend its memory: --copy \(traits.copyModes.map(\.rawValue).joined(separator: ", ")) only"
        }
        if scenario.topology.isFan, let why = fanLimitation(scenario, traits) { return why }
        if scenario.carriesTimestamp && scenario.payloadBytes < 16 {
            return "one-way times need 16-byte payloads (sequence number and send time)"
        }
        if let pair = scenario.cpuPair {
            for cpu in [pair.producer, pair.consumer] where !cpus.contains(cpu) {
                return "CPU \(cpu) is not one this process may use (\(cpus.map(String.init).joined(separator: ",")))"
            }
        } else if scenario.placement == .crossCore && cpus.count < 2 {
            return "cross-core needs two CPUs; this process may use \(cpus.count)"
        }
        return nil
    }

    /// Why a fan cannot run: what the mechanism declares, and what fans measure.
    private func fanLimitation(_ scenario: Scenario, _ traits: MechanismTraits) -> String? {
        let name = scenario.mechanism
        switch scenario.topology {
        case .fanIn where !traits.fanIn:
            return "\(name) cannot take several producers on one channel (one writer per channel, or writes of several could interleave)"
        case .fanOut where !traits.fanOut:
            return "\(name) cannot hand one channel's messages to several consumers"
        default: break
        }
        if scenario.mode != .throughput {
            return "a fan streams (--modes throughput) and times each message one way; there is no single partner for a round trip"
        }
        if scenario.copy != .copy { return "fans run with --copy copy" }
        return nil
    }

    /// The CPU a worker is pinned to, or nil when unpinned: cross-core spreads the workers over
    /// the allowed CPUs in order (a pair's producer and consumer on two neighbours), same-core
    /// puts a whole group on one.
    func cpu(worker index: Int, group: Int, role: Role, _ scenario: Scenario) -> Int32? {
        if let pair = scenario.cpuPair { return role == .producer ? pair.producer : pair.consumer }
        guard !cpus.isEmpty else { return nil }
        switch scenario.placement {
        case .unpinned: return nil
        case .sameCore: return cpus[group % cpus.count]
        case .crossCore: return cpus[index % cpus.count]
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
            // Where perf counts, a timed window and then a counting window on the same workers
            // (pairs of a mechanism that loses nothing: the windows can follow each other).
            if burstDriver == nil && counters.source == .perf && scenario.topology == .pairs && !entry.type.traits.lossy {
                let windows = TimedThenCounted(messages: scenario.messages)
                burstDriver = windows
                defer { burstDriver = nil }
                result = windows.merged(try entry.run(self, scenario, repetition), repetition: repetition)
            } else {
                result = try entry.run(self, scenario, repetition)
            }
        } catch {
            result = RepetitionResult(scenario: scenario, repetition: repetition, status: .failed, note: error.description)
        }
        result.loadAverage = load
        if let before, let after = CPUTimes.read() { result.stealPercent = CPUTimes.stealPercent(from: before, to: after) }
        return result
    }

    // MARK: - One repetition

    func runRepetition<M: Mechanism>(
        _ type: M.Type, _ scenario: Scenario, _ repetition: Int,
        loops: @escaping WorkerLoops.Body<M.Endpoint>
    ) throws(IPCError) -> RepetitionResult {
        let layout = WorkerLayout(groups: scenario.pairs, topology: scenario.topology, oneSided: M.oneSided)
        let control = try ControlBlock(workers: layout.count)
        // Each buffer has writable headroom before it (a System V message's mtype goes there).
        let headroom = max(64, MemoryRegion.roundToCacheLine(M.traits.headroomBytes))
        let bufferStride = headroom + MemoryRegion.roundToCacheLine(max(scenario.payloadBytes, 8))
        let buffers = try MemoryRegion(byteCount: layout.count * 2 * bufferStride, sharing: .private)
        let plan = WorkloadPlan(
            payloadBytes: scenario.payloadBytes, messages: scenario.messages,
            warmupMessages: scenario.warmupMessages, verify: scenario.verify,
            carriesTimestamp: scenario.carriesTimestamp, periodNs: scenario.rate.map { 1e9 / Double($0) })
        if janitor == nil { janitor = try Janitor(folder: directory.path) }
        let spec = ChannelSpec(
            mode: scenario.mode, payloadBytes: scenario.payloadBytes, pairs: layout.groups, wait: scenario.wait,
            copy: scenario.copy, directory: directory, ringBytes: scenario.ringBytes, janitor: janitor, limits: limits)

        var channels: [M] = []
        defer { for c in channels { c.closeDescriptors(); c.destroy() } }
        for _ in 0..<layout.groups { channels.append(try M(spec)) }

        var workerMask = sigset_t()
        sigemptyset(&workerMask)
        for s in M.traits.workerBlockedSignals { sigaddset(&workerMask, s) }
        // More workers than CPUs: some share one, and a worker that polls must yield to its
        // neighbour instead of pausing through the neighbour's time slice.
        let crowded = scenario.placement == .crossCore && (layout.count > cpus.count || scenario.cpuPair != nil && layout.count > 2)
        let waitPlacement = crowded ? Placement.sameCore : scenario.placement
        let spin = SpinPolicy.for(scenario.wait, placement: waitPlacement)
        let me = getpid()

        var workers = WorkerSet()
        defer { workers.killAndReapAll() }
        // Consumers first, so that a producer never sends into a channel nobody holds yet.
        for group in 0..<layout.groups {
            for index in layout.members(of: group, .consumer) + layout.members(of: group, .producer) {
                let context = WorkerContext(
                    index: index, layout: layout, mode: scenario.mode, topology: scenario.topology, lossy: M.lossy,
                    plan: plan, control: control,
                    buffer: buffers.base + index * 2 * bufferStride + headroom, bufferStride: bufferStride,
                    headroom: headroom,
                    cpu: cpu(worker: index, group: group, role: layout.role(of: index), scenario), spin: spin,
                    pacing: SpinPolicy.for(.spin, placement: waitPlacement),
                    bursts: burstDriver != nil, coordinator: me, counters: counters, mask: workerMask,
                    inheritedToClose: [interrupts?.fd ?? -1, janitor?.descriptor ?? -1])
                let pid = try workers.spawn(worker: index, groupLeader: workers.pids.first) {
                    runWorker(channels[group], others: channels, context, loops: loops)
                }
                control.pid(index).pointee = pid
            }
        }
        for c in channels { c.closeDescriptors() }

        let deadline = MonotonicClock.nowNs() + UInt64(timeoutSeconds * 1e9)
        let expected = UInt32(layout.count)
        // Setup: wait (in short polls) until every worker is pinned and holds its side.
        while control.ready.pointee.load(ordering: .acquiring) < expected {
            if let outcome = workers.watch(timeoutMs: 1, interrupts: interrupts), outcome != .allExited {
                return failure(scenario, repetition, outcome, &workers, control, layout)
            }
            if MonotonicClock.nowNs() > deadline {
                return failure(scenario, repetition, .timedOut, &workers, control, layout)
            }
        }
        control.go.pointee.store(1, ordering: .releasing)
        Futex.wakeAll(control.go)
        if let driver = burstDriver {
            return driveBursts(driver, scenario, repetition, &workers, control, layout, lossy: M.lossy)
        }

        while true {
            let remainingMs = deadline > MonotonicClock.nowNs() ? Int32((deadline - MonotonicClock.nowNs()) / 1_000_000) + 1 : 0
            guard let outcome = workers.watch(timeoutMs: remainingMs, interrupts: interrupts) else {
                if MonotonicClock.nowNs() >= deadline {
                    return failure(scenario, repetition, .timedOut, &workers, control, layout)
                }
                continue
            }
            if outcome == .allExited { break }
            return failure(scenario, repetition, outcome, &workers, control, layout)
        }
        var result = success(scenario, repetition, control, layout, lossy: M.lossy)
        result.producerCPU = cpu(worker: layout.index(0, .producer), group: 0, role: .producer, scenario)
        if layout.consumers > 0 { result.consumerCPU = cpu(worker: layout.index(0, .consumer), group: 0, role: .consumer, scenario) }
        return result
    }

    func failure(
        _ scenario: Scenario, _ repetition: Int, _ outcome: WorkerSet.Outcome,
        _ workers: inout WorkerSet, _ control: ControlBlock, _ layout: WorkerLayout
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
            if let why = control.report(index).pointee.failureDescription {
                note = "\(layout.describe(index)): \(why)"
            } else {
                note = "\(layout.describe(index)) \(status)"
            }
        }
        var result = RepetitionResult(scenario: scenario, repetition: repetition, status: .failed, note: note)
        if case let .interrupted(signal) = outcome { result.interruptedBy = signal }
        return result
    }

    func success(
        _ scenario: Scenario, _ repetition: Int, _ control: ControlBlock, _ layout: WorkerLayout, lossy: Bool
    ) -> RepetitionResult {
        var result = RepetitionResult(scenario: scenario, repetition: repetition, status: .ok)
        let oneSided = layout.consumers == 0
        var start = UInt64.max, end: UInt64 = 0, cpu: UInt64 = 0, switches: UInt64 = 0
        var futexCalls: UInt64 = 0, countsFutex = false, lost: UInt64 = 0, reordered: UInt64 = 0
        var involuntary: UInt64 = 0, received: UInt64 = 0
        var syscalls: UInt64 = 0, sources = Set<UInt32>(), voluntary: UInt64 = 0, minorFaults: UInt64 = 0
        var histogram = Histogram(), oneWay = Histogram()
        // The window: from the first producer's first measured send to the last consumer's
        // last receive (round trips and ceilings end at the producer).
        let endsAtConsumer = scenario.mode != .latency && !oneSided
        for index in layout.all(.producer) {
            let producer = control.report(index).pointee
            start = min(start, producer.startNs)
            if !endsAtConsumer { end = max(end, producer.endNs) }
            if scenario.mode == .latency {
                histogram.merge(RecordingHistogram(existing: control.histogramMemory(index)).snapshot())
            }
        }
        for index in layout.all(.consumer) {
            let consumer = control.report(index).pointee
            if endsAtConsumer { end = max(end, consumer.endNs) }
            received &+= consumer.messages
            if scenario.carriesTimestamp {
                oneWay.merge(RecordingHistogram(existing: control.histogramMemory(index)).snapshot())
            }
        }
        for index in 0..<layout.count {
            let r = control.report(index).pointee
            cpu += r.cpuNs
            switches += r.voluntarySwitches + r.involuntarySwitches
            involuntary += r.involuntarySwitches
            voluntary += r.voluntarySwitches
            minorFaults += r.minorFaults
            syscalls += r.syscalls
            sources.insert(r.syscallSource)
            futexCalls += r.futexCalls
            lost += r.lost
            reordered += r.reordered
            countsFutex = countsFutex || r.countsFutexCalls != 0
        }
        if !oneSided {
            result.probeNs = control.probeBeforeNs.pointee
            let after = control.probeAfterNs.pointee
            result.probeEndNs = after > 0 ? after : nil
        }
        result.totalMessages = scenario.messages * layout.totalProducers
        // Competing consumers share the messages: together they must have taken every one.
        if case .fanOut = scenario.topology, received != UInt64(result.totalMessages) {
            return RepetitionResult(scenario: scenario, repetition: repetition, status: .failed,
                                    note: "the consumers received \(received) of \(result.totalMessages) messages")
        }
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
            let workers = UInt64(layout.count)
            let cpuInWindow = min(cpu, workers &* (result.windowNs ?? 0))
            result.cpuNsPerMessage = Double(cpuInWindow) / Double(result.totalMessages)
            result.contextSwitchesPerMessage = Double(switches) / Double(result.totalMessages)
            if countsFutex { result.futexCallsPerMessage = Double(futexCalls) / Double(result.totalMessages) }
            result.voluntarySwitchesPerMessage = Double(voluntary) / Double(result.totalMessages)
            result.involuntarySwitchesPerMessage = Double(involuntary) / Double(result.totalMessages)
            result.minorFaultsPerMessage = Double(minorFaults) / Double(result.totalMessages)
            // Counted only when every worker counted, from the same source.
            if sources.count == 1, let source = SyscallSource(code: sources.first!) {
                result.syscallSource = source
                result.syscallsPerMessage = Double(syscalls) / Double(result.totalMessages)
            }
        }
        return result
    }
}

public func formatSeconds(_ s: Double) -> String {
    s == s.rounded() ? String(Int(s)) : String(s)
}
