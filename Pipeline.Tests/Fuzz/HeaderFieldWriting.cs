using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Pipeline.Tests.Fuzz;

/// <summary>Writes absurd values into the header fields the fuzz pass mutates.</summary>
internal static class HeaderFieldWriting
{
    /// <summary>Writes an absurd value of the field's kind into <paramref name="target"/>.</summary>
    public static void Write(this InputMutator.HeaderField field, Span<byte> target, InputMutator m)
    {
        var r = m.Random;
        var n = InputMutator.AbsurdIntegers[r.Next(InputMutator.AbsurdIntegers.Length)];
        switch (field.Kind)
        {
            case InputMutator.FieldKind.AsciiNumber:
                var text = r.Next(2) == 0 ? InputMutator.AbsurdTexts[r.Next(InputMutator.AbsurdTexts.Length)] : n.ToString(CultureInfo.InvariantCulture);
                var padded = text.Length >= target.Length ? text[..target.Length] : text.PadRight(target.Length);
                Encoding.ASCII.GetBytes(padded).CopyTo(target);
                break;
            case InputMutator.FieldKind.Byte: target[0] = (byte)n; break;
            case InputMutator.FieldKind.Int16: BinaryPrimitives.WriteInt16LittleEndian(target, (short)n); break;
            case InputMutator.FieldKind.Int32: BinaryPrimitives.WriteInt32LittleEndian(target, (int)n); break;
            case InputMutator.FieldKind.Int64: BinaryPrimitives.WriteInt64LittleEndian(target, n); break;
            case InputMutator.FieldKind.UInt24: target[0] = (byte)n; target[1] = (byte)(n >> 8); target[2] = (byte)(n >> 16); break;
            case InputMutator.FieldKind.Float32:
                BinaryPrimitives.WriteSingleLittleEndian(target, new[] { float.NaN, float.PositiveInfinity, 0f, -1f, 1e-30f, 3e38f }[r.Next(6)]);
                break;
            case InputMutator.FieldKind.Float64:
                BinaryPrimitives.WriteDoubleLittleEndian(target, new[] { double.NaN, double.PositiveInfinity, 0, -1, 1e-300, 1e308, -1e308 }[r.Next(7)]);
                break;
        }
    }
}
