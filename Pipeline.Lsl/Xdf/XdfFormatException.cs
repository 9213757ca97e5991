namespace Pipeline.Lsl.Xdf;

/// <summary>
/// A file cannot be read as XDF at all (missing, empty, or without the <c>XDF:</c> magic). Damage inside a
/// file that starts correctly is not thrown: the reader returns what it could read and lists warnings.
/// </summary>
public sealed class XdfFormatException : Exception
{
    /// <summary>Creates the exception with a one-sentence message naming the file and the fix.</summary>
    public XdfFormatException(string message) : base(message) { }

    /// <summary>Creates the exception with a one-sentence message and the underlying cause.</summary>
    public XdfFormatException(string message, Exception inner) : base(message, inner) { }
}
