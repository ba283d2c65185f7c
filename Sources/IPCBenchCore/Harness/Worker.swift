import Glibc
import CIPCShim
import Synchronization

/// Everything a worker needs, built by the coordinator before fork.
struct WorkerContext {
    /// This worker's slot in the ``ControlBlock`` (see ``WorkerLayout``).
    let index: Int
    let layout: WorkerLayout
    let mode: Mode
    let topology: Topology
    /// Messages may be lost (`udp`): the loops count losses instead of failing.
    let lossy: Bool
    var plan: WorkloadPlan
    let control: ControlBlock
    /// This worker's two payload buffers, `headroom` writable bytes before each.
    let buffer: UnsafeMutableRawPointer
    let bufferStride: Int
    let headroom: Int
    let cpu: Int32?
    let spin: SpinPolicy
    /// How an open-loop producer waits for its next send time (always polling).
    let pacing: SpinPolicy
    /// The workers stay up for a session of bursts (``BurstDriver``) instead of one window.
    let bursts: Bool
    let coordinator: pid_t
    /// How system calls are counted: the source and tracepoint ids settled before the fork.
    let counters: ExactCounterPlan
    let mask: sigset_t
    /// The coordinator's own descriptors (signalfd, the janitor's pipe) a worker must not keep.
    let inheritedToClose: [Int32]

    var role: Role { layout.role(of: index) }
    var group: Int { layout.group(of: index) }
    /// Which producer (or consumer) of its group this worker is.
    var member: Int { layout.member(of: index) }
    /// The worker on the other side that this one talks to first: its group's first.
    var peerIndex: Int { layout.index(group, role == .producer ? .consumer : .producer, 0) }
    /// Pair 0 (group 0's first producer and first consumer) probes the host state.
    var probes: Bool { group == 0 && member == 0 && layout.consumers > 0 }
}

/// The body of a worker process: set up, wait for the start, run the loop, report, `_exit`.
/// Only system calls and memory mapped before the fork; never returns.
func runWorker<M: Mechanism>(
    _ channel: M, others: [M], _ context: WorkerContext, loops: WorkerLoops.Body<M.Endpoint>
) -> Never {
    let index = context.index
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
    memset(context.buffer, 0x5A, context.bufferStride - context.headroom)
    memset(context.buffer + context.bufferStride, 0xA5, context.bufferStride - context.headroom)
    // The latency producer records round trips; consumers record one-way times when carried.
    let records = (context.mode == .latency && context.role == .producer)
        || (context.plan.carriesTimestamp && context.role == .consumer)
    let histogram: RecordingHistogram? = records ? RecordingHistogram(over: context.control.histogramMemory(index)) : nil
    // Round trips and ceilings count producers through the warm-up barrier, streams consumers.
    let layout = context.layout
    let parties = context.mode == .latency || M.oneSided ? layout.totalProducers : layout.totalConsumers
    let sink = WorkloadSink(
        report: report, histogram: histogram, warmedUp: context.control.warmedUp,
        parties: UInt32(parties), oneSided: M.oneSided,
        pacing: context.pacing,
        producerReport: context.role == .consumer ? context.control.report(context.peerIndex) : nil,
        // A lone window counts in place only where that costs the times nothing (proc-io);
        // bursts open perf for their counting bursts alone.
        counters: context.bursts ? .none : ExactCounters.openInWindow(context.counters))

    context.control.ready.pointee.wrappingAdd(1, ordering: .acquiringAndReleasing)
    Futex.waitUntil(context.control.go, reaches: 1)

    let peer = M.oneSided ? 0 : context.control.pid(context.peerIndex).pointee
    // The mechanism's own setup that the peer depends on, by every worker before any sends.
    do throws(IPCError) {
        try channel.prepare(context.role, peer: peer)
    } catch { fail(error) }
    let workers = UInt32(layout.count)
    context.control.prepared.pointee.wrappingAdd(1, ordering: .acquiringAndReleasing)
    Futex.wakeAll(context.control.prepared)
    Futex.waitUntil(context.control.prepared, reaches: workers)

    // The host state before warm-up, on pair 0's two CPUs; the other pairs wait so that
    // nothing runs beside it.
    let probes = layout.consumers > 0
    if context.bursts {
        do throws(IPCError) {
            var endpoint = try channel.endpoint(context.role, peer: peer, spin: context.spin)
            try runBursts(&endpoint, context, sink, probes: probes, loops: loops)
        } catch { fail(error) }
        report.pointee.state = WorkerReport.State.done.rawValue
        _exit(0)
    }
    if probes { probeHost(context, generation: 1) }
    /// After the loop: the host state again, then report done and leave.
    func finish() -> Never {
        if probes { probeHost(context, generation: nil) }
        report.pointee.state = WorkerReport.State.done.rawValue
        _exit(0)
    }

    do throws(IPCError) {
        var endpoint = try channel.endpoint(context.role, peer: peer, spin: context.spin)
        try loops(&endpoint, context, sink)
    } catch { fail(error) }
    finish()
}

/// A session of bursts on one warm endpoint: sleep until the coordinator raises `burst`, probe
/// the host, run the loop for that burst's count (a short untimed warm-up first, the scenario's
/// whole warm-up before the first), count the burst done, and again until `stop`. Sequence
/// numbers start again each burst: every burst drains the channel before it ends.
private func runBursts<E: MessageEndpoint>(
    _ endpoint: inout E, _ context: WorkerContext, _ first: WorkloadSink, probes: Bool,
    loops: WorkerLoops.Body<E>
) throws(IPCError) {
    let control = context.control
    var burst: UInt32 = 0
    var counters = ExactCounters.none
    defer { counters.closeGroup() }
    while true {
        burst += 1
        Futex.waitUntil(control.burst, reaches: burst)
        if control.stop.pointee.load(ordering: .acquiring) != 0 { return }
        if probes { probeHost(context, generation: burst) }
        var plan = context.plan
        plan.messages = Int(control.burstMessages.pointee.load(ordering: .acquiring))
        if burst > 1 { plan.warmupMessages = min(plan.warmupMessages, max(1, plan.messages / 20)) }
        var burstContext = context
        burstContext.plan = plan
        var sink = first
        // The warm-up barrier counts on from burst to burst; a histogram starts empty each time.
        sink.parties = first.parties * burst
        if let histogram = first.histogram { sink.histogram = RecordingHistogram(over: UnsafeMutableRawPointer(histogram.totals)) }
        // Opening a tracepoint event costs the kernel an RCU grace period (~50 ms here), so a
        // session that counts opens its counters once and keeps them: timed bursts after that
        // would be slowed (see ``BurstRequest/counted``), and the gate counts in sessions of
        // their own.
        if control.burstCounted.pointee.load(ordering: .acquiring) != 0 {
            if counters.source == nil { counters = ExactCounters.open(context.counters) }
            sink.counters = counters
        }
        try loops(&endpoint, burstContext, sink)
        control.burstsDone.pointee.wrappingAdd(1, ordering: .acquiringAndReleasing)
        Futex.wakeAll(control.burstsDone)
    }
}

/// Pair 0 measures the host state (`HostProbe`); before the loop the other pairs wait for it,
/// after the loop pair 0's two sides first wait for each other so the probe never overlaps a
/// window.
/// `generation` is the burst number (1 for a lone window) before the loop, nil after it.
private func probeHost(_ context: WorkerContext, generation: UInt32?) {
    let control = context.control
    let before = generation != nil
    if !context.probes {
        if let generation { Futex.waitUntil(control.probed, reaches: generation) }
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
            control.probed.pointee.store(generation!, ordering: .releasing)
            Futex.wakeAll(control.probed)
        } else {
            control.probeAfterNs.pointee = ns
        }
    } else {
        HostProbe.respond(control.probeLine, spin: context.pacing)
    }
}

