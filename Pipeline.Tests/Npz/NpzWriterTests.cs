using System.Diagnostics;
using CsCheck;
using Pipeline.Core.Signals;
using Pipeline.Sinks.Files;
using Pipeline.Tests.Edf;

namespace Pipeline.Tests.Npz;

public class NpzWriterTests
{
    private static TempFile NewPath() => new([], ".npz");

    [Theory]
    [InlineData("<f4", new[] { 15, 64, 480 }, "{'descr': '<f4', 'fortran_order': False, 'shape': (15, 64, 480), }")]
    [InlineData("<i8", new[] { 3 }, "{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }")]
    [InlineData("<f8", new int[0], "{'descr': '<f8', 'fortran_order': False, 'shape': (), }")]
    [InlineData("<U12", new[] { 2, 1 }, "{'descr': '<U12', 'fortran_order': False, 'shape': (2, 1), }")]
    public void Header_dict_is_written_exactly_as_numpy_does(string descr, int[] shape, string expected)
    {
        using var tmp = NewPath();
        var count = shape.Aggregate(1, (a, b) => a * b);
        using (var npz = new NpzWriter(tmp.Path))
        {
            switch (descr)
            {
                case "<f4": npz.Add("a", new float[count], shape); break;
                case "<i8": npz.Add("a", new long[count], shape); break;
                case "<f8": npz.AddScalar("a", 1.5); break;
                default: npz.Add("a", Enumerable.Repeat("abcdefghijkl", count).ToArray(), shape); break;
            }
        }
        var a = NpyTestReader("a", tmp.Path);
        Assert.Equal(expected, a.HeaderText.TrimEnd(' ', '\n'));
        Assert.Equal(shape, a.Shape);
    }

    [Fact]
    public void Header_is_padded_to_a_multiple_of_64_and_ends_with_a_newline_for_any_shape()
    {
        Gen.Int[0, 100000].Array[0, 7].Sample(shape =>
        {
            var header = NpyHeaderBytes(shape, out var written);
            Assert.Equal(0, header.Length % 64);
            Assert.Equal((byte)'\n', header[^1]);
            Assert.Equal(header.Length - 10, header[8] | (header[9] << 8));
            var parsed = Npz.NpyTestArray.Parse(header);
            Assert.Equal(written, parsed.Shape);
            Assert.Empty(parsed.Data);
        });
    }

    [Fact]
    public void Arrays_round_trip_through_an_independent_parser()
    {
        using var tmp = NewPath();
        var x = Enumerable.Range(0, 2 * 3 * 4).Select(i => i * 0.5f - 3).ToArray();
        double[] band = [double.NaN, double.NaN];
        long[] y = [0, 1, -5, long.MaxValue];
        string[] labels = ["C3", "Cz", "", "\u4EF0\u5367\U0001F600"];
        using (var npz = new NpzWriter(tmp.Path, compress: true))
        {
            npz.Add("X", x, 2, 3, 4);
            npz.Add("band", band);
            npz.Add("y", y);
            npz.Add("labels", labels);
            npz.AddScalar("rate", 160.0);
            npz.AddScalar("count", 7L);
            npz.AddScalar("source", "S001R04.edf");
            npz.Add("empty", Array.Empty<string>());
        }
        var all = NpyTestArray.ReadNpz(tmp.Path);
        Assert.Equal(["X", "band", "y", "labels", "rate", "count", "source", "empty"], all.Keys);
        Assert.Equal([2, 3, 4], all["X"].Shape);
        Assert.Equal(x, all["X"].Floats());
        Assert.Equal([2], all["band"].Shape);
        Assert.All(all["band"].Doubles(), v => Assert.True(double.IsNaN(v)));
        Assert.Equal(y, all["y"].Longs());
        // Width is the longest text in code points: the emoji is one code point though it is two UTF-16 chars.
        Assert.Equal("<U3", all["labels"].Descr);
        Assert.Equal(labels, all["labels"].Texts());
        Assert.Equal([], all["rate"].Shape);
        Assert.Equal([160.0], all["rate"].Doubles());
        Assert.Equal([7L], all["count"].Longs());
        Assert.Equal("<U11", all["source"].Descr);
        Assert.Equal([], all["source"].Shape);
        Assert.Equal(["S001R04.edf"], all["source"].Texts());
        Assert.Equal("<U1", all["empty"].Descr);
        Assert.Equal([0], all["empty"].Shape);
    }

    [Fact]
    public void Float_arrays_can_be_streamed_piece_by_piece()
    {
        using var tmp = NewPath();
        using (var npz = new NpzWriter(tmp.Path))
        {
            using (var x = npz.BeginFloat32("X", 3, 2, 2))
            {
                Assert.Throws<InvalidOperationException>(() => npz.AddScalar("too-early", 1.0));
                for (var epoch = 0; epoch < 3; epoch++) x.Write([epoch, epoch + 0.25f, epoch + 0.5f, epoch + 0.75f]);
                Assert.Throws<InvalidOperationException>(() => x.Write([1f]));
            }
            npz.AddScalar("after", 2.0);
            var short_ = npz.BeginFloat32("short", 4);
            short_.Write([1f]);
            Assert.Throws<InvalidOperationException>(short_.Dispose);
        }
        var all = NpyTestArray.ReadNpz(tmp.Path);
        Assert.Equal([0, 0.25f, 0.5f, 0.75f, 1, 1.25f, 1.5f, 1.75f, 2, 2.25f, 2.5f, 2.75f], all["X"].Floats());
        Assert.Equal([2.0], all["after"].Doubles());
    }

    [Fact]
    public void Wrong_shapes_duplicate_names_and_bad_paths_are_refused()
    {
        using var tmp = NewPath();
        using (var npz = new NpzWriter(tmp.Path))
        {
            Assert.Throws<ArgumentException>(() => npz.Add("a", new float[6], 2, 2));
            npz.Add("b", new float[6], 2, 3);
            Assert.Throws<ArgumentException>(() => npz.Add("b", new float[6], 6));
            Assert.Throws<ArgumentOutOfRangeException>(() => npz.Add("c", new float[0], -1, 0));
            Assert.ThrowsAny<ArgumentException>(() => npz.Add("", new float[1]));
        }
        var missing = Path.Combine(Path.GetTempPath(), "no-such-folder-" + Guid.NewGuid().ToString("N"), "x.npz");
        var e = Assert.Throws<PipelineException>(() => new NpzWriter(missing));
        Assert.Contains(missing, e.Message);
    }

    [NumpyFact]
    public void Numpy_loads_the_epochs_schema()
    {
        using var tmp = NewPath();
        const int n = 3, channels = 2, samples = 5;
        var x = new float[n * channels * samples];
        for (var i = 0; i < x.Length; i++) x[i] = i * 0.5f;
        using (var npz = new NpzWriter(tmp.Path))
        {
            npz.Add("X", x, n, channels, samples);
            npz.Add("y", new long[] { 0, 1, 1 });
            npz.Add("class_names", ["left", "right"]);
            npz.Add("markers", ["T1", "T2"]);
            npz.Add("channel_labels", ["C3..", "C4\u00B5"]);
            npz.Add("units", ["uV", "uV"]);
            npz.AddScalar("rate", 160.0);
            npz.AddScalar("tmin", -0.5);
            npz.AddScalar("tmax", 4.0);
            npz.Add("band", new[] { double.NaN, double.NaN });
            npz.AddScalar("notch", 0.0);
            npz.Add("cue_times", new[] { 4.2, 12.5, 20.79 });
            npz.Add("onsets", new[] { 4.2, 12.5, 20.8 });
            npz.AddScalar("source", "S001R04.edf");
        }
        const string script = """
            import sys, numpy as np
            d = np.load(sys.argv[1])
            assert sorted(d.files) == sorted(['X','y','class_names','markers','channel_labels','units','rate','tmin','tmax','band','notch','cue_times','onsets','source']), d.files
            X = d['X']; assert X.dtype == np.float32 and X.shape == (3, 2, 5), (X.dtype, X.shape)
            assert X[1, 0, 2] == (1*10 + 0*5 + 2) * 0.5, X[1, 0, 2]
            assert X[2, 1, 4] == 29 * 0.5
            y = d['y']; assert y.dtype == np.int64 and y.tolist() == [0, 1, 1], y
            assert d['class_names'].dtype == np.dtype('<U5') and d['class_names'].tolist() == ['left', 'right']
            assert d['markers'].tolist() == ['T1', 'T2']
            assert d['channel_labels'].tolist() == ['C3..', 'C4\u00b5'], d['channel_labels']
            assert d['rate'].shape == () and d['rate'].dtype == np.float64 and float(d['rate']) == 160.0
            assert float(d['tmin']) == -0.5 and float(d['tmax']) == 4.0
            assert d['band'].shape == (2,) and np.isnan(d['band']).all()
            assert float(d['notch']) == 0.0
            assert d['units'].tolist() == ['uV', 'uV']
            assert d['cue_times'].dtype == np.float64 and d['cue_times'].tolist() == [4.2, 12.5, 20.79]
            assert d['onsets'].tolist() == [4.2, 12.5, 20.8]
            assert d['source'].shape == () and str(d['source']) == 'S001R04.edf'
            print('ok')
            """;
        var psi = new ProcessStartInfo(NumpyFactAttribute.Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(script);
        psi.ArgumentList.Add(tmp.Path);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(60_000), "python did not finish");
        Assert.True(p.ExitCode == 0, $"numpy.load check failed: {stderr}");
        Assert.Equal("ok", stdout.Result.Trim());
    }

    private static NpyTestArray NpyTestReader(string name, string path) => NpyTestArray.ReadNpz(path)[name];

    private static byte[] NpyHeaderBytes(int[] shape, out int[] zeroShape)
    {
        // Write a zero-sized copy of the shape to get the header alone, then read it back out of the archive.
        using var tmp = NewPath();
        zeroShape = shape.Length == 0 ? [0] : shape.Select((d, i) => i == 0 ? 0 : d).ToArray();
        using (var npz = new NpzWriter(tmp.Path)) npz.Add("h", ReadOnlySpan<float>.Empty, zeroShape);
        using var zip = System.IO.Compression.ZipFile.OpenRead(tmp.Path);
        using var s = zip.Entries[0].Open();
        var ms = new MemoryStream();
        s.CopyTo(ms);
        return ms.ToArray();
    }
}
