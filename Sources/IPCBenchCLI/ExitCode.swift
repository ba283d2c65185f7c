/// What `ipcbench` returns, so CI can tell a slow mechanism from a broken invocation.
public enum ExitCode {
    public static let success: Int32 = 0
    /// At least one scenario failed (a worker died, timed out, or saw a broken stream).
    public static let scenarioFailed: Int32 = 1
    /// A command-line value is invalid (sysexits EX_USAGE).
    public static let usage: Int32 = 64
    /// A suite file is malformed (EX_DATAERR).
    public static let badInput: Int32 = 65
    /// The run could not be set up (EX_SOFTWARE / EX_OSERR territory).
    public static let setupFailed: Int32 = 71
    /// The report could not be written at the end (EX_CANTCREAT).
    public static let cannotWrite: Int32 = 73
}
