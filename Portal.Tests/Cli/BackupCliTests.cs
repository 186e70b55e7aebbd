using System.Collections.Concurrent;
using System.Net;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Tests.Endpoints.Ingestion;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Cli;

public sealed class BackupCliTests
{
    private const int PerRequest = 10;

    private static string Track(string messageId) => $$"""{"type":"track","userId":"u","event":"E","messageId":"{{messageId}}"}""";

    [Fact]
    public async Task ABackupTakenUnderLoadRestoresIntoAFreshFolderWithEveryAcknowledgedMessage()
    {
        await using var app = await IngestionApp.StartAsync(kestrel: true);
        var acked = new ConcurrentQueue<string>();
        var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var more = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var target = 0;
        using var stop = new CancellationTokenSource();
        var senders = Enumerable.Range(0, 4).Select(sender => Task.Run(async () =>
        {
            using var client = app.Client();
            for (var request = 0; !stop.IsCancellationRequested; request++)
            {
                var ids = Enumerable.Range(0, PerRequest).Select(i => $"s{sender}-r{request}-m{i}").ToArray();
                var response = await client.PostAsync($"/data/segmentio/{app.Key}", IngestionApp.Json("[" + string.Join(",", ids.Select(Track)) + "]"));
                if (response.StatusCode != HttpStatusCode.OK) continue;
                foreach (var id in ids) acked.Enqueue(id);
                if (acked.Count >= 400) enough.TrySetResult();
                if (Volatile.Read(ref target) > 0 && acked.Count >= Volatile.Read(ref target)) more.TrySetResult();
            }
        })).ToArray();

        await enough.Task.WaitAsync(TimeSpan.FromMinutes(2));
        var ackedBeforeBackup = acked.ToArray();
        Volatile.Write(ref target, ackedBeforeBackup.Length + 400);
        var folder = Directory.CreateTempSubdirectory("portal-backup-").FullName;
        var backupFile = Path.Combine(folder, "portal-backup.db");
        var backup = await app.Factory.RunCliAsync("backup", "--to", backupFile);
        // Senders carried on during the copy and after it: the copy is of a database being written.
        await more.Task.WaitAsync(TimeSpan.FromMinutes(2));
        await stop.CancelAsync();
        await Task.WhenAll(senders);

        Assert.Equal(0, backup.Exit);
        Assert.Contains(backupFile, backup.Output);
        var again = await app.Factory.RunCliAsync("backup", "--to", backupFile);
        Assert.Equal(1, again.Exit);
        Assert.Contains("already exists", again.Error);

        // Restore: the backup file as the database and the key ring beside it, in a folder Portal has never used.
        await using var restored = new PortalAppFactory();
        File.Copy(backupFile, restored.DatabasePath);
        CopyFolder(Path.Combine(app.Factory.DataDirectory, "keys"), Path.Combine(restored.DataDirectory, "keys"));
        var restoredAddress = restored.StartKestrel();

        await using (var db = await restored.Admin<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            var stored = (await db.Events.Select(e => e.MessageId!).ToListAsync()).ToHashSet();
            Assert.All(ackedBeforeBackup, id => Assert.Contains(id, stored));
            // A consistent copy holds whole transactions: each request's messages all, or none.
            Assert.All(stored.GroupBy(id => id[..id.LastIndexOf('-')]), request => Assert.Equal(PerRequest, request.Count()));
        }
        using var restoredClient = new HttpClient { BaseAddress = new Uri(restoredAddress) };
        var afterRestore = await restoredClient.PostAsync($"/data/segmentio/{app.Key}", IngestionApp.Json(Track("after-restore")));
        Assert.Equal(HttpStatusCode.OK, afterRestore.StatusCode);
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task ABackupNeverOverwritesAFile()
    {
        await using var app = await IngestionApp.StartAsync();
        var existing = Path.GetTempFileName();
        await File.WriteAllTextAsync(existing, "precious");

        var result = await app.Factory.RunCliAsync("backup", "--to", existing);

        Assert.Equal(1, result.Exit);
        Assert.Contains("already exists", result.Error);
        Assert.Equal("precious", await File.ReadAllTextAsync(existing));
        File.Delete(existing);
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }
}
