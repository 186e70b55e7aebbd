using System.Text;
using CsvHelper;
using Humanizer;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Audit;
using Portal.Core.Common;
using Portal.Core.Data;
using Portal.Core.Security;

namespace Portal.Core.Metadata.Custom;

/// <summary>
/// Admin-defined fields per application and kind (visitor, account), their values on one visitor or account, and values in
/// bulk from a CSV upload (read and checked first, then written in chunks, one audit entry). Each field is listed in Data
/// Mappings as group type "custom" with its defined type.
/// </summary>
public sealed class CustomFieldService(ICurrentUser currentUser, IDbContextFactory<PortalDbContext> contextFactory, AuditLog audit, TimeProvider time)
{
    public const int MaxFieldsPerKind = 100;
    public const int MaxUploadRows = 1_000_000;

    /// <summary>Rows per write transaction: each is short, so ingestion commits between them.</summary>
    public const int ImportChunkRows = 2_000;

    public async Task<IReadOnlyList<CustomFieldSummary>> ListAsync(Guid applicationId, FieldKind kind, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var fields = await db.CustomFields.AsNoTracking().Where(f => f.ApplicationId == applicationId && f.Kind == kind)
            .OrderBy(f => f.Name)
            .Select(f => new CustomFieldSummary(f.Name, f.Type, f.CreatedAt,
                db.CustomValues.Count(v => v.ApplicationId == applicationId && v.Kind == kind && v.FieldName == f.Name)))
            .ToListAsync(cancellationToken);
        return fields;
    }

    public async Task<OperationResult> CreateAsync(Guid applicationId, FieldKind kind, string name, FieldType type, CancellationToken cancellationToken = default)
    {
        if (await currentUser.AdminAsync(cancellationToken) is not { } actor) return OperationResult.Fail(CurrentUserExtensions.AdminOnly);
        if (kind is not (FieldKind.Visitor or FieldKind.Account)) return OperationResult.Fail("Custom fields are for visitors and accounts.");
        name = name.Trim();
        if (name.Length == 0) return OperationResult.Fail("A custom field needs a name.");
        if (FieldNaming.BreaksPendoRules(name, kind) || name.Length > 256)
            return OperationResult.Fail("Use letters, digits and underscores, starting with a letter or an underscore (Pendo's rule for field names).");
        if (!Enum.IsDefined(type)) return OperationResult.Fail("Choose one of Pendo's six types.");
        if (DefaultFields.For(kind).Any(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase)))
            return OperationResult.Fail($"\"{name}\" is one of Portal's default fields.");

        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var existing = await db.CustomFields.Where(f => f.ApplicationId == applicationId && f.Kind == kind).Select(f => f.Name).ToListAsync(cancellationToken);
        if (existing.Any(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase)))
            return OperationResult.Fail($"A custom field named \"{name}\" already exists.");
        if (existing.Count >= MaxFieldsPerKind) return OperationResult.Fail($"An application has at most {MaxFieldsPerKind} custom fields per kind.");
        if (await AppNameAsync(db, applicationId, cancellationToken) is not { } appName) return OperationResult.Fail("No such application.");

        var now = time.GetUtcNow();
        db.CustomFields.Add(new CustomField { ApplicationId = applicationId, Kind = kind, Name = name, Type = type, CreatedAt = now });
        db.MetadataFields.Add(new MetadataField
        {
            ApplicationId = applicationId, Kind = kind, GroupType = GroupTypes.Custom, Name = name, InferredType = type,
            TypesSeen = 1 << (int)type, FirstSeen = now, LastSeen = now,
        });
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(actor.Name, AuditActions.CustomFieldCreated, Target(appName, kind, name), FieldTypeNames.Display(type), cancellationToken);
        return OperationResult.Success;
    }

    /// <summary>Deletes the definition, every value and its Data Mappings entry.</summary>
    public async Task<OperationResult> DeleteAsync(Guid applicationId, FieldKind kind, string name, CancellationToken cancellationToken = default)
    {
        if (await currentUser.AdminAsync(cancellationToken) is not { } actor) return OperationResult.Fail(CurrentUserExtensions.AdminOnly);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var deleted = await db.CustomFields.Where(f => f.ApplicationId == applicationId && f.Kind == kind && f.Name == name).ExecuteDeleteAsync(cancellationToken);
        if (deleted == 0) return OperationResult.Fail("That custom field no longer exists.");
        var values = await db.CustomValues.Where(v => v.ApplicationId == applicationId && v.Kind == kind && v.FieldName == name).ExecuteDeleteAsync(cancellationToken);
        await db.MetadataFields.Where(f => f.ApplicationId == applicationId && f.Kind == kind && f.GroupType == GroupTypes.Custom && f.Name == name)
            .ExecuteDeleteAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        var appName = await AppNameAsync(db, applicationId, cancellationToken);
        await audit.RecordAsync(actor.Name, AuditActions.CustomFieldDeleted, Target(appName, kind, name), $"{"value".ToQuantity(values)} deleted", cancellationToken);
        return OperationResult.Success;
    }

    /// <summary>Sets (or, with empty text, clears) one custom value of one visitor or account; a value not of the field's type is refused with the reason.</summary>
    public async Task<OperationResult> SetValueAsync(Guid applicationId, FieldKind kind, string entityId, string name, string? text,
        CancellationToken cancellationToken = default)
    {
        if (await currentUser.AdminAsync(cancellationToken) is not { } actor) return OperationResult.Fail(CurrentUserExtensions.AdminOnly);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var field = await db.CustomFields.AsNoTracking().SingleOrDefaultAsync(f => f.ApplicationId == applicationId && f.Kind == kind && f.Name == name, cancellationToken);
        if (field is null) return OperationResult.Fail($"No custom field named \"{name}\".");
        if (!await ExistsAsync(db, applicationId, kind, entityId, cancellationToken)) return OperationResult.Fail($"No {Noun(kind)} with that ID in this application.");

        string? json = null;
        if (!string.IsNullOrWhiteSpace(text))
        {
            (json, var error) = CustomValueText.Parse(text, field.Type);
            if (json is null) return OperationResult.Fail($"{name}: {error}.");
        }
        var current = await db.CustomValues.SingleOrDefaultAsync(v => v.ApplicationId == applicationId && v.Kind == kind && v.EntityId == entityId && v.FieldName == name,
            cancellationToken);
        if (json is null && current is null) return OperationResult.Success;
        if (json is null) db.CustomValues.Remove(current!);
        else if (current is null) db.CustomValues.Add(new CustomValue { ApplicationId = applicationId, Kind = kind, EntityId = entityId, FieldName = name, ValueJson = json, SetAt = time.GetUtcNow() });
        else if (current.ValueJson == json) return OperationResult.Success;
        else { current.ValueJson = json; current.SetAt = time.GetUtcNow(); }
        await db.SaveChangesAsync(cancellationToken);
        await RecountAsync(db, applicationId, kind, [name], cancellationToken);

        var appName = await AppNameAsync(db, applicationId, cancellationToken);
        await audit.RecordAsync(actor.Name, AuditActions.CustomValuesSet, $"{appName} · {Noun(kind)} {entityId}",
            json is null ? $"{name} cleared" : $"{name} set", cancellationToken);
        return OperationResult.Success;
    }

    /// <summary>
    /// Reads an upload: a header row whose first column holds the ids and whose other columns name custom fields, then one row
    /// per visitor or account. Writes nothing; every row that cannot be imported is reported with its reason.
    /// </summary>
    public async Task<CustomValuesUpload> PreviewAsync(Guid applicationId, FieldKind kind, Stream csv, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var fields = await db.CustomFields.AsNoTracking().Where(f => f.ApplicationId == applicationId && f.Kind == kind)
            .ToDictionaryAsync(f => f.Name, f => f.Type, StringComparer.Ordinal, cancellationToken);

        using var reader = CsvReader.Create(csv, CsvReaderOptions.Default, leaveOpen: true);
        string[] headers;
        try { headers = [.. reader.Headers]; }
        catch (Exception ex) when (ex is CsvFormatException or CsvValidationException or DecoderFallbackException)
        {
            return Failed(applicationId, kind, [], "The file is not readable CSV.");
        }
        if (headers.Length < 2) return Failed(applicationId, kind, headers, "The first row must name the id column and at least one custom field.");
        var columns = headers[1..].Select(h => h.Trim()).ToArray();
        var unknown = columns.Where(c => !fields.ContainsKey(c)).ToList();
        if (unknown.Count > 0)
            return Failed(applicationId, kind, columns, $"Not custom {Noun(kind)} fields of this application: {string.Join(", ", unknown.Take(10))}. Define them first.");
        if (columns.Distinct(StringComparer.Ordinal).Count() != columns.Length) return Failed(applicationId, kind, columns, "A field column appears twice.");

        var upload = new CustomValuesUpload { ApplicationId = applicationId, Kind = kind, Fields = columns };
        var pending = new List<(int Line, string Id, List<(string, string)> Values)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var line = 1;
        try
        {
            while (reader.Read())
            {
                line++;
                if (++upload.TotalRows > MaxUploadRows) return Failed(applicationId, kind, columns, $"An upload has at most {MaxUploadRows:N0} rows.");
                var id = reader.GetString(0).Trim();
                if (id.Length == 0) { upload.AddError(line, null, "The id is empty."); continue; }
                if (!seen.Add(id)) { upload.AddError(line, id, "This id appears on an earlier row."); continue; }
                var values = new List<(string, string)>();
                string? rowError = null;
                for (var c = 0; c < columns.Length; c++)
                {
                    var cell = c + 1 < reader.FieldCount ? reader.GetString(c + 1) : "";
                    if (string.IsNullOrWhiteSpace(cell)) continue;
                    var (json, error) = CustomValueText.Parse(cell, fields[columns[c]]);
                    if (json is null) { rowError = $"{columns[c]}: {error}."; break; }
                    values.Add((columns[c], json));
                }
                if (rowError is not null) upload.AddError(line, id, rowError);
                else if (values.Count == 0) upload.AddError(line, id, "The row sets no value.");
                else pending.Add((line, id, values));
            }
        }
        catch (Exception ex) when (ex is CsvFormatException or CsvValidationException or DecoderFallbackException)
        {
            return Failed(applicationId, kind, columns, $"The file is not readable CSV after line {line}.");
        }

        // Values are for visitors and accounts Portal has: unknown ids are errors, looked up a chunk at a time.
        foreach (var chunk in pending.Chunk(5_000))
        {
            var ids = chunk.Select(p => p.Id).ToList();
            var known = kind == FieldKind.Visitor
                ? await db.Visitors.AsNoTracking().Where(v => v.ApplicationId == applicationId && ids.Contains(v.VisitorId)).Select(v => v.VisitorId).ToListAsync(cancellationToken)
                : await db.Accounts.AsNoTracking().Where(a => a.ApplicationId == applicationId && ids.Contains(a.AccountId)).Select(a => a.AccountId).ToListAsync(cancellationToken);
            var knownSet = known.ToHashSet(StringComparer.Ordinal);
            foreach (var (rowLine, id, values) in chunk)
            {
                if (knownSet.Contains(id)) upload.Rows.Add((id, values));
                else upload.AddError(rowLine, id, $"No {Noun(kind)} with this id.");
            }
        }
        upload.Errors.Sort((a, b) => a.Line.CompareTo(b.Line));
        return upload;
    }

    /// <summary>Writes a previewed upload's valid rows, <see cref="ImportChunkRows"/> per transaction, reporting the share done; one audit entry.</summary>
    public async Task<OperationResult<int>> ImportAsync(CustomValuesUpload upload, IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        if (await currentUser.AdminAsync(cancellationToken) is not { } actor) return OperationResult<int>.Fail(CurrentUserExtensions.AdminOnly);
        if (!upload.CanImport) return OperationResult<int>.Fail(upload.FileError ?? "The upload has no valid row.");
        var (app, kind) = (upload.ApplicationId, upload.Kind);
        var done = 0;
        var written = 0;
        foreach (var chunk in upload.Rows.Chunk(ImportChunkRows))
        {
            await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var ids = chunk.Select(r => r.Id).ToList();
            var existing = await db.CustomValues.Where(v => v.ApplicationId == app && v.Kind == kind && ids.Contains(v.EntityId))
                .ToDictionaryAsync(v => (v.EntityId, v.FieldName), cancellationToken);
            var now = time.GetUtcNow();
            foreach (var (id, values) in chunk)
            {
                foreach (var (field, json) in values)
                {
                    if (existing.TryGetValue((id, field), out var current))
                    {
                        if (current.ValueJson == json) continue;
                        current.ValueJson = json;
                        current.SetAt = now;
                    }
                    else db.CustomValues.Add(new CustomValue { ApplicationId = app, Kind = kind, EntityId = id, FieldName = field, ValueJson = json, SetAt = now });
                    written++;
                }
            }
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            done += chunk.Length;
            progress?.Report((double)done / upload.Rows.Count);
        }

        await using (var db = await contextFactory.CreateDbContextAsync(cancellationToken))
        {
            await RecountAsync(db, app, kind, upload.Fields, cancellationToken);
            var appName = await AppNameAsync(db, app, cancellationToken);
            await audit.RecordAsync(actor.Name, AuditActions.CustomValuesImported, $"{appName} · {Noun(kind).ToQuantity(upload.Rows.Count)} from CSV",
                $"fields: {string.Join(", ", upload.Fields)}; {"value".ToQuantity(written)} written; {"row".ToQuantity(upload.ErrorCount)} skipped", cancellationToken);
        }
        return OperationResult<int>.Ok(written);
    }

    /// <summary>Data Mappings shows how many visitors or accounts have a value of each custom field.</summary>
    private async Task RecountAsync(PortalDbContext db, Guid app, FieldKind kind, IEnumerable<string> names, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        foreach (var name in names)
        {
            var count = await db.CustomValues.CountAsync(v => v.ApplicationId == app && v.Kind == kind && v.FieldName == name, cancellationToken);
            await db.MetadataFields.Where(f => f.ApplicationId == app && f.Kind == kind && f.GroupType == GroupTypes.Custom && f.Name == name)
                .ExecuteUpdateAsync(s => s.SetProperty(f => f.Count, count).SetProperty(f => f.LastSeen, now), cancellationToken);
        }
    }

    private static CustomValuesUpload Failed(Guid app, FieldKind kind, IReadOnlyList<string> fields, string error) =>
        new() { ApplicationId = app, Kind = kind, Fields = fields, FileError = error };

    private static Task<bool> ExistsAsync(PortalDbContext db, Guid app, FieldKind kind, string id, CancellationToken cancellationToken) =>
        kind == FieldKind.Visitor
            ? db.Visitors.AnyAsync(v => v.ApplicationId == app && v.VisitorId == id, cancellationToken)
            : db.Accounts.AnyAsync(a => a.ApplicationId == app && a.AccountId == id, cancellationToken);

    private static string Noun(FieldKind kind) => kind == FieldKind.Visitor ? "visitor" : "account";

    private static string Target(string? appName, FieldKind kind, string name) => $"{appName} · {Noun(kind)} custom field {name}";

    private static Task<string?> AppNameAsync(PortalDbContext db, Guid applicationId, CancellationToken cancellationToken) =>
        db.Applications.Where(a => a.Id == applicationId).Select(a => a.Name).SingleOrDefaultAsync(cancellationToken);
}
