namespace Portal.Core.Dashboard;

/// <summary>One application at a glance.</summary>
public sealed record DashboardSummary(
    Guid ApplicationId,
    int Visitors,
    int Accounts,
    int Fields,
    DateTimeOffset? LastEventAt,
    IReadOnlyList<HourlyCount> EventsPerHour,
    IReadOnlyList<SetupStepStatus> Checklist)
{
    /// <summary>The first step not yet done; null once the application is fully set up.</summary>
    public SetupStep? NextStep => Checklist.FirstOrDefault(s => !s.Done)?.Step;
}

/// <summary>Events received in the hour starting at <see cref="HourStart"/> (UTC).</summary>
public sealed record HourlyCount(DateTimeOffset HourStart, int Count);

public sealed record SetupStepStatus(SetupStep Step, bool Done);

/// <summary>The order a newcomer sets Portal up in.</summary>
public enum SetupStep
{
    KeyCreated,
    FirstEvent,
    FirstIdentify,
    FirstGroup,
    FirstTrack,
}
