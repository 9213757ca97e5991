using Pipeline.Core.Signals;

namespace Pipeline.Sources.Simulation;

/// <summary>
/// Settings of the synthetic motor-imagery EEG simulator. The defaults give the BCI Competition IV 2a montage
/// (22 channels at 250 Hz), two classes (left, right), 2 s fixation, a cue, 4 s of imagery and 1.5-2.5 s rest,
/// and a clear but realistic event-related desynchronisation (about 65 % less mu/beta power over the
/// contralateral motor cortex during imagery).
/// </summary>
public sealed record MotorImagerySimulatorOptions
{
    /// <summary>The class names the simulator knows: left hand, right hand, both feet, and rest (no imagery).</summary>
    public static IReadOnlyList<string> KnownClasses { get; } = ["left", "right", "feet", "rest"];

    /// <summary>Channel labels in stream order; each must be a 10-20/10-10 name (see <see cref="ElectrodePositions"/>).</summary>
    public IReadOnlyList<string> ChannelLabels { get; init; } = StandardMontages.Bci2a22;
    /// <summary>Sampling rate in Hz.</summary>
    public double SamplingRate { get; init; } = 250;
    /// <summary>Seed of the run: the same seed gives bit-identical samples and markers.</summary>
    public int Seed { get; init; } = 1;
    /// <summary>The classes to cue, each one of <see cref="KnownClasses"/>; their order in a block is shuffled.</summary>
    public IReadOnlyList<string> Classes { get; init; } = ["left", "right"];
    /// <summary>Each shuffled block holds every class this many times, so the classes stay balanced.</summary>
    public int TrialsPerClassPerBlock { get; init; } = 5;
    /// <summary>Fixation time from trial start to the cue, in seconds.</summary>
    public double FixationSeconds { get; init; } = 2;
    /// <summary>Imagery time from the cue to its end, in seconds.</summary>
    public double ImagerySeconds { get; init; } = 4;
    /// <summary>Shortest rest after imagery, in seconds.</summary>
    public double RestMinSeconds { get; init; } = 1.5;
    /// <summary>Longest rest after imagery, in seconds (the rest is drawn uniformly between the two).</summary>
    public double RestMaxSeconds { get; init; } = 2.5;
    /// <summary>Fraction of mu/beta power lost over the contralateral motor cortex during imagery (0..0.95).</summary>
    public double ErdDepth { get; init; } = 0.65;
    /// <summary>Relative trial-to-trial spread of the ERD depth (standard deviation as a fraction of the depth).</summary>
    public double ErdVariability { get; init; } = 0.2;
    /// <summary>Fraction of mu/beta power gained over the ipsilateral motor cortex during imagery (ERS).</summary>
    public double IpsilateralErs { get; init; } = 0.15;
    /// <summary>Time constant of the ERD onset and recovery, in seconds.</summary>
    public double ErdTimeConstantSeconds { get; init; } = 0.3;
    /// <summary>RMS of the 1/f background at each channel, in microvolts.</summary>
    public double BackgroundRmsMicrovolts { get; init; } = 15;
    /// <summary>
    /// RMS of slow waves below about 0.5 Hz at each channel (sweat, electrode drift), in microvolts: like real EEG,
    /// they dominate the raw variance, so a decoder has to find the mu/beta bands rather than just measure power.
    /// </summary>
    public double SlowWaveRmsMicrovolts { get; init; } = 10;
    /// <summary>RMS of the posterior alpha rhythm (about 10 Hz) at its peak (POz), in microvolts.</summary>
    public double AlphaRmsMicrovolts { get; init; } = 10;
    /// <summary>RMS of each sensorimotor mu rhythm (about 11 Hz) at C3, C4 and Cz, in microvolts.</summary>
    public double MuRmsMicrovolts { get; init; } = 8;
    /// <summary>RMS of each sensorimotor beta rhythm (about 21 Hz) at C3, C4 and Cz, in microvolts.</summary>
    public double BetaRmsMicrovolts { get; init; } = 2.5;
    /// <summary>RMS of the independent white sensor noise on every channel, in microvolts.</summary>
    public double NoiseRmsMicrovolts { get; init; } = 1.5;
    /// <summary>Standard deviation of the slow random drift of each rhythm's log-amplitude (0 = no drift).</summary>
    public double AmplitudeDrift { get; init; } = 0.2;
    /// <summary>Time constant of that drift, in seconds.</summary>
    public double DriftTimeConstantSeconds { get; init; } = 20;
    /// <summary>Amplitude (peak) of the power-line interference, in microvolts; 0 turns it off.</summary>
    public double LineNoiseMicrovolts { get; init; }
    /// <summary>Power-line frequency in Hz (50 or 60).</summary>
    public double LineFrequency { get; init; } = 50;
    /// <summary>Frames per emitted chunk (default 10 frames = 40 ms at 250 Hz).</summary>
    public int ChunkFrames { get; init; } = 10;
    /// <summary>Timestamp of the first frame (seconds of the LSL clock); frame i is at <c>StartTime + i / SamplingRate</c>.</summary>
    public double StartTime { get; init; }
    /// <summary>When true a <c>trial</c> marker is also emitted at every trial start (fixation onset).</summary>
    public bool EmitTrialMarkers { get; init; }
    /// <summary>Name of the EEG stream; the marker stream is named <c>{StreamName}-Markers</c>.</summary>
    public string StreamName { get; init; } = "MotorImagerySimulator";

    /// <summary>Options with the standard layout for <paramref name="channelCount"/> channels (8, 16, 22, 32 or 64).</summary>
    public static MotorImagerySimulatorOptions ForChannelCount(int channelCount) =>
        new() { ChannelLabels = StandardMontages.ForChannelCount(channelCount) };

    /// <summary>Throws a <see cref="PipelineException"/> naming the first setting that cannot work.</summary>
    public void Validate()
    {
        if (ChannelLabels is null || ChannelLabels.Count == 0)
            throw new PipelineException("The simulator has no channels; give at least one channel label, e.g. C3.");
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var label in ChannelLabels)
        {
            ElectrodePositions.GetPosition(label);
            if (!seen.Add(label))
                throw new PipelineException($"The simulator's channel label '{label}' appears twice; give each channel once.");
        }
        Require(double.IsFinite(SamplingRate) && SamplingRate >= 20 && SamplingRate <= 100_000,
            $"The simulator's sampling rate {SamplingRate} Hz is out of range; use a rate between 20 Hz and 100 kHz, e.g. 250.");
        if (Classes is null || Classes.Count == 0)
            throw new PipelineException("The simulator has no classes; give at least one of left, right, feet, rest.");
        var seenClasses = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in Classes)
        {
            if (!KnownClasses.Contains(c))
                throw new PipelineException($"The simulator does not know the class '{c}'; use left, right, feet or rest.");
            if (!seenClasses.Add(c))
                throw new PipelineException($"The simulator's class '{c}' is listed twice; give each class once.");
        }
        Require(TrialsPerClassPerBlock >= 1, "The simulator's TrialsPerClassPerBlock must be at least 1.");
        Require(FixationSeconds >= 0 && double.IsFinite(FixationSeconds), "The simulator's fixation time must be 0 s or more.");
        Require(ImagerySeconds > 0 && double.IsFinite(ImagerySeconds), "The simulator's imagery time must be more than 0 s.");
        Require(RestMinSeconds >= 0 && RestMaxSeconds >= RestMinSeconds && double.IsFinite(RestMaxSeconds),
            $"The simulator's rest range {RestMinSeconds}-{RestMaxSeconds} s is invalid; give 0 <= minimum <= maximum.");
        Require(FixationSeconds + ImagerySeconds + RestMinSeconds >= 1 / SamplingRate,
            "The simulator's trial is shorter than one sample; lengthen fixation, imagery or rest.");
        Require(ErdDepth >= 0 && ErdDepth <= 0.95, $"The simulator's ERD depth {ErdDepth} is out of range; use 0 to 0.95.");
        Require(ErdVariability >= 0 && ErdVariability <= 2, "The simulator's ERD variability must be between 0 and 2.");
        Require(IpsilateralErs >= 0 && IpsilateralErs <= 2, "The simulator's ipsilateral ERS must be between 0 and 2.");
        Require(ErdTimeConstantSeconds > 0, "The simulator's ERD time constant must be more than 0 s.");
        Require(BackgroundRmsMicrovolts >= 0 && AlphaRmsMicrovolts >= 0 && MuRmsMicrovolts >= 0 && BetaRmsMicrovolts >= 0
            && NoiseRmsMicrovolts >= 0 && SlowWaveRmsMicrovolts >= 0 && LineNoiseMicrovolts >= 0,
            "The simulator's amplitudes must be 0 or more microvolts.");
        Require(AmplitudeDrift >= 0 && AmplitudeDrift <= 2, "The simulator's amplitude drift must be between 0 and 2.");
        Require(DriftTimeConstantSeconds > 0, "The simulator's drift time constant must be more than 0 s.");
        Require(LineFrequency > 0 && LineFrequency < SamplingRate / 2,
            $"The simulator's line frequency {LineFrequency} Hz must lie below half the sampling rate.");
        Require(ChunkFrames >= 1, $"The simulator's chunk size {ChunkFrames} must be at least 1 frame.");
        Require(double.IsFinite(StartTime), "The simulator's start time must be a finite number of seconds.");
        Require(!string.IsNullOrWhiteSpace(StreamName), "The simulator's stream name must not be empty.");
    }

    private static void Require(bool ok, string message)
    {
        if (!ok) throw new PipelineException(message);
    }
}
