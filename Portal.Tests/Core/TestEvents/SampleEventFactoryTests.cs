using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Portal.Core.TestEvents;

namespace Portal.Tests.Core.TestEvents;

public sealed class SampleEventFactoryTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
    private readonly SampleEventFactory _factory = new(new FakeTimeProvider(Now));

    [Theory]
    [InlineData("identify")]
    [InlineData("group")]
    [InlineData("track")]
    [InlineData("screen")]
    [InlineData("page")]
    public void EachSampleIsASegmentMessageOfItsTypeWithIdsTimestampsAndContext(string type)
    {
        var message = _factory.Create(type);

        Assert.Equal(type, (string?)message["type"]);
        Assert.StartsWith("portal-test-", (string?)message["messageId"]);
        Assert.Equal(Now, DateTimeOffset.Parse((string)message["timestamp"]!));
        Assert.NotNull(message["sentAt"]);
        Assert.False(string.IsNullOrEmpty((string?)message["userId"]));
        Assert.Equal("analytics.js", (string?)message["context"]!["library"]!["name"]);
        Assert.NotNull(message["context"]!["page"]!["url"]);
        Assert.NotNull(message["context"]!["userAgent"]);
    }

    [Fact]
    public void IdentifyCarriesTraitsWithAGroupId()
    {
        var traits = _factory.Create("identify")["traits"]!.AsObject();

        Assert.StartsWith("account-", (string?)traits["groupId"]);
        Assert.Contains("@example.com", (string?)traits["email"]);
    }

    [Fact]
    public void GroupAndTrackNameTheirAccountAndEvent()
    {
        Assert.StartsWith("account-", (string?)_factory.Create("group")["groupId"]);
        var track = _factory.Create("track");
        Assert.False(string.IsNullOrEmpty((string?)track["event"]));
        Assert.IsType<JsonObject>(track["properties"]);
    }

    [Fact]
    public void EverySampleIsDifferent()
    {
        var first = _factory.Create("track");
        var second = _factory.Create("track");

        Assert.NotEqual((string?)first["messageId"], (string?)second["messageId"]);
        Assert.NotEqual((string?)first["anonymousId"], (string?)second["anonymousId"]);
    }

    [Fact]
    public void BatchesOfCopiesHaveFreshMessageIdsAndStayUnderTheRequestLimit()
    {
        var message = _factory.Create("track");

        var requests = TestEventBatches.Build(message, 1000);

        Assert.Equal(10, requests.Count);
        var ids = requests.SelectMany(r => r.MessageIds).ToList();
        Assert.Equal(1000, ids.Distinct().Count());
        Assert.DoesNotContain((string)message["messageId"]!, ids);
        Assert.All(requests, r =>
        {
            Assert.True(r.Json.Length <= TestEventBatches.MaxRequestBytes);
            var array = Assert.IsType<JsonArray>(JsonNode.Parse(r.Json));
            Assert.Equal(r.MessageIds, array.Select(m => (string)m!["messageId"]!).ToList());
        });
    }

    [Fact]
    public void MoreThanAThousandCopiesAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TestEventBatches.Build(_factory.Create("track"), 1001));
    }
}

public sealed class SampleEventsAgainstIngestionTests
{
    private readonly SampleEventFactory _factory = new(TimeProvider.System);
    private readonly Portal.Core.Ingestion.SegmentBodyParser _parser = new(new Portal.Core.Ingestion.IngestionOptions());

    [Theory]
    [InlineData("identify")]
    [InlineData("group")]
    [InlineData("track")]
    public void SupportedSamplesParseAsOneValidMessageOfTheirType(string type)
    {
        var parsed = _parser.Parse(System.Text.Encoding.UTF8.GetBytes(_factory.CreateJson(type)), DateTimeOffset.UtcNow);

        Assert.Null(parsed.Error);
        Assert.False(parsed.HasInvalid);
        var message = Assert.Single(parsed.Messages);
        Assert.Equal(type, message.Type);
        Assert.NotEmpty(message.Fields);
    }

    [Theory]
    [InlineData("screen")]
    [InlineData("page")]
    public void UnsupportedSamplesAreSkippedWithAReasonNotInvalid(string type)
    {
        var parsed = _parser.Parse(System.Text.Encoding.UTF8.GetBytes(_factory.CreateJson(type)), DateTimeOffset.UtcNow);

        Assert.Null(parsed.Error);
        Assert.Empty(parsed.Messages);
        var outcome = Assert.Single(parsed.Outcomes);
        Assert.Equal(Portal.Core.Ingestion.MessageOutcomeKind.Skipped, outcome.Outcome);
        Assert.Contains("not supported", outcome.Reason);
    }

    [Fact]
    public void ABatchOfCopiesParsesAsThatManyValidMessages()
    {
        var request = TestEventBatches.Build(_factory.Create("track"), 100).Single();

        var parsed = _parser.Parse(System.Text.Encoding.UTF8.GetBytes(request.Json), DateTimeOffset.UtcNow);

        Assert.False(parsed.HasInvalid);
        Assert.Equal(request.MessageIds, parsed.Messages.Select(m => m.MessageId).ToList());
    }
}

public sealed class SampleEventJsonTests
{
    [Fact]
    public void SampleJsonKeepsTimestampsReadable()
    {
        var json = new SampleEventFactory(new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UnixEpoch)).CreateJson("track");

        Assert.Contains("+00:00", json);
        Assert.DoesNotContain("\\u002B", json);
    }
}
