using System.Linq.Expressions;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Audit;
using Portal.Core.Common;
using Portal.Core.Data;
using Portal.Core.Security;

namespace Portal.Core.Metadata;

/// <summary>
/// The Data Mappings catalogue: fields per application and kind, merged across group types, filtered,
/// sorted and paged in the database; and the Admin's edits (display name, type override, hidden).
/// </summary>
public sealed class DataMappingsService(ICurrentUser currentUser, IDbContextFactory<PortalDbContext> contextFactory, AuditLog audit,
    Ingestion.CatalogueInvalidation catalogue, TimeProvider time, DefaultDisplayNames defaultNames)
{
    public const int MaxDisplayNameLength = 256;

    /// <summary>A CSV export holds at most this many rows; the catalogue cap keeps real views well below it.</summary>
    public const int MaxExportRows = 20_000;

    public async Task<PageOf<DataMappingRow>> QueryAsync(DataMappingsQuery query, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        await DefaultFields.EnsureCatalogueAsync(db, query.ApplicationId, query.Kind, time, cancellationToken);
        var groups = Filter(db, query);
        var total = await groups.CountAsync(cancellationToken);
        var pageSize = Math.Clamp(query.PageSize, 1, 500);
        var page = await Sort(groups, query.SortBy, query.Descending)
            .Skip(Math.Max(0, query.Page) * pageSize).Take(pageSize)
            .Select(g => new { g.EventName, g.Name })
            .ToListAsync(cancellationToken);
        var rows = await LoadRowsAsync(db, query.ApplicationId, query.Kind, page.Select(p => (p.EventName, p.Name)).ToList(), cancellationToken);
        return new PageOf<DataMappingRow>(rows, total);
    }

    /// <summary>All rows of the current view (filters and sort, every page), for export.</summary>
    public async Task<IReadOnlyList<DataMappingRow>> QueryAllAsync(DataMappingsQuery query, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        await DefaultFields.EnsureCatalogueAsync(db, query.ApplicationId, query.Kind, time, cancellationToken);
        var keys = await Sort(Filter(db, query), query.SortBy, query.Descending)
            .Take(MaxExportRows)
            .Select(g => new { g.EventName, g.Name })
            .ToListAsync(cancellationToken);
        // One read of the kind's catalogue (capped per group type by ingestion), merged in the view's order.
        var members = (await db.MetadataFields.AsNoTracking()
                .Where(f => f.ApplicationId == query.ApplicationId && f.Kind == query.Kind)
                .ToListAsync(cancellationToken))
            .ToLookup(f => (f.EventName, f.Name));
        var defaults = await DefaultNamesAsync(db, query.ApplicationId, query.Kind, members.Select(m => m.Key.EventName).Distinct().ToList(), cancellationToken);
        var rows = keys.Where(k => members[(k.EventName, k.Name)].Any())
            .Select(k => Merge(new FieldKey(query.ApplicationId, query.Kind, k.EventName, k.Name), members[(k.EventName, k.Name)].ToList(), defaults))
            .ToList();
        return rows;
    }

    public async Task<string> ExportCsvAsync(DataMappingsQuery query, CancellationToken cancellationToken = default) =>
        DataMappingsCsv.Write(await QueryAllAsync(query, cancellationToken), query.Kind);

    public async Task<DataMappingDetails?> GetDetailsAsync(FieldKey key, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var members = await db.MetadataFields.AsNoTracking()
            .Where(f => f.ApplicationId == key.ApplicationId && f.Kind == key.Kind && f.EventName == key.EventName && f.Name == key.Name)
            .ToListAsync(cancellationToken);
        if (members.Count == 0) return null;

        var perGroupType = members.OrderBy(f => GroupTypeOrder(f.GroupType))
            .Select(f => new FieldGroupTypeDetails(f.GroupType, f.InferredType, FieldTypeNames.FromBits(f.TypesSeen), ParseSamples(f.SamplesJson),
                f.Count, f.FirstSeen, f.LastSeen, f.ValuesTruncated))
            .ToList();

        IReadOnlyList<EventCarryingField> events = [];
        if (key.Kind == FieldKind.TrackProperty)
        {
            var carriers = await db.MetadataFields.AsNoTracking()
                .Where(f => f.ApplicationId == key.ApplicationId && f.Kind == FieldKind.TrackProperty && f.Name == key.Name)
                .Select(f => new { f.EventName, f.Count, f.LastSeen })
                .ToListAsync(cancellationToken);
            events = carriers.GroupBy(c => c.EventName)
                .Select(g => new EventCarryingField(g.Key, g.Sum(c => c.Count), g.Max(c => c.LastSeen)))
                .OrderByDescending(e => e.Count).ThenBy(e => e.EventName, StringComparer.Ordinal)
                .ToList();
        }
        var defaults = await DefaultNamesAsync(db, key.ApplicationId, key.Kind, [key.EventName], cancellationToken);
        return new DataMappingDetails(Merge(key, members, defaults), perGroupType, events);
    }

    public async Task<IReadOnlyList<FieldOverflow>> GetOverflowAsync(Guid applicationId, FieldKind kind, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var overflows = await db.MetadataFieldOverflows.AsNoTracking()
            .Where(o => o.ApplicationId == applicationId && o.Kind == kind && o.DroppedCount > 0)
            .ToListAsync(cancellationToken);
        return overflows.OrderBy(o => GroupTypeOrder(o.GroupType))
            .Select(o => new FieldOverflow(o.GroupType, o.DroppedCount, o.LastDroppedAt)).ToList();
    }

    /// <summary>Changes a field's display name, type override and hidden flag. Admins only: refused here, not just hidden in the UI.</summary>
    public async Task<OperationResult> UpdateAsync(FieldKey key, FieldEdit edit, CancellationToken cancellationToken = default)
    {
        if (await currentUser.AdminAsync(cancellationToken) is not { } actor) return OperationResult.Fail("Only Admins can change data mappings.");

        var displayName = string.IsNullOrWhiteSpace(edit.DisplayName) ? null : edit.DisplayName.Trim();
        if (displayName is { Length: > MaxDisplayNameLength })
            return OperationResult.Fail($"A display name has at most {MaxDisplayNameLength} characters.");
        if (edit.TypeOverride is { } type && !Enum.IsDefined(type))
            return OperationResult.Fail("Choose one of Pendo's six types.");

        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var members = await MembersAsync(db, key, cancellationToken);
        if (members.Count == 0) return OperationResult.Fail("That field is no longer in the catalogue.");
        if (members.Any(f => f.GroupType == GroupTypes.Default))
            return OperationResult.Fail("Default fields are computed by Portal: their name, type and visibility cannot be changed.");
        if (edit.TypeOverride is not null && members.Any(f => f.GroupType == GroupTypes.Custom))
            return OperationResult.Fail("A custom field has the type it was defined with: it cannot be overridden.");

        var defaults = await DefaultNamesAsync(db, key.ApplicationId, key.Kind, [key.EventName], cancellationToken);
        if (displayName is not null && await DisplayNameTakenAsync(db, key, displayName, defaults, cancellationToken))
            return OperationResult.Fail($"Another {FieldTypeNames.Display(key.Kind).ToLowerInvariant()} field already shows as \"{displayName}\": display names are unique.");
        var before = Merge(key, members, defaults);
        var changes = new List<string>();
        if (before.CustomDisplayName != displayName) changes.Add($"display name: {Quote(before.CustomDisplayName)} -> {Quote(displayName)}");
        if (before.TypeOverride != edit.TypeOverride)
            changes.Add($"type override: {TypeText(before.TypeOverride)} -> {TypeText(edit.TypeOverride)}");
        if (before.Hidden != edit.Hidden) changes.Add($"hidden: {before.Hidden} -> {edit.Hidden}".ToLowerInvariant());
        if (changes.Count == 0) return OperationResult.Success;

        foreach (var field in members)
        {
            field.DisplayName = displayName;
            field.TypeOverride = edit.TypeOverride;
            field.Hidden = edit.Hidden;
        }
        await db.SaveChangesAsync(cancellationToken);

        var appName = await db.Applications.Where(a => a.Id == key.ApplicationId).Select(a => a.Name).SingleOrDefaultAsync(cancellationToken);
        var target = $"{appName ?? key.ApplicationId.ToString()} · {FieldTypeNames.Display(key.Kind)} field {(key.EventName.Length > 0 ? $"{key.EventName} / " : "")}{key.Name}";
        await audit.RecordAsync(actor.Name, AuditActions.MappingChanged, target, string.Join("; ", changes), cancellationToken);
        return OperationResult.Success;
    }

    /// <summary>
    /// Removes a field from the catalogue (every group type ingestion feeds); it comes back when a message sends it again.
    /// Values already stored on visitors and accounts stay. Default fields cannot be deleted; custom fields go with their definition.
    /// </summary>
    public async Task<OperationResult> DeleteAsync(FieldKey key, CancellationToken cancellationToken = default)
    {
        if (await currentUser.AdminAsync(cancellationToken) is not { } actor) return OperationResult.Fail(CurrentUserExtensions.AdminOnly);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var members = await MembersAsync(db, key, cancellationToken);
        if (members.Count == 0) return OperationResult.Fail("That field is no longer in the catalogue.");
        if (members.Any(f => f.GroupType == GroupTypes.Default))
            return OperationResult.Fail("Default fields are computed by Portal and cannot be deleted.");
        var sent = members.Where(f => !GroupTypes.IsPortalOwned(f.GroupType)).ToList();
        if (sent.Count == 0) return OperationResult.Fail("Custom fields are deleted with their definition, under Custom fields.");

        db.MetadataFields.RemoveRange(sent);
        await db.SaveChangesAsync(cancellationToken);
        // Every instance's writer must forget the field, or it would not count it as new (and would write back its old
        // samples) when it is sent again.
        await catalogue.InvalidateAsync(key.ApplicationId, cancellationToken);

        var appName = await db.Applications.Where(a => a.Id == key.ApplicationId).Select(a => a.Name).SingleOrDefaultAsync(cancellationToken);
        await audit.RecordAsync(actor.Name, AuditActions.MappingDeleted, Target(appName, key),
            $"group types: {string.Join(", ", sent.Select(f => GroupTypes.DisplayName(f.GroupType)))}", cancellationToken);
        return OperationResult.Success;
    }

    private static string Target(string? appName, FieldKey key) =>
        $"{appName ?? key.ApplicationId.ToString()} · {FieldTypeNames.Display(key.Kind)} field {(key.EventName.Length > 0 ? $"{key.EventName} / " : "")}{key.Name}";

    private static string Quote(string? value) => value is null ? "(default)" : $"\"{value}\"";
    private static string TypeText(FieldType? type) => type is { } t ? FieldTypeNames.Display(t) : "(inferred)";

    /// <summary>One row per (event name, name): the catalogue's per-group-type rows merged with SQL aggregates, so paging stays in the database.</summary>
    private static IQueryable<FieldGroup> Filter(PortalDbContext db, DataMappingsQuery query)
    {
        var fields = db.MetadataFields.AsNoTracking().Where(f => f.ApplicationId == query.ApplicationId && f.Kind == query.Kind);
        if (query.EventName is not null) fields = fields.Where(f => f.EventName == query.EventName);
        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var pattern = TextSearch.ContainsPattern(query.Search.Trim());
            // SQLite's LIKE ignores ASCII case; PostgreSQL's ILIKE does the same there.
            fields = db.Database.IsNpgsql()
                ? fields.Where(f => EF.Functions.ILike(f.Name, pattern, "\\")
                    || (f.DisplayName != null && EF.Functions.ILike(f.DisplayName, pattern, "\\"))
                    || EF.Functions.ILike(f.EventName, pattern, "\\"))
                : fields.Where(f => EF.Functions.Like(f.Name, pattern, "\\")
                    || (f.DisplayName != null && EF.Functions.Like(f.DisplayName, pattern, "\\"))
                    || EF.Functions.Like(f.EventName, pattern, "\\"));
        }

        var groups = fields
            .GroupBy(f => new { f.EventName, f.Name })
            .Select(g => new FieldGroup
            {
                EventName = g.Key.EventName,
                Name = g.Key.Name,
                Count = g.Sum(f => f.Count),
                FirstSeen = g.Min(f => f.FirstSeen),
                LastSeen = g.Max(f => f.LastSeen),
                Hidden = g.Max(f => f.Hidden ? 1 : 0),
                Truncated = g.Max(f => f.ValuesTruncated ? 1 : 0),
                Segment = g.Count(f => f.GroupType == GroupTypes.Segment),
                Agent = g.Count(f => f.GroupType == GroupTypes.Agent),
                PortalOwned = g.Count(f => f.GroupType == GroupTypes.Default || f.GroupType == GroupTypes.Custom),
                Default = g.Count(f => f.GroupType == GroupTypes.Default),
                // SQLite has no bitwise-OR aggregate; six MAXes of single bits make one.
                TypeBits = g.Max(f => f.TypesSeen & 1) | g.Max(f => f.TypesSeen & 2) | g.Max(f => f.TypesSeen & 4)
                    | g.Max(f => f.TypesSeen & 8) | g.Max(f => f.TypesSeen & 16) | g.Max(f => f.TypesSeen & 32),
                Type = g.Max(f => (int?)f.TypeOverride) ?? g.Max(f => (int)f.InferredType),
                SortDisplayName = g.Max(f => f.DisplayName) ?? g.Key.Name,
            });

        if (query.GroupType == GroupTypes.Segment) groups = groups.Where(g => g.Segment > 0);
        else if (query.GroupType == GroupTypes.Agent) groups = groups.Where(g => g.Agent > 0);
        else if (query.GroupType == GroupTypes.Default) groups = groups.Where(g => g.Default > 0);
        else if (query.GroupType == GroupTypes.Custom) groups = groups.Where(g => g.PortalOwned > g.Default);

        var flags = query.AnyFlags;
        if (!query.ShowHidden && !flags.HasFlag(FieldFlags.Hidden)) groups = groups.Where(g => g.Hidden == 0);
        if (flags != FieldFlags.None) groups = groups.Where(FlagPredicate(flags, query.Kind, db.Database.IsNpgsql()));
        return groups;
    }

    private static Expression<Func<FieldGroup, bool>> FlagPredicate(FieldFlags flags, FieldKind kind, bool postgres)
    {
        var conflict = flags.HasFlag(FieldFlags.TypeConflict);
        var hidden = flags.HasFlag(FieldFlags.Hidden);
        var truncated = flags.HasFlag(FieldFlags.ValuesTruncated);
        var naming = flags.HasFlag(FieldFlags.BreaksNamingRules);
        var maxLength = kind == FieldKind.TrackProperty ? FieldNaming.MaxTrackPropertyNameLength : int.MaxValue;
        // Mirrors FieldNaming.BreaksPendoRules in SQL (GLOB is SQLite's case-sensitive pattern match; PostgreSQL has regular expressions).
        if (postgres)
        {
            return g => (conflict && (g.TypeBits & (g.TypeBits - 1)) != 0)
                || (hidden && g.Hidden == 1)
                || (truncated && g.Truncated == 1)
                || (naming && (g.Name.Length > maxLength || !Regex.IsMatch(g.Name, "^[A-Za-z_]") || Regex.IsMatch(g.Name, "[^A-Za-z0-9_]")));
        }
        return g => (conflict && (g.TypeBits & (g.TypeBits - 1)) != 0)
            || (hidden && g.Hidden == 1)
            || (truncated && g.Truncated == 1)
            || (naming && (g.Name.Length > maxLength || !EF.Functions.Glob(g.Name, "[A-Za-z_]*") || EF.Functions.Glob(g.Name, "*[^A-Za-z0-9_]*")));
    }

    private static IQueryable<FieldGroup> Sort(IQueryable<FieldGroup> groups, DataMappingSort sort, bool descending)
    {
        var ordered = sort switch
        {
            DataMappingSort.EventName => Order(groups, g => g.EventName, descending),
            DataMappingSort.DisplayName => Order(groups, g => g.SortDisplayName, descending),
            DataMappingSort.Type => Order(groups, g => g.Type, descending),
            DataMappingSort.Count => Order(groups, g => g.Count, descending),
            DataMappingSort.FirstSeen => Order(groups, g => g.FirstSeen, descending),
            DataMappingSort.LastSeen => Order(groups, g => g.LastSeen, descending),
            _ => Order(groups, g => g.Name, descending),
        };
        // A total order, so pages never repeat or skip a row.
        return ordered.ThenBy(g => g.Name).ThenBy(g => g.EventName);
    }

    private static IOrderedQueryable<FieldGroup> Order<TKey>(IQueryable<FieldGroup> groups, Expression<Func<FieldGroup, TKey>> key, bool descending) =>
        descending ? groups.OrderByDescending(key) : groups.OrderBy(key);

    private async Task<List<DataMappingRow>> LoadRowsAsync(PortalDbContext db, Guid applicationId, FieldKind kind,
        IReadOnlyList<(string EventName, string Name)> keys, CancellationToken cancellationToken)
    {
        if (keys.Count == 0) return [];
        var names = keys.Select(k => k.Name).Distinct().ToList();
        var members = await db.MetadataFields.AsNoTracking()
            .Where(f => f.ApplicationId == applicationId && f.Kind == kind && names.Contains(f.Name))
            .ToListAsync(cancellationToken);
        var byKey = members.ToLookup(f => (f.EventName, f.Name));
        var defaults = await DefaultNamesAsync(db, applicationId, kind, keys.Select(k => k.EventName).Distinct().ToList(), cancellationToken);
        return keys.Where(k => byKey[k].Any())
            .Select(k => Merge(new FieldKey(applicationId, kind, k.EventName, k.Name), byKey[k].ToList(), defaults))
            .ToList();
    }

    private static async Task<bool> DisplayNameTakenAsync(PortalDbContext db, FieldKey key, string displayName, Func<FieldKey, string> defaults,
        CancellationToken cancellationToken)
    {
        var others = await db.MetadataFields.AsNoTracking()
            .Where(f => f.ApplicationId == key.ApplicationId && f.Kind == key.Kind && f.EventName == key.EventName && f.Name != key.Name)
            .Select(f => new { f.Name, f.DisplayName }).Distinct()
            .ToListAsync(cancellationToken);
        return others.Any(o => string.Equals(o.DisplayName ?? defaults(key with { Name = o.Name }), displayName, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Default display names, unique among the fields of a kind (per event for track properties).</summary>
    private Task<Func<FieldKey, string>> DefaultNamesAsync(PortalDbContext db, Guid applicationId, FieldKind kind,
        IReadOnlyCollection<string> eventNames, CancellationToken cancellationToken) =>
        defaultNames.ForAsync(db, applicationId, kind, eventNames, cancellationToken);

    internal static DataMappingRow Merge(FieldKey key, IReadOnlyList<MetadataField> members, Func<FieldKey, string> defaultDisplayName)
    {
        var newestFirst = members.OrderByDescending(f => f.LastSeen).ToList();
        var typesSeen = members.Aggregate(0, (bits, f) => bits | f.TypesSeen);
        var custom = newestFirst.Select(f => f.DisplayName).FirstOrDefault(d => d is not null);
        var flags = FieldFlags.None;
        if ((typesSeen & (typesSeen - 1)) != 0) flags |= FieldFlags.TypeConflict;
        if (members.Any(f => f.Hidden)) flags |= FieldFlags.Hidden;
        if (members.Any(f => f.ValuesTruncated)) flags |= FieldFlags.ValuesTruncated;
        if (FieldNaming.BreaksPendoRules(key.Name, key.Kind)) flags |= FieldFlags.BreaksNamingRules;

        return new DataMappingRow
        {
            Key = key,
            DisplayName = custom ?? defaultDisplayName(key),
            CustomDisplayName = custom,
            InferredType = newestFirst[0].InferredType,
            TypeOverride = newestFirst.Select(f => f.TypeOverride).FirstOrDefault(t => t is not null),
            TypesSeen = typesSeen,
            GroupTypes = members.Select(f => f.GroupType).Distinct().OrderBy(GroupTypeOrder).ToList(),
            Samples = newestFirst.SelectMany(f => ParseSamples(f.SamplesJson)).Distinct().Take(5).ToList(),
            Count = members.Sum(f => f.Count),
            FirstSeen = members.Min(f => f.FirstSeen),
            LastSeen = newestFirst[0].LastSeen,
            Flags = flags,
        };
    }

    private static int GroupTypeOrder(string groupType) => groupType switch
    {
        GroupTypes.Segment => 0,
        GroupTypes.Agent => 1,
        GroupTypes.Default => 2,
        GroupTypes.Custom => 3,
        _ => 4,
    };

    internal static IReadOnlyList<string> ParseSamples(string samplesJson)
    {
        try
        {
            return JsonSerializer.Deserialize<List<string?>>(samplesJson)?.Select(s => s ?? "null").ToList() ?? [];
        }
        catch (JsonException)
        {
            // A catalogue row is written by the ingestion writer; a malformed one must not break the page.
            return [];
        }
    }

    /// <summary>The SQL-side shape of one Data Mappings row.</summary>
    private sealed class FieldGroup
    {
        public required string EventName { get; init; }
        public required string Name { get; init; }
        public long Count { get; init; }
        public DateTimeOffset FirstSeen { get; init; }
        public DateTimeOffset LastSeen { get; init; }
        public int Hidden { get; init; }
        public int Truncated { get; init; }
        public int Segment { get; init; }
        public int Agent { get; init; }
        public int PortalOwned { get; init; }
        public int Default { get; init; }
        public int TypeBits { get; init; }
        public int Type { get; init; }
        public required string SortDisplayName { get; init; }
    }

    /// <summary>The field's catalogue rows, one per group type it was seen with.</summary>
    private static Task<List<MetadataField>> MembersAsync(PortalDbContext db, FieldKey key, CancellationToken cancellationToken) =>
        db.MetadataFields
            .Where(f => f.ApplicationId == key.ApplicationId && f.Kind == key.Kind && f.EventName == key.EventName && f.Name == key.Name)
            .ToListAsync(cancellationToken);
}
