/// Where each worker of a repetition sits: `groups` channels side by side (`--pairs`), each with
/// its producers and consumers (`--topology`). A worker's index picks its report, histogram and
/// pid slot in the ``ControlBlock`` and its CPU. With one producer and one consumer per group,
/// the producer of group g is worker 2g and its consumer 2g+1.
struct WorkerLayout: Sendable {
    let groups: Int
    let producers: Int
    /// 0 for a one-process ceiling (`memcpy`).
    let consumers: Int

    init(groups: Int, topology: Topology, oneSided: Bool) {
        self.groups = groups
        producers = topology.producers
        consumers = oneSided ? 0 : topology.consumers
    }

    var perGroup: Int { producers + consumers }
    var count: Int { groups * perGroup }
    var totalProducers: Int { groups * producers }
    var totalConsumers: Int { groups * consumers }

    func index(_ group: Int, _ role: Role, _ member: Int = 0) -> Int {
        group * perGroup + (role == .producer ? member : producers + member)
    }

    func role(of index: Int) -> Role { index % perGroup < producers ? .producer : .consumer }
    func group(of index: Int) -> Int { index / perGroup }
    func member(of index: Int) -> Int { let i = index % perGroup; return i < producers ? i : i - producers }

    /// The workers of one role in one group.
    func members(of group: Int, _ role: Role) -> [Int] {
        (0..<(role == .producer ? producers : consumers)).map { index(group, role, $0) }
    }

    /// Every worker of one role, group by group.
    func all(_ role: Role) -> [Int] {
        (0..<groups).flatMap { members(of: $0, role) }
    }

    /// Worker `index` in words, for a failure note (`consumer 2 of group 0`).
    func describe(_ index: Int) -> String {
        let role = role(of: index) == .producer ? "producer" : "consumer"
        if producers == 1 && consumers <= 1 { return "\(role) of pair \(group(of: index))" }
        return "\(role) \(member(of: index)) of group \(group(of: index))"
    }
}
