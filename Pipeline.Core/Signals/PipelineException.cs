namespace Pipeline.Core.Signals;

/// <summary>
/// An error the user can cause and fix (a bad file, a channel that is missing, a window longer than the
/// recording). Its message is one sentence that names the thing and the fix; the command line prints it
/// without a stack trace and exits non-zero.
/// </summary>
public class PipelineException : Exception
{
    /// <summary>Creates the error with its one-sentence message.</summary>
    public PipelineException(string message) : base(message) { }
    /// <summary>Creates the error with its one-sentence message and the underlying cause.</summary>
    public PipelineException(string message, Exception inner) : base(message, inner) { }
}
