namespace Portal.Core.Metadata.Custom;

/// <summary>A custom field as the editor lists it, with how many visitors or accounts have a value.</summary>
public sealed record CustomFieldSummary(string Name, FieldType Type, DateTimeOffset CreatedAt, int ValueCount);

/// <summary>One row of an upload that cannot be written, with the reason; <see cref="Line"/> counts from the header (line 1).</summary>
public sealed record CsvRowError(int Line, string? Id, string Reason);

/// <summary>
/// What an upload would do, read and checked before anything is written: the values of the valid rows (held for
/// <see cref="CustomFieldService.ImportAsync"/>), and each invalid row with its reason.
/// </summary>
public sealed class CustomValuesUpload
{
    public const int MaxErrorsListed = 200;

    public required Guid ApplicationId { get; init; }
    public required FieldKind Kind { get; init; }

    /// <summary>The field columns, in file order.</summary>
    public required IReadOnlyList<string> Fields { get; init; }

    /// <summary>A problem with the whole file (no id column, an unknown field): nothing can be imported.</summary>
    public string? FileError { get; init; }

    public int TotalRows { get; internal set; }
    public int ErrorCount { get; internal set; }
    public List<CsvRowError> Errors { get; } = [];

    /// <summary>Per valid row: the entity id and its (field, JSON value) pairs; empty cells leave a value as it is.</summary>
    internal List<(string Id, List<(string Field, string Json)> Values)> Rows { get; } = [];

    public int ValidRows => Rows.Count;
    public int ValueCount => Rows.Sum(r => r.Values.Count);
    public bool CanImport => FileError is null && Rows.Count > 0;

    internal void AddError(int line, string? id, string reason)
    {
        ErrorCount++;
        if (Errors.Count < MaxErrorsListed) Errors.Add(new CsvRowError(line, id, reason));
    }
}
