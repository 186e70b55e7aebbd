using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Portal.Core.Ingestion;
using Portal.Ingestion;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Core.Ingestion;

public sealed class ClientFaultLogTests
{
    [Fact]
    public void RepeatsOfOneFaultWithinTheIntervalBecomeOneCountLineWhenItEnds()
    {
        var time = new FakeTimeProvider();
        var logger = new ListLogger();
        using var log = new ClientFaultLog(logger, time, Options.Create(new IngestionOptions { RepeatedWarningIntervalSeconds = 60 }), TestMetrics.Create(time));

        log.Report(ClientFault.UnusableBody, 400, "The body is not valid UTF-8 (byte 3).");
        log.Report(ClientFault.UnusableBody, 400, "The body is not valid UTF-8 (byte 9).");
        log.Report(ClientFault.UnusableBody, 400, "The body is not valid UTF-8 (byte 4).");
        log.Report(ClientFault.BadFraming, 400, "badly framed");
        Assert.Equal(2, logger.Lines.Count);

        time.Advance(TimeSpan.FromSeconds(60));

        Assert.Equal(3, logger.Lines.Count);
        Assert.Contains("2 more requests", logger.Lines[2]);
        Assert.Contains("UnusableBody", logger.Lines[2]);
        log.Report(ClientFault.UnusableBody, 400, "again");
        Assert.Equal(4, logger.Lines.Count);
    }

    private sealed class ListLogger : ILogger<ClientFaultLog>
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            Assert.Null(exception);
            lock (Lines) Lines.Add(formatter(state, exception));
        }
    }
}
