/// Groups repetitions by the host state their probe saw (`HostProbe`), for `compare` to set
/// like against like and to say when two sides were measured in different states.
public struct HostStates: Sendable, Equatable, CustomStringConvertible {
    /// One state: the median probe of its repetitions and how many there were.
    public struct State: Sendable, Equatable {
        public var probeNs: Double
        public var count: Int
    }

    public var states: [State]

    /// Clusters probe values: sorted, a value within `HostProbe.sameStateRatio` of the cluster's
    /// smallest joins it. Values of zero or below (no probe) are ignored.
    public init(_ probes: [Double]) {
        var clusters: [[Double]] = []
        for p in probes.filter({ $0 > 0 }).sorted() {
            if let first = clusters.last?.first, p / first <= HostProbe.sameStateRatio {
                clusters[clusters.count - 1].append(p)
            } else {
                clusters.append([p])
            }
        }
        states = clusters.map { State(probeNs: Statistics.median($0), count: $0.count) }
    }

    /// The state a probe value falls in, by index, or nil.
    public func index(of probe: Double) -> Int? {
        states.firstIndex { HostProbe.sameState($0.probeNs, probe) }
    }

    public var description: String {
        states.map { "\(Int($0.probeNs.rounded())) ns ×\($0.count)" }.joined(separator: ", ")
    }
}
