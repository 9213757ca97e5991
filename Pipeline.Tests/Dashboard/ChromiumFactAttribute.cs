using Pipeline.Tests.Audio;

namespace Pipeline.Tests.Dashboard;

/// <summary>A fact that drives a real browser: skipped with the reason where Chromium is missing, except in CI (CI=true), where it fails.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (!Chromium.Present && !Chromium.IsCi) Skip = Chromium.MissingReason;
    }

    /// <summary>Set: the test also speaks words with espeak-ng (skipped where it is missing, outside CI).</summary>
    public bool Speech
    {
        get => false;
        init
        {
            if (value && Skip is null && !SpokenWords.EspeakPresent && !Chromium.IsCi) Skip = "needs espeak-ng to speak the test words (apt-get install espeak-ng)";
        }
    }
}
