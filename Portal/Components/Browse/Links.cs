namespace Portal.Components.Browse;

/// <summary>Links between browse pages. Ids and names are attacker-chosen, so they travel escaped in the query string.</summary>
public static class Links
{
    public static string Visitors(Guid app) => $"visitors?app={app}";
    public static string Visitor(Guid app, string visitorId) => $"visitor?app={app}&id={Uri.EscapeDataString(visitorId)}";
    public static string Accounts(Guid app) => $"accounts?app={app}";
    public static string Account(Guid app, string accountId) => $"account?app={app}&id={Uri.EscapeDataString(accountId)}";
    public static string Events(Guid app) => $"events?app={app}";
    public static string Event(Guid app, string name) => $"event?app={app}&name={Uri.EscapeDataString(name)}";
    public static string DataMappings(Guid app) => $"data-mappings?app={app}";
}
