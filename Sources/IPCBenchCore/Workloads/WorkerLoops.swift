/// Picks the measured loop a worker runs for its mode and role, with its messages moved by
/// copying or in place. The registry chooses one of these per mechanism and copy mode, so the
/// loop is compiled for the concrete endpoint.
enum WorkerLoops {
    typealias Body<E: MessageEndpoint> = (inout E, WorkerContext, WorkloadSink) throws(IPCError) -> Void

    /// Through the workers' buffers (`--copy copy`); lossy mechanisms count losses instead of failing.
    static func copying<E: MessageEndpoint>(_ endpoint: inout E, _ context: WorkerContext, _ sink: WorkloadSink) throws(IPCError) {
        let plan = context.plan
        let second = context.buffer + context.bufferStride
        if context.lossy {
            switch (context.mode, context.role) {
            case (.latency, .producer):
                try LossyWorkloads.roundTripProducer(&endpoint, send: context.buffer, receive: second, plan: plan, sink: sink)
            case (.latency, .consumer):
                try LossyWorkloads.roundTripConsumer(&endpoint, buffer: context.buffer, plan: plan, sink: sink,
                                                     producerReport: sink.producerReport!)
            case (.throughput, .producer):
                try LossyWorkloads.streamProducer(&endpoint, buffer: context.buffer, plan: plan, sink: sink)
            case (.throughput, .consumer):
                try LossyWorkloads.streamConsumer(&endpoint, buffer: context.buffer, plan: plan, sink: sink)
            case (.openLoop, _):
                throw .unsupported("open-loop mode is not available for lossy mechanisms")
            }
            return
        }
        if context.topology.isFan {
            var transfer = CopyingTransfer(endpoint: endpoint, sendBuffer: context.buffer, receiveBuffer: context.buffer, plan: plan)
            defer { endpoint = transfer.endpoint }
            switch (context.topology, context.role) {
            case (.fanIn, .producer):
                try FanWorkloads.fanInProducer(&transfer, member: context.member, plan: plan, sink: sink)
            case let (.fanIn(producers), .consumer):
                try FanWorkloads.fanInConsumer(&transfer, producers: producers, plan: plan, sink: sink)
            case let (.fanOut(consumers), .producer):
                try FanWorkloads.fanOutProducer(&transfer, consumers: consumers, plan: plan, sink: sink)
            case (.fanOut, .consumer):
                try FanWorkloads.fanOutConsumer(&transfer, plan: plan, sink: sink)
            case (.pairs, _):
                break
            }
            return
        }
        switch context.role {
        case .producer:
            var transfer = CopyingTransfer(endpoint: endpoint, sendBuffer: context.buffer, receiveBuffer: second, plan: plan)
            defer { endpoint = transfer.endpoint }
            try run(&transfer, context, sink)
        case .consumer:
            var transfer = CopyingTransfer(endpoint: endpoint, sendBuffer: context.buffer, receiveBuffer: context.buffer, plan: plan)
            defer { endpoint = transfer.endpoint }
            try run(&transfer, context, sink)
        }
    }

    /// In the channel's own memory (`--copy zero`).
    static func inPlace<E: InPlaceEndpoint>(_ endpoint: inout E, _ context: WorkerContext, _ sink: WorkloadSink) throws(IPCError) {
        var transfer = InPlaceTransfer(endpoint: endpoint, plan: context.plan)
        defer { endpoint = transfer.endpoint }
        try run(&transfer, context, sink)
    }

    @inline(__always)
    private static func run<T: MessageTransfer>(_ transfer: inout T, _ context: WorkerContext, _ sink: WorkloadSink) throws(IPCError) {
        switch (context.mode, context.role) {
        case (.latency, .producer): try Workloads.roundTripProducer(&transfer, plan: context.plan, sink: sink)
        case (.latency, .consumer): try Workloads.roundTripConsumer(&transfer, plan: context.plan, sink: sink)
        case (.throughput, .producer), (.openLoop, .producer): try Workloads.streamProducer(&transfer, plan: context.plan, sink: sink)
        case (.throughput, .consumer), (.openLoop, .consumer): try Workloads.streamConsumer(&transfer, plan: context.plan, sink: sink)
        }
    }
}
