using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Portal.Tests.Endpoints.Forwarding;

/// <summary>
/// Portal as a real process (<c>dotnet Portal.dll</c>) on a database and key ring of its own, so a test can kill it
/// outright — no graceful shutdown, no drain — and start it again on the same data.
/// </summary>
internal sealed class PortalProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);
    private Process? _server;

    public PortalProcess(IDictionary<string, string> settings)
    {
        Folder = Directory.CreateTempSubdirectory("portal-process-").FullName;
        Settings = new Dictionary<string, string>(settings)
        {
            ["Database__SqlitePath"] = Path.Combine(Folder, "portal.db"),
            ["KeyRing__Path"] = Path.Combine(Folder, "keys"),
            ["Ingestion__EntityCountsFlushMilliseconds"] = "0",
            ["Serilog__WriteTo__1__Args__path"] = Path.Combine(Folder, "logs", "portal-.log"),
        };
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Url = $"http://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}";
        probe.Stop();
    }

    public string Folder { get; }
    public string DatabasePath => Path.Combine(Folder, "portal.db");
    public string Url { get; }
    public Dictionary<string, string> Settings { get; }

    /// <summary>Runs a command-line verb to its end; returns its exit code and output.</summary>
    public async Task<(int Exit, string Output, string Error)> RunCliAsync(params string[] args)
    {
        using var process = Process.Start(Start(args))!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(StartTimeout);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }

    /// <summary>Starts the server and returns once it says it listens.</summary>
    public async Task StartAsync()
    {
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = Start(["--urls", Url]) };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("Now listening on", StringComparison.Ordinal) == true) listening.TrySetResult();
        };
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException("Portal exited before it listened."));
        process.EnableRaisingEvents = true;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _server = process;
        await listening.Task.WaitAsync(StartTimeout);
    }

    /// <summary>Kills the server at once, as a crash or an OOM kill would.</summary>
    public async Task KillAsync()
    {
        if (_server is null) return;
        _server.Kill(entireProcessTree: true);
        await _server.WaitForExitAsync();
        _server.Dispose();
        _server = null;
    }

    private ProcessStartInfo Start(string[] args)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Portal.dll"), .. args])
        {
            WorkingDirectory = AppContext.BaseDirectory, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        foreach (var (key, value) in Settings) start.Environment[key] = value;
        return start;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
