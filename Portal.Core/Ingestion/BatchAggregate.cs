using Portal.Core.Metadata;

namespace Portal.Core.Ingestion;

/// <summary>
/// What one writer batch changes besides event rows, folded so each visitor, account, link and
/// catalogued field costs one write per batch however many messages mention it.
/// </summary>
internal sealed class BatchAggregate
{
    public Dictionary<(Guid App, string Id), EntityChange> Visitors { get; } = [];
    public Dictionary<(Guid App, string Id), EntityChange> Accounts { get; } = [];
    public HashSet<(Guid App, string VisitorId, string AccountId)> Links { get; } = [];
    public Dictionary<FieldKey, FieldChange> Fields { get; } = [];

    public void Add(Guid app, IngestMessage message)
    {
        var at = message.Timestamp;
        EntityChange? visitor = message.VisitorId is { } v ? Entity(Visitors, app, v, at) : null;
        EntityChange? account = message.AccountId is { } a ? Entity(Accounts, app, a, at) : null;

        switch (message.Type)
        {
            case MessageTypes.Identify:
                if (message.AccountId is not null) Links.Add((app, message.VisitorId!, message.AccountId));
                foreach (var field in message.Fields) visitor!.Set(message.GroupType, field, at);
                break;
            case MessageTypes.Group:
                account!.HasMetadata = true;
                if (message.VisitorId is not null) Links.Add((app, message.VisitorId, message.AccountId!));
                foreach (var field in message.Fields) account.Set(message.GroupType, field, at);
                break;
        }

        foreach (var field in message.Fields)
        {
            if (field.IsNull) continue;
            var key = new FieldKey(app, message.FieldKind, message.GroupType, message.EventName ?? "", field.Name);
            if (!Fields.TryGetValue(key, out var change)) Fields[key] = change = new FieldChange(at);
            change.Add(field, at);
        }
    }

    /// <summary>Folds another aggregate (one request's, built on its own thread) into this one.</summary>
    public void Merge(BatchAggregate other)
    {
        foreach (var (key, change) in other.Visitors) MergeEntity(Visitors, key, change);
        foreach (var (key, change) in other.Accounts) MergeEntity(Accounts, key, change);
        Links.UnionWith(other.Links);
        foreach (var (key, change) in other.Fields)
        {
            if (Fields.TryGetValue(key, out var mine)) mine.Merge(change);
            else Fields[key] = change;
        }
    }

    private static void MergeEntity(Dictionary<(Guid, string), EntityChange> map, (Guid, string) key, EntityChange change)
    {
        if (map.TryGetValue(key, out var mine)) mine.Merge(change);
        else map[key] = change;
    }

    private static EntityChange Entity(Dictionary<(Guid, string), EntityChange> map, Guid app, string id, DateTimeOffset at)
    {
        if (!map.TryGetValue((app, id), out var change)) map[(app, id)] = change = new EntityChange(at);
        change.See(at);
        change.Count(at);
        return change;
    }
}

internal readonly record struct FieldKey(Guid App, FieldKind Kind, string GroupType, string EventName, string Name);

internal sealed class EntityChange(DateTimeOffset at)
{
    public DateTimeOffset First { get; private set; } = at;
    public DateTimeOffset Last { get; private set; } = at;
    public bool HasMetadata { get; set; }
    public Dictionary<(string GroupType, string Name), (FlatField Field, DateTimeOffset At)>? Fields { get; private set; }

    /// <summary>Messages of this batch naming the entity (default metadata "number of events").</summary>
    public long Events { get; private set; }

    /// <summary>The newest UTC day of those messages, and how many distinct days they span.</summary>
    public int LastDay { get; private set; }
    public int DayCount => _days?.Count ?? (Events > 0 ? 1 : 0);

    // Almost every entity sees one day per batch: a set only when a second day shows up.
    private int _firstDaySeen = -1;
    private HashSet<int>? _days;

    public void Count(DateTimeOffset at)
    {
        Events++;
        AddDay(Metadata.DefaultFields.Day(at));
    }

    private void AddDay(int day)
    {
        if (day > LastDay) LastDay = day;
        if (_firstDaySeen < 0) { _firstDaySeen = day; return; }
        if (_days is null && day == _firstDaySeen) return;
        _days ??= [_firstDaySeen];
        _days.Add(day);
    }

    public void See(DateTimeOffset at)
    {
        if (at < First) First = at;
        if (at > Last) Last = at;
    }

    public void Merge(EntityChange other)
    {
        See(other.First);
        See(other.Last);
        HasMetadata |= other.HasMetadata;
        Events += other.Events;
        if (other._firstDaySeen >= 0) AddDay(other._firstDaySeen);
        if (other._days is not null) foreach (var day in other._days) AddDay(day);
        if (other.Fields is null) return;
        foreach (var ((groupType, _), (field, at)) in other.Fields) Set(groupType, field, at);
    }

    public void Set(string groupType, FlatField field, DateTimeOffset at)
    {
        Fields ??= [];
        if (Fields.TryGetValue((groupType, field.Name), out var current) && current.At > at) return;
        Fields[(groupType, field.Name)] = (field, at);
    }
}

internal sealed class FieldChange(DateTimeOffset at)
{
    public const int MaxSamples = 5;

    public long Count { get; private set; }
    public int Types { get; private set; }
    public bool Truncated { get; private set; }
    public DateTimeOffset First { get; private set; } = at;
    public DateTimeOffset Last { get; private set; } = at;

    /// <summary>The most recent distinct values of this batch, newest first.</summary>
    public List<(string Value, DateTimeOffset At)> Samples { get; } = new(MaxSamples);

    public void Add(FlatField field, DateTimeOffset at)
    {
        Count++;
        Types |= FieldTypeInference.Bit(field.Type);
        Truncated |= field.Truncated;
        if (at < First) First = at;
        if (at > Last) Last = at;
        Sample(field.Value!, at);
    }

    public void Merge(FieldChange other)
    {
        Count += other.Count;
        Types |= other.Types;
        Truncated |= other.Truncated;
        if (other.First < First) First = other.First;
        if (other.Last > Last) Last = other.Last;
        // Oldest first, so the newest of both ends up in front.
        for (var i = other.Samples.Count - 1; i >= 0; i--) Sample(other.Samples[i].Value, other.Samples[i].At);
    }

    private void Sample(string value, DateTimeOffset at)
    {
        var existing = -1;
        for (var i = 0; i < Samples.Count; i++)
        {
            if (Samples[i].Value == value) { existing = i; break; }
        }
        if (existing >= 0)
        {
            if (Samples[existing].At > at) return;
            Samples.RemoveAt(existing);
        }
        else if (Samples.Count == MaxSamples)
        {
            if (Samples[^1].At > at) return;
            Samples.RemoveAt(Samples.Count - 1);
        }
        var position = Samples.Count;
        for (var i = 0; i < Samples.Count; i++)
        {
            if (Samples[i].At <= at) { position = i; break; }
        }
        Samples.Insert(position, (value, at));
    }
}
