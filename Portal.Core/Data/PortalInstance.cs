namespace Portal.Core.Data;

/// <summary>This running Portal, among the instances that share one PostgreSQL database.</summary>
public sealed class PortalInstance
{
    public Guid Id { get; } = Guid.NewGuid();
}
