namespace Pipeline.Tests.Fuzz;

/// <summary>What one mutated input did to a reader.</summary>
public enum FuzzOutcome
{
    /// <summary>Read completely, nothing to report.</summary>
    Clean,
    /// <summary>Read up to damage that the reader reported (warnings): a partial result.</summary>
    Partial,
    /// <summary>Refused with the project's own exception and a one-line message.</summary>
    ClearError,
    /// <summary>Any other exception (a crash: exit 70 in the CLI).</summary>
    Escaped,
    /// <summary>Did not finish within the per-input timeout.</summary>
    Hang,
    /// <summary>Allocated more than the per-input budget (1 GB).</summary>
    OverBudget,
}
