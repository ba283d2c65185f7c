/// One scenario as an `ipcbench run` command line: every dimension given, so any build that
/// understands the flags measures exactly this scenario, whatever its own suites say.
public enum ScenarioArguments {
    /// One repetition of `scenario`, its CSV on standard output. With `minimumWindowNs`, the
    /// count is calibrated (`--min-time`) instead of given. `knowsCopy`: the build takes
    /// `--copy`, and is given it always (its suites' default may hold both modes); a build from
    /// before the copy dimension copies, and is given `--copy` only for `zero`, which it refuses.
    public static func run(_ s: Scenario, timeoutSeconds: Double, minimumWindowNs: UInt64? = nil, repetitions: Int = 1,
                           knowsCopy: Bool = true) -> [String] {
        let placement = s.cpuPair.map { ["--cpu-pair", $0.description] } ?? ["--placements", s.placement.rawValue]
        var args = ["run", "--mechanisms", s.mechanism, "--modes", s.mode.rawValue, "--sizes", String(s.payloadBytes)]
            + placement + ["--waits", s.wait.rawValue, "--pairs", String(s.pairs),
                    "--warmup", String(s.warmupMessages), "--ring-size", String(s.ringBytes),
                    "--repetitions", String(repetitions), "--timeout", formatSeconds(timeoutSeconds),
                    "--keep-going", "--quiet", "--output", "-"]
        args += ["--messages", String(s.messages)]
        if let minimum = minimumWindowNs { args += ["--min-time", "\(Double(minimum) / 1e6)ms"] }
        if let rate = s.rate { args += ["--rate", String(rate)] }
        if s.oneWay { args.append("--oneway") }
        if s.verify { args.append("--verify") }
        if knowsCopy || s.copy != .copy { args += ["--copy", s.copy.rawValue] }
        if s.topology != .pairs { args += ["--topology", s.topology.rawValue] }
        return args
    }

    /// A warm session of `scenario` (`run --serve`): every dimension given, one repetition,
    /// the rows on standard output, a burst per request.
    public static func serve(_ s: Scenario, timeoutSeconds: Double) -> [String] {
        var args = run(s, timeoutSeconds: timeoutSeconds)
        args.append("--serve")
        return args
    }
}
