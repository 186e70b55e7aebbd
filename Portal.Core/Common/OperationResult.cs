namespace Portal.Core.Common;

/// <summary>The outcome of a command a user asked for: success, or a message fit to show them.</summary>
public sealed record OperationResult(bool Succeeded, string? Error = null)
{
    public static readonly OperationResult Success = new(true);
    public static OperationResult Fail(string error) => new(false, error);
}

public sealed record OperationResult<T>(bool Succeeded, T? Value, string? Error = null)
{
    public static OperationResult<T> Ok(T value) => new(true, value);
    public static OperationResult<T> Fail(string error) => new(false, default, error);
}
