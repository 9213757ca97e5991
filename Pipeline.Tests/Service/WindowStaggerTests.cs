using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Host.Service;

namespace Pipeline.Tests.Service;

/// <summary>serve staggers the windows of sessions started together that share a model (issue 15, item 3).</summary>
public sealed class WindowStaggerTests
{
    private static SessionConfiguration Session(string id, string? model, string device = "cpu") => new()
    {
        Id = id,
        Source = new SourceConfiguration { Kind = "simulator" },
        Model = model is null ? null : new ModelConfiguration { Path = model, Device = device },
    };

    [Fact]
    public void Sessions_of_one_model_and_device_get_phases_k_over_n_in_configuration_order_others_their_own_groups()
    {
        var baseDirectory = Path.GetTempPath();
        var sessions = new List<SessionConfiguration>
        {
            Session("a", "models/m.onnx"),
            Session("plain", null),
            Session("b", "./models/../models/m.onnx"), // the same file by another path
            Session("gpu", "models/m.onnx", "CUDA"),
            Session("c", Path.Combine(baseDirectory, "models", "m.onnx")),
            Session("d", "models/m.onnx"),
            Session("other", "models/other.onnx"),
        };
        var phases = WindowStagger.Fractions(sessions, baseDirectory);
        Assert.Equal(0, phases["a"]);
        Assert.Equal(0.25, phases["b"]);
        Assert.Equal(0.5, phases["c"]);
        Assert.Equal(0.75, phases["d"]);
        Assert.Equal(0, phases["gpu"]);   // a runner of its own: nothing to queue behind
        Assert.Equal(0, phases["other"]);
        Assert.Equal(0, phases["plain"]); // no model, no queue
        Assert.Equal(sessions.Count, phases.Count);
    }

    [Fact]
    public void The_service_hands_each_session_its_phase()
    {
        var config = new ServiceConfiguration { Sessions = [Session("x", "m.onnx"), Session("y", "m.onnx"), Session("z", "m.onnx")] };
        var host = new SessionHost(config, Path.GetTempPath(), NullLoggerFactory.Instance);
        Assert.Equal([0, 1 / 3.0, 2 / 3.0], host.Sessions.Select(s => s.PhaseFraction));
    }
}
