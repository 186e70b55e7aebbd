namespace Portal.Core.Applications;

/// <summary>An application as a picker offers it: its name, and whether it is archived.</summary>
public sealed record ApplicationChoice(Guid Id, string Name, bool IsArchived);
