namespace Portal.Core.Seeding;

/// <summary>How much demo data to seed. <see cref="Bench"/> is the size bench/pages.sh measures pages at.</summary>
public sealed record DemoDataSize(int TrackEvents, int Visitors, int Accounts, int Fields, int EventNames = 150, int LogEntries = 0)
{
    public static readonly DemoDataSize Bench = new(1_000_000, 100_000, 10_000, 5_000, LogEntries: 100_000);
    public static readonly DemoDataSize Small = new(5_000, 500, 50, 300, 20, LogEntries: 200);
}
