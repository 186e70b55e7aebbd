using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Portal.Cli;

/// <summary>How the provisioning verbs write: text for people, <c>--json</c> for scripts, errors to stderr with an exit code.</summary>
internal static class CliOutput
{
    /// <summary>The actor the audit log names for command-line changes.</summary>
    public const string Actor = "cli";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static Option<bool> JsonOption() => new("--json") { Description = "Write JSON for scripts instead of text." };

    public static Task WriteJsonAsync(TextWriter output, object value) => output.WriteLineAsync(JsonSerializer.Serialize(value, Json));

    public static async Task<int> FailAsync(ParseResult parse, string message, int exitCode = ExitCodes.Failed)
    {
        await parse.InvocationConfiguration.Error.WriteLineAsync($"error: {message}");
        return exitCode;
    }
}
