using System.CommandLine;
using Portal.Core.Applications;
using Portal.Core.TestEvents;

namespace Portal.Cli;

/// <summary>
/// <c>send-test-event --key K --type track [--target us|eu|REGION|BASE_URL] [--count N] [--file msg.json]</c>:
/// proves a key works, for deployment scripts. Exits 0 only when every request was answered 2xx.
/// </summary>
internal static class SendTestEventCommand
{
    public static Command Create(IServiceProvider services, TextWriter output)
    {
        var key = new Option<string>("--key") { Description = "The API key to send with.", Required = true };
        var type = new Option<string>("--type") { Description = "Sample call to send.", DefaultValueFactory = _ => "track" };
        type.AcceptOnlyFromAmong([.. SampleEventFactory.Types]);
        var target = new Option<string?>("--target")
        {
            Description = "A configured region (us, eu, ...) or a Portal's base URL such as http://127.0.0.1:5000. Default: this Portal's Webhooks:PublicBaseUrl, else the address it listens on (urls, default http://localhost:5000).",
        };
        var count = new Option<int>("--count") { Description = "Send N copies with fresh messageIds, as batches.", DefaultValueFactory = _ => 1 };
        count.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > TestEventBatches.MaxCopies) r.AddError($"--count must be between 1 and {TestEventBatches.MaxCopies}.");
        });
        var file = new Option<FileInfo?>("--file") { Description = "Send this JSON message instead of a sample." };

        var command = new Command("send-test-event", "Send a test event with a key and print the answer (status, body, latency, effect).")
        {
            key, type, target, count, file,
        };
        command.SetAction(async (parse, ct) =>
        {
            var error = parse.InvocationConfiguration.Error;
            var keyValue = ApiKeyFormat.Normalize(parse.GetRequiredValue(key));
            var destination = ParseTarget(services.GetRequiredService<WebhookUrlBuilder>(), parse.GetValue(target));
            string json;
            if (parse.GetValue(file) is { } path)
            {
                if (!path.Exists)
                {
                    await error.WriteLineAsync($"error: {path.FullName} does not exist.");
                    return ExitCodes.Failed;
                }
                json = await File.ReadAllTextAsync(path.FullName, ct);
            }
            else
            {
                json = services.GetRequiredService<SampleEventFactory>().CreateJson(parse.GetRequiredValue(type));
            }

            var runner = services.GetRequiredService<TestEventRunner>();
            var outcome = await runner.SendWithKeyAsync(keyValue, destination, json, parse.GetValue(count),
                readEffects: destination.Kind != TestEventTargetKind.Region, cancellationToken: ct);
            return await PrintAsync(outcome, outcome.ApplicationId != Guid.Empty, output, error);
        });
        return command;
    }

    // No target: this Portal, which is Webhooks:PublicBaseUrl, else where it listens (the configured urls, else Kestrel's default).
    private static TestEventTarget ParseTarget(WebhookUrlBuilder urls, string? target)
    {
        if (string.IsNullOrWhiteSpace(target)) return TestEventTarget.ThisPortal;
        if (urls.FindRegion(target) is { } region) return TestEventTarget.Region(region);
        return TestEventTarget.Custom(target);
    }

    private static async Task<int> PrintAsync(TestEventOutcome outcome, bool keyKnownHere, TextWriter output, TextWriter error)
    {
        if (outcome.Error is not null)
        {
            await error.WriteLineAsync($"error: {outcome.Error}");
            return ExitCodes.Failed;
        }
        await output.WriteLineAsync($"POST {outcome.MaskedUrl}");
        foreach (var result in outcome.Results)
        {
            if (result.NetworkError is not null)
            {
                await output.WriteLineAsync($"no answer after {result.Latency.TotalMilliseconds:0} ms: {result.NetworkError}");
                continue;
            }
            await output.WriteLineAsync($"{result.StatusCode} {result.ReasonPhrase} in {result.Latency.TotalMilliseconds:0} ms ({result.Messages} message{(result.Messages == 1 ? "" : "s")})");
            await output.WriteLineAsync(result.IsEmptyBody ? (result.Succeeded ? "Empty response: success" : "Empty response") : result.Body);
        }
        if (outcome.Effects.Count > 0)
        {
            await output.WriteLineAsync("Effect: " + outcome.EffectSummary());
            foreach (var reason in outcome.Effects.Where(e => e.Reason is not null).Select(e => $"{e.Outcome}: {e.Reason}").Distinct())
                await output.WriteLineAsync("  " + reason);
        }
        else if (!keyKnownHere)
        {
            await output.WriteLineAsync("Effect: not visible from here (the key is not one of this Portal's).");
        }
        return outcome.Succeeded ? ExitCodes.Ok : ExitCodes.Failed;
    }
}
