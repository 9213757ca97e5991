using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Pipeline.Tests.Fuzz;

/// <summary>
/// Seeded, deterministic mutations of real inputs: bit flips, byte overwrites, truncations, cut or doubled ranges,
/// and absurd values written into the header fields a format declares (lengths of 2^62, 10^9 records, rates of
/// 1e308, zero and negative counts). The same seed always gives the same sequence of inputs.
/// </summary>
internal sealed class InputMutator(int seed)
{
    private readonly Random _random = new(seed);

    /// <summary>Absurd integers as a header may claim them.</summary>
    public static readonly long[] AbsurdIntegers =
        [0, -1, -2, 1, 2, 255, 65535, 65536, int.MaxValue, (long)int.MaxValue + 1, uint.MaxValue, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000, 1L << 62, long.MaxValue, long.MinValue];

    /// <summary>Absurd numbers written as text (EDF fields, XML values, TAL onsets).</summary>
    public static readonly string[] AbsurdTexts =
        ["0", "-1", "1e-9", "1e308", "-1e308", "1e9", "2147483648", "4.6e18", "4611686018427387904", "99999999", "-9999999", "nan", "NaN", "inf", "-inf", "1e-300", "0.0000001", "", " ", "abc", "1,5", "+1e308"];

    public Random Random => _random;

    /// <summary>One mutation of <paramref name="seed"/>; <paramref name="fields"/> are the format's header fields.</summary>
    public (byte[] Bytes, string What) Mutate(byte[] seed, IReadOnlyList<HeaderField> fields)
    {
        var bytes = (byte[])seed.Clone();
        var steps = 1 + _random.Next(3);
        var what = new List<string>();
        for (var s = 0; s < steps; s++)
        {
            var kind = _random.Next(fields.Count > 0 ? 10 : 6);
            switch (kind)
            {
                case 0:
                case 1:
                    {
                        var n = 1 + _random.Next(8);
                        for (var i = 0; i < n && bytes.Length > 0; i++)
                        {
                            var at = _random.Next(bytes.Length);
                            bytes[at] ^= (byte)(1 << _random.Next(8));
                        }
                        what.Add($"{n} bit flip(s)");
                        break;
                    }
                case 2:
                    {
                        if (bytes.Length == 0) break;
                        var at = _random.Next(bytes.Length);
                        bytes[at] = (byte)_random.Next(256);
                        what.Add($"byte {at} set");
                        break;
                    }
                case 3:
                    {
                        var keep = bytes.Length == 0 ? 0 : _random.Next(bytes.Length);
                        bytes = bytes[..keep];
                        what.Add($"truncated to {keep} bytes");
                        break;
                    }
                case 4:
                    {
                        if (bytes.Length < 2) break;
                        var a = _random.Next(bytes.Length);
                        var b = Math.Min(bytes.Length, a + 1 + _random.Next(Math.Min(4096, bytes.Length - a)));
                        bytes = _random.Next(2) == 0 ? [.. bytes[..a], .. bytes[b..]] : [.. bytes[..b], .. bytes[a..b], .. bytes[b..]];
                        what.Add($"range {a}..{b} cut or doubled");
                        break;
                    }
                case 5:
                    {
                        if (bytes.Length < 8) break;
                        var at = _random.Next(bytes.Length - 8);
                        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(at), AbsurdIntegers[_random.Next(AbsurdIntegers.Length)]);
                        what.Add($"int64 at {at}");
                        break;
                    }
                default:
                    {
                        var field = fields[_random.Next(fields.Count)];
                        if (field.Offset + field.Width > bytes.Length) break;
                        field.Write(bytes.AsSpan(field.Offset, field.Width), this);
                        what.Add($"field {field.Name}");
                        break;
                    }
            }
        }
        return (bytes, string.Join(", ", what));
    }

    /// <summary>
    /// One mutation of a JSON document: a value replaced by one of another type or an absurd one, a property
    /// removed, an element added, or (one time in four) the text itself damaged.
    /// </summary>
    public (string Json, string What) MutateJson(string json)
    {
        if (_random.Next(4) == 0)
        {
            var (bytes, what) = Mutate(Encoding.UTF8.GetBytes(json), []);
            return (Encoding.UTF8.GetString(bytes), "text: " + what);
        }
        var root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true })!;
        var steps = 1 + _random.Next(3);
        var done = new List<string>();
        for (var s = 0; s < steps; s++)
        {
            var nodes = new List<(JsonNode? Parent, string? Key, int Index, JsonNode? Node, string Path)>();
            Collect(root, null, null, -1, "$", nodes);
            var (parent, key, index, node, path) = nodes[_random.Next(nodes.Count)];
            if (parent is null) continue;
            var choice = _random.Next(10);
            if (choice == 0 && parent is JsonObject po && key is not null)
            {
                po.Remove(key);
                done.Add($"removed {path}");
            }
            else if (choice == 1 && node is JsonArray array)
            {
                array.Add(Absurd());
                done.Add($"added to {path}");
            }
            else if (choice == 2 && node is JsonArray emptied)
            {
                emptied.Clear();
                done.Add($"emptied {path}");
            }
            else
            {
                var value = Absurd();
                if (parent is JsonObject o && key is not null) o[key] = value;
                else if (parent is JsonArray a) a[index] = value;
                done.Add($"{path} = {value?.ToJsonString() ?? "null"}");
            }
        }
        return (root.ToJsonString(), string.Join("; ", done));
    }

    private JsonNode? Absurd() => _random.Next(14) switch
    {
        0 => null,
        1 => JsonValue.Create(AbsurdIntegers[_random.Next(AbsurdIntegers.Length)]),
        2 => JsonValue.Create(new[] { 0.0, -1.0, 1.5, 1e308, -1e308, 1e-300, 0.5, 1e9, 3.4e39 }[_random.Next(9)]),
        3 => JsonValue.Create(AbsurdTexts[_random.Next(AbsurdTexts.Length)]),
        4 => JsonValue.Create(_random.Next(2) == 0),
        5 => new JsonArray(),
        6 => new JsonObject(),
        7 => new JsonArray(JsonValue.Create(8.0)),
        8 => new JsonArray(JsonValue.Create("a"), JsonValue.Create("a")),
        9 => new JsonArray(null, JsonValue.Create(1)),
        10 => Nested(_random.Next(2, 200)),
        11 => JsonValue.Create(new string('x', _random.Next(1, 5000))),
        12 => JsonValue.Create(-0.0),
        _ => new JsonObject { ["x"] = JsonValue.Create(1) },
    };

    private static JsonNode Nested(int depth)
    {
        JsonNode node = new JsonArray();
        for (var i = 0; i < depth; i++) node = new JsonArray(node);
        return node;
    }

    private static void Collect(JsonNode? node, JsonNode? parent, string? key, int index, string path,
        List<(JsonNode?, string?, int, JsonNode?, string)> into)
    {
        into.Add((parent, key, index, node, path));
        if (node is JsonObject o)
            foreach (var (k, v) in o.ToList()) Collect(v, o, k, -1, $"{path}.{k}", into);
        else if (node is JsonArray a)
            for (var i = 0; i < a.Count; i++) Collect(a[i], a, null, i, $"{path}[{i}]", into);
    }

    /// <summary>A header field a format declares: where it is and how an absurd value is written into it.</summary>
    public sealed record HeaderField(string Name, int Offset, int Width, FieldKind Kind);

    /// <summary>How a header field is stored.</summary>
    public enum FieldKind { AsciiNumber, Byte, Int16, Int32, Int64, UInt24, Float32, Float64 }
}
