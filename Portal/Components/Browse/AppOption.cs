namespace Portal.Components.Browse;

public sealed record AppOption(Guid Id, string Name);
