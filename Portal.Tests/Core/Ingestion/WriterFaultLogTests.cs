using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Portal.Core.Ingestion.Faults;

namespace Portal.Tests.Core.Ingestion;

public sealed class WriterFaultLogTests
{
    [Fact]
    public void AnOutageIsOneLineWithItsStackTraceThenOneCountLinePerInterval()
    {
        var time = new FakeTimeProvider();
        var logger = new ListLogger();
        var log = new WriterFaultLog(logger, time, TimeSpan.FromSeconds(60));
        var full = new SqliteException("database or disk is full", 13);

        for (var i = 0; i < 379; i++) log.Report(full, requests: 4);
        log.Flush();
        Assert.Single(logger.Lines);
        Assert.NotNull(logger.Lines[0].Exception);

        time.Advance(TimeSpan.FromSeconds(60));
        log.Flush();

        Assert.Equal(2, logger.Lines.Count);
        Assert.Null(logger.Lines[1].Exception);
        Assert.Contains("378 more failed commits within 60 s", logger.Lines[1].Text);
        Assert.Contains("SQLite error 13", logger.Lines[1].Text);

        // A quiet interval writes nothing; the next failure starts a new one, with its stack trace.
        time.Advance(TimeSpan.FromSeconds(120));
        log.Flush();
        Assert.Equal(2, logger.Lines.Count);
        log.Report(full, requests: 1);
        Assert.Equal(3, logger.Lines.Count);
        Assert.NotNull(logger.Lines[2].Exception);
    }

    [Theory]
    [InlineData(5, true)]   // SQLITE_BUSY: locked by another process
    [InlineData(13, true)]  // SQLITE_FULL
    [InlineData(10, true)]  // SQLITE_IOERR
    [InlineData(19, false)] // SQLITE_CONSTRAINT: this batch, not the database
    [InlineData(1, false)]  // SQLITE_ERROR
    public void OnlyFaultsOfTheDatabaseItselfTurnTheQueueAway(int sqliteError, bool unavailable) =>
        Assert.Equal(unavailable, StoreFaults.IsUnavailable(new SqliteException("x", sqliteError)));

    private sealed class ListLogger : ILogger
    {
        public List<(string Text, Exception? Exception)> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add((formatter(state, exception), exception));
    }
}
