namespace Pipeline.Lsl;

/// <summary>
/// An LSL operation cannot go on: a stream was lost and cannot be recovered, a configuration file is invalid, or
/// an argument does not fit the stream. The message is one sentence naming the thing and the fix.
/// </summary>
public sealed class LslException : Exception
{
    /// <summary>Creates the exception with a one-sentence message.</summary>
    public LslException(string message) : base(message) { }

    /// <summary>Creates the exception with a one-sentence message and the underlying cause.</summary>
    public LslException(string message, Exception inner) : base(message, inner) { }
}
