/// What `ipcbench` returns, so CI can tell a slow mechanism or a regression from a broken
/// invocation: one table for every command, each code defined once (each command's `--help`
/// says which of them it returns).
public enum ExitCode {
    public static let success: Int32 = 0
    /// `run`: at least one scenario failed (a worker died, timed out, or saw a broken stream).
    public static let scenarioFailed: Int32 = 1
    /// `compare`, `gate`: a regression (`gate`: or a scenario that fails only on NEW).
    public static let regression: Int32 = 1
    /// `compare`, `plot`, `export`: a results file cannot be used: unreadable, malformed, with
    /// nothing to plot or export, or not comparable with the baseline.
    public static let badInput: Int32 = 2
    public static let differentSchema: Int32 = 3
    public static let nothingToCompare: Int32 = 4
    public static let differentMachines: Int32 = 5
    /// No regression was shown, but a comparison whose estimate is beyond the threshold on
    /// the worse side stayed undecided: more repetitions are needed, CI must not pass it.
    public static let undecided: Int32 = 6
    /// A command-line value is invalid (sysexits EX_USAGE).
    public static let usage: Int32 = 64
    /// A suite file is malformed (EX_DATAERR).
    public static let badSuite: Int32 = 65
    /// The run could not be set up, or `gate` could not run a build (EX_SOFTWARE / EX_OSERR territory).
    public static let setupFailed: Int32 = 71
    /// The report could not be written at the end (EX_CANTCREAT).
    public static let cannotWrite: Int32 = 73
}
