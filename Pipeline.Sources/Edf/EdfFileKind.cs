namespace Pipeline.Sources.Edf;

/// <summary>Which flavour of the European Data Format a file is, read from its version and reserved fields.</summary>
public enum EdfFileKind
{
    /// <summary>Plain EDF: 16-bit samples, no annotation signal defined by the format.</summary>
    Edf,
    /// <summary>EDF+ continuous (<c>EDF+C</c>): records follow one another without gaps.</summary>
    EdfPlusContinuous,
    /// <summary>EDF+ discontinuous (<c>EDF+D</c>): each record's start comes from its time-keeping annotation.</summary>
    EdfPlusDiscontinuous,
    /// <summary>BioSemi BDF: 24-bit samples, triggers in the <c>Status</c> signal.</summary>
    Bdf,
    /// <summary>BDF+ continuous (<c>BDF+C</c>): 24-bit samples with EDF+ style annotations.</summary>
    BdfPlusContinuous,
    /// <summary>BDF+ discontinuous (<c>BDF+D</c>).</summary>
    BdfPlusDiscontinuous,
}
