using System.Reflection;
using System.Reflection.Emit;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Portal.Core.Applications;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Core.Applications;

public sealed partial class ApiKeyFormatTests
{
    [GeneratedRegex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
    private static partial Regex PendoShape();

    [Fact]
    public void GeneratedKeysHaveThePendoAppKeyShapeInLowerCaseHex()
    {
        for (var i = 0; i < 200; i++)
        {
            var key = ApiKeyFormat.Generate();
            Assert.Matches(PendoShape(), key);
            Assert.True(ApiKeyFormat.IsWellFormed(key));
        }
    }

    [Fact]
    public void GeneratedKeysCarry128BitsThatDoNotRepeat()
    {
        var keys = Enumerable.Range(0, 10_000).Select(_ => ApiKeyFormat.Generate()).ToList();
        Assert.Equal(keys.Count, keys.Distinct().Count());
        // 32 hex digits, not a GUID: no version or variant nibble is fixed, so every position varies.
        var digits = keys.Select(k => k.Replace("-", "")).ToList();
        Assert.All(digits, d => Assert.Equal(32, d.Length));
        for (var position = 0; position < 32; position++)
            Assert.True(digits.Select(d => d[position]).Distinct().Count() == 16, $"hex position {position} does not take all 16 values");
    }

    [Fact]
    public void GenerateDrawsItsBytesFromTheCryptographicRandomNumberGenerator()
    {
        var called = CalledMethods(typeof(ApiKeyFormat).GetMethod(nameof(ApiKeyFormat.Generate))!);
        Assert.Contains(called, m => m.DeclaringType == typeof(RandomNumberGenerator));
        Assert.DoesNotContain(called, m => m.DeclaringType == typeof(Random) || m.DeclaringType == typeof(Guid));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-a-key")]
    [InlineData("0123456789abcdef0123456789abcdef")]
    [InlineData("01234567-89ab-cdef-0123-456789abcdeg")]
    [InlineData("01234567_89ab_cdef_0123_456789abcdef")]
    [InlineData("01234567-89ab-cdef-0123-456789abcdef0")]
    public void MalformedKeysAreNotWellFormed(string key) => Assert.False(ApiKeyFormat.IsWellFormed(key));

    [Fact]
    public void MaskShowsOnlyTheHint()
    {
        Assert.EndsWith("cdef", ApiKeyFormat.Mask("cdef"));
        Assert.Equal(ApiKeyFormat.Length, ApiKeyFormat.Mask("cdef").Length);
    }

    /// <summary>The methods a method body calls, read from its IL (call, callvirt and newobj tokens).</summary>
    private static List<MethodBase> CalledMethods(MethodInfo method)
    {
        var il = method.GetMethodBody()!.GetILAsByteArray()!;
        var oneByte = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => (OpCode)f.GetValue(null)!).Where(o => o.Size == 1).ToDictionary(o => o.Value);
        var twoByte = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => (OpCode)f.GetValue(null)!).Where(o => o.Size == 2).ToDictionary(o => (byte)(o.Value & 0xff));
        var found = new List<MethodBase>();
        for (var i = 0; i < il.Length;)
        {
            var op = il[i] == 0xFE ? twoByte[il[++i]] : oneByte[il[i]];
            i++;
            if (op.OperandType == OperandType.InlineMethod)
                found.Add(method.Module.ResolveMethod(BitConverter.ToInt32(il, i), method.DeclaringType?.GetGenericArguments(), null)!);
            i += op.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, i),
                _ => 4,
            };
        }
        return found;
    }
}
