namespace Pipeline.Core.Inference;

/// <summary>What travels with a window through the batching queue, so its result can be matched and timed.</summary>
/// <param name="WindowIndex">The window's running number in its session.</param>
/// <param name="StartTime">Timestamp of its first sample.</param>
/// <param name="EndTime">Timestamp of its last sample.</param>
/// <param name="NewestArrivalTicks">Stopwatch ticks when its newest sample arrived.</param>
public readonly record struct WindowTicket(long WindowIndex, double StartTime, double EndTime, long NewestArrivalTicks);

/// <summary>Receives one window's class probabilities on the runner's inference thread (the span is valid only during the call).</summary>
public delegate void BatchResultHandler(in WindowTicket ticket, ReadOnlySpan<float> probabilities);
