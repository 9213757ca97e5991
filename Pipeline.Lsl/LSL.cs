namespace Pipeline.Lsl;

/// <summary>
/// Entry points an LSL user knows from liblsl's bindings: resolving streams, the local clock and the protocol constants.
/// </summary>
public static class LSL
{
    /// <summary>Push this timestamp to have it deduced (previous + 1/rate); sent as tag 1 without timestamp bytes.</summary>
    public const double DeducedTimestamp = -1.0;

    /// <summary>The nominal rate of irregular streams.</summary>
    public const double IrregularRate = 0.0;

    /// <summary>A timeout meaning "wait forever".</summary>
    public const double Forever = 32000000.0;

    /// <summary>The data protocol spoken (1.10, as every liblsl since 1.10).</summary>
    public const int ProtocolVersion = 110;

    /// <summary>The current LSL clock in seconds (<see cref="LslClock.LocalClock"/>).</summary>
    public static double LocalClock() => LslClock.LocalClock();

    /// <summary>Finds every visible stream of this session, waiting <paramref name="waitTime"/> seconds for answers.</summary>
    public static IReadOnlyList<StreamInfo> ResolveStreams(double waitTime = 1.0, LslConfig? config = null) =>
        new StreamResolver(config).Resolve("", 0, waitTime);

    /// <summary>
    /// Finds streams whose property (<c>name</c>, <c>type</c>, <c>source_id</c>, <c>channel_count</c>, <c>hostname</c>, ...)
    /// has the given value; returns once <paramref name="minimum"/> streams are found or <paramref name="timeout"/> passes.
    /// </summary>
    public static IReadOnlyList<StreamInfo> ResolveByProp(string prop, string value, int minimum = 1, double timeout = Forever, LslConfig? config = null)
    {
        var resolver = new StreamResolver(config);
        return resolver.Resolve(StreamResolver.PropertyQuery(prop, value), minimum, timeout);
    }

    /// <summary>Finds streams matching an XPath 1.0 predicate over the stream info, e.g. <c>name='EEG' and starts-with(type,'E')</c>.</summary>
    public static IReadOnlyList<StreamInfo> ResolveByPred(string predicate, int minimum = 1, double timeout = Forever, LslConfig? config = null)
    {
        var resolver = new StreamResolver(config);
        return resolver.Resolve(predicate, minimum, timeout);
    }
}
