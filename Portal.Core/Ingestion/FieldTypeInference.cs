using Portal.Core.Metadata;

namespace Portal.Core.Ingestion;

/// <summary>Which of Pendo's six types a field gets from the set of types its values have had.</summary>
public static class FieldTypeInference
{
    public static int Bit(FieldType type) => 1 << (int)type;

    /// <summary>One type seen: that type. Integers and floats: float. Any other mix is a conflict read as text.</summary>
    public static FieldType Infer(int typesSeen)
    {
        if (typesSeen == 0) return FieldType.Text;
        if ((typesSeen & (typesSeen - 1)) == 0) return (FieldType)System.Numerics.BitOperations.TrailingZeroCount(typesSeen);
        var numbers = Bit(FieldType.Integer) | Bit(FieldType.Float);
        return (typesSeen & ~numbers) == 0 ? FieldType.Float : FieldType.Text;
    }
}
