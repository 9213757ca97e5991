namespace Pipeline.Tests.Dashboard;

/// <summary>A fact that drives a real browser: skipped with the reason where Chromium is missing, except in CI (CI=true), where it fails.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (!Chromium.Present && !Chromium.IsCi) Skip = Chromium.MissingReason;
    }
}
