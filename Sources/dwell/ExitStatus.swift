import ArgumentParser

/// dwell's exit statuses, in one place (documented in `--help` and the README).
enum ExitStatus: Int32 {
    /// Finished; every input was read.
    case success = 0
    /// `sweep` only: the indicators were seen in the logs.
    case hits = 1
    /// Usage error, or nothing readable at all.
    case usage = 2
    /// Finished, but some evidence had problems (listed in the output: unreadable files, corrupt gzip, …).
    case evidenceProblems = 3

    var code: ExitCode { ExitCode(rawValue) }

    static let helpText = """
        EXIT STATUS
          0  success: every input was read
          1  sweep: indicators found in the logs (and every input was read)
          2  usage error, or nothing readable
          3  finished, but some evidence had problems (reported: corrupt/truncated gzip, unreadable files, ...);
             for sweep, with or without hits
        """
}
