using Pipeline.Core.Audio;
using Pipeline.Core.Inference;
using Pipeline.Core.Sessions;
using Pipeline.Core.Signals;
using Pipeline.Host.Sessions;

namespace Pipeline.Host.Service;

/// <summary>
/// The one place where the service turns a session's configuration into a decoder. Sessions that share a model and
/// device get one shared batching runner (<see cref="SharedRunnerPool"/>), EEG and speech alike; the rest of the
/// service only sees <see cref="SessionDecoder"/>.
/// </summary>
internal static class SessionFactory
{
    /// <summary>Builds the decoder for a stream; checks the stream against the model card (throws <see cref="PipelineException"/>).</summary>
    /// <param name="source">The opened source.</param>
    /// <param name="config">The session's configuration.</param>
    /// <param name="baseDirectory">Where relative paths start.</param>
    /// <param name="log">Where the device and batching lines go.</param>
    /// <param name="blockWhenFull">False for live sources (a full queue drops the oldest window); true for sources that
    /// run faster than real time, which should wait instead.</param>
    /// <param name="batching">How the shared runner of the model runs (the service's <c>inference</c> settings); sessions
    /// of one model and device with the same settings share a runner.</param>
    /// <param name="phaseFraction">Where an EEG session's first window starts, as a fraction of its hop (<see cref="WindowStagger"/>).</param>
    public static SessionDecoder Create(SessionSource source, SessionConfiguration config, string baseDirectory, Action<string> log, bool blockWhenFull,
        BatchingOptions batching, double phaseFraction = 0)
    {
        var id = config.Id!;
        var device = new ModelRunnerOptions { Device = ServiceSourceOptions.Device(config.Model?.Device) };
        var modelPath = config.Model?.Path is { } m ? ServicePaths.Resolve(baseDirectory, m) : null;
        if (source.IsAudio)
        {
            if (modelPath is null) throw new PipelineException("An audio session needs a keyword model (model.path, e.g. models/ssl/kws-hconv.onnx).");
            var vadPath = config.Model?.Vad is { } v ? ServicePaths.Resolve(baseDirectory, v) : SileroVad.FindDefault()
                ?? throw new PipelineException("The Silero VAD model was not found under models/silero-vad; set model.vad to the path of silero_vad.onnx.");
            var vad = SileroVad.Load(vadPath);
            SharedRunnerPool.Lease? speechLease = null;
            try
            {
                speechLease = SharedRunnerPool.AcquireSpeech(modelPath, device, batching, log);
                var speech = DecodingSession.CreateSpeech(source.Description, ServiceSourceOptions.Speech(config, blockWhenFull), vad, speechLease.Runner);
                return new SessionDecoder(speech, speechLease, vad);
            }
            catch
            {
                speechLease?.Dispose();
                vad.Dispose();
                throw;
            }
        }
        var options = ServiceSourceOptions.Decoding(config, blockWhenFull);
        options = options with { PhaseSeconds = phaseFraction * options.HopSeconds };
        if (modelPath is not null && phaseFraction > 0) log($"windows staggered: each starts {options.PhaseSeconds * 1000:F0} ms into its hop (sessions of one model started together)");
        if (modelPath is null) return new SessionDecoder(DecodingSession.Create(source.Description, options));
        // Every session of a model shares one batching runner (its inference workers take micro-batches across
        // sessions); a full queue drops that session's oldest window, counted by the session.
        var lease = SharedRunnerPool.Acquire(modelPath, device, batching, log);
        try
        {
            var session = DecodingSession.Create(source.Description, options, lease.Runner);
            if (config.Model?.AlignCalibration is { } calibration)
            {
                var seeded = CalibrationRecording.Seed(session, ServicePaths.Resolve(baseDirectory, calibration));
                log($"session '{id}': online alignment seeded from {seeded.Path} ({seeded.Windows} windows, {seeded.Seconds:F1} s)");
            }
            return new SessionDecoder(session, lease);
        }
        catch
        {
            lease.Dispose();
            throw;
        }
    }
}
