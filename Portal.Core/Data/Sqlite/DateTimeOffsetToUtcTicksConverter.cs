using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Portal.Core.Data.Sqlite;

/// <summary>Stores a DateTimeOffset as UTC ticks (INTEGER), so SQLite can sort and range-filter it.</summary>
public sealed class DateTimeOffsetToUtcTicksConverter()
    : ValueConverter<DateTimeOffset, long>(v => v.UtcTicks, v => new DateTimeOffset(v, TimeSpan.Zero));
