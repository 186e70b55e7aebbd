namespace Portal.Core.Common;

/// <summary>One page of a list paged in the database, with the total the pager shows.</summary>
public sealed record PageOf<T>(IReadOnlyList<T> Items, int TotalCount)
{
    public static readonly PageOf<T> Empty = new([], 0);
}
