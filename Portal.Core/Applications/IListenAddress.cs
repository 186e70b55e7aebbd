namespace Portal.Core.Applications;

/// <summary>The address this Portal's own server listens on, as the server knows it; null when there is none.</summary>
public interface IListenAddress
{
    string? BaseUrl { get; }
}

/// <summary>Portal.Core alone runs no server: "This Portal" is then only what <see cref="WebhookOptions.PublicBaseUrl"/> says.</summary>
public sealed class NoListenAddress : IListenAddress
{
    public string? BaseUrl => null;
}
