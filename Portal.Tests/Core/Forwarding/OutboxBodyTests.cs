using System.Text;
using Portal.Core.Forwarding;

namespace Portal.Tests.Core.Forwarding;

public sealed class OutboxBodyTests
{
    private static List<ReadOnlyMemory<byte>> Messages(int count) =>
        Enumerable.Range(0, count)
            .Select(i => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(
                "{\"type\":\"track\",\"event\":\"Order Completed\",\"userId\":\"user-" + i + "\",\"messageId\":\"m-" + i +
                "\",\"properties\":{\"total\":" + i + ".5,\"currency\":\"USD\"},\"context\":{\"ip\":\"203.0.113.7\",\"library\":{\"name\":\"analytics-node\"}}}"))
            .ToList();

    [Fact]
    public void APackedBodyUnpacksToTheJoinedMessagesByteForByte()
    {
        var messages = Messages(100);

        var packed = OutboxBody.Pack(messages);

        Assert.Equal(OutboxBody.Join(messages), OutboxBody.Unpack(packed));
        Assert.Equal(messages.Select(m => m.ToArray()), OutboxBody.Split(OutboxBody.Unpack(packed)).Select(m => m.ToArray()));
        // Messages of one sender repeat their keys and context: the stored entry is a fraction of the array.
        Assert.True(packed.Length * 4 < OutboxBody.Join(messages).Length, $"{packed.Length} bytes packed");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(1000)]
    public void ABodyOfAnySizeUnpacksToExactlyItsMessages(int count)
    {
        var messages = Messages(count);

        Assert.Equal(OutboxBody.Join(messages), OutboxBody.Unpack(OutboxBody.Pack(messages)));
    }

    [Fact]
    public void ABodyWhoseGzipTrailerDisagreesWithItsContentIsRefusedNotCutOrPadded()
    {
        var packed = OutboxBody.Pack(Messages(10));
        var longer = packed.ToArray();
        longer[^4]--;
        var shorter = packed.ToArray();
        shorter[^4]++;

        Assert.Throws<InvalidDataException>(() => OutboxBody.Unpack(longer));
        Assert.Throws<InvalidDataException>(() => OutboxBody.Unpack(shorter));
        Assert.Throws<InvalidDataException>(() => OutboxBody.Unpack(packed[..^10]));
        var huge = packed.ToArray();
        huge[^1] = 0x7f;
        Assert.Throws<InvalidDataException>(() => OutboxBody.Unpack(huge));
    }

    [Fact]
    public void ABodyStoredAsAPlainArrayIsReadAsItIs()
    {
        var plain = OutboxBody.Join(Messages(2));

        Assert.Same(plain, OutboxBody.Unpack(plain));
    }
}
