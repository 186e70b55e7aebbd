using Microsoft.EntityFrameworkCore;
using Portal.Core.Applications;
using Portal.Core.Common;
using Portal.Core.Data;
using Portal.Core.Forwarding;
using Portal.Core.Metadata;
using Portal.Core.Security;
using Portal.Core.TestEvents;
using Portal.Core.Users;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Core.Security;

/// <summary>
/// Every state-changing Core operation refuses a Viewer (and a scope with nobody in it) by itself: no page,
/// command or future API has to remember to check. Each case proves the refusal changed nothing.
/// </summary>
public sealed class AdminOnlyOperationsTests : CoreTestBase
{
    /// <summary>What each operation is handed: the arranged ids, and services that act as the caller under test.</summary>
    public sealed record Arranged(Guid AppId, Guid KeyId, string UserId, Func<Type, object> As);

    private static readonly Dictionary<string, Func<Arranged, Task<bool>>> Operations = new()
    {
        ["apps create"] = async a => (await Svc<ApplicationService>(a).CreateAsync("New app")).Succeeded,
        ["apps edit"] = async a => (await Svc<ApplicationService>(a).EditAsync(a.AppId, "Renamed", AppPlatform.Web, "US", null)).Succeeded,
        ["apps archive"] = async a => (await Svc<ApplicationService>(a).ArchiveAsync(a.AppId)).Succeeded,
        ["apps restore"] = async a => (await Svc<ApplicationService>(a).RestoreAsync(a.AppId)).Succeeded,
        ["apps signing secret"] = async a => (await Svc<ApplicationService>(a).SetSigningSecretAsync(a.AppId, "s3cret")).Succeeded,
        ["keys generate"] = async a => (await Svc<ApiKeyService>(a).GenerateAsync(a.AppId)).Succeeded,
        ["keys import"] = async a => (await Svc<ApiKeyService>(a).ImportAsync(a.AppId, ApiKeyFormat.Generate())).Succeeded,
        ["keys label"] = async a => (await Svc<ApiKeyService>(a).LabelAsync(a.KeyId, "mine")).Succeeded,
        ["keys rotate"] = async a => (await Svc<ApiKeyService>(a).RotateAsync(a.KeyId)).Succeeded,
        ["keys revoke"] = async a => (await Svc<ApiKeyService>(a).RevokeAsync(a.KeyId)).Succeeded,
        ["keys reveal"] = async a => (await Svc<ApiKeyService>(a).RevealAsync(a.KeyId)).Succeeded,
        ["users create"] = async a => (await Svc<UserAdminService>(a).CreateAsync("new@portal.test", PortalAppFactory.Password, PortalRoles.Admin)).Succeeded,
        ["users change role"] = async a => (await Svc<UserAdminService>(a).ChangeRoleAsync(a.UserId, PortalRoles.Viewer)).Succeeded,
        ["users lock"] = async a => (await Svc<UserAdminService>(a).SetLockedAsync(a.UserId, true)).Succeeded,
        ["users reset password"] = async a => (await Svc<UserAdminService>(a).ResetPasswordAsync(a.UserId, "another-long-password")).Succeeded,
        ["mappings edit"] = async a => (await Svc<DataMappingsService>(a).UpdateAsync(new FieldKey(a.AppId, FieldKind.Visitor, "", "plan"),
            new FieldEdit("Plan!", FieldType.Text, true))).Succeeded,
        ["mappings delete field"] = async a => (await Svc<DataMappingsService>(a).DeleteAsync(new FieldKey(a.AppId, FieldKind.Visitor, "", "plan"))).Succeeded,
        ["visitors erase"] = async a => (await Svc<Portal.Core.Erasure.ErasureService>(a).DeleteVisitorAsync(a.AppId, "u1")).Succeeded,
        ["accounts erase"] = async a => (await Svc<Portal.Core.Erasure.ErasureService>(a).DeleteAccountAsync(a.AppId, "acme")).Succeeded,
        ["visitors erase many"] = async a => (await Svc<Portal.Core.Erasure.ErasureService>(a).DeleteManyAsync(a.AppId, FieldKind.Visitor, ["u1"])).Succeeded,
        ["custom field create"] = async a => (await Svc<Portal.Core.Metadata.Custom.CustomFieldService>(a).CreateAsync(a.AppId, FieldKind.Visitor, "seats", FieldType.Integer)).Succeeded,
        ["custom field delete"] = async a => (await Svc<Portal.Core.Metadata.Custom.CustomFieldService>(a).DeleteAsync(a.AppId, FieldKind.Visitor, "tier")).Succeeded,
        ["custom value set"] = async a => (await Svc<Portal.Core.Metadata.Custom.CustomFieldService>(a).SetValueAsync(a.AppId, FieldKind.Visitor, "u1", "tier", "gold")).Succeeded,
        ["custom values import"] = async a =>
        {
            var custom = Svc<Portal.Core.Metadata.Custom.CustomFieldService>(a);
            var upload = await custom.PreviewAsync(a.AppId, FieldKind.Visitor, new MemoryStream("id,tier\nu1,gold\n"u8.ToArray()));
            return (await custom.ImportAsync(upload)).Succeeded;
        },
        ["test event send"] = async a => (await Svc<TestEventRunner>(a).SendAsync(
            new TestEventRequest(a.KeyId, TestEventTarget.Custom("http://127.0.0.1:9"), "{\"type\":\"track\",\"event\":\"x\",\"userId\":\"u\"}", 1))).Error is null,
        ["test event send with key"] = async a => (await Svc<TestEventRunner>(a).SendWithKeyAsync(ApiKeyFormat.Generate(),
            TestEventTarget.Custom("http://127.0.0.1:9"), "{\"type\":\"track\",\"event\":\"x\",\"userId\":\"u\"}", 1, readEffects: false)).Error is null,
        ["forwarding on"] = async a => (await Svc<ForwardingService>(a).EnableAsync(a.AppId, "EU", pendoKey: ApiKeyFormat.Generate())).Succeeded,
        ["forwarding off"] = async a => (await Svc<ForwardingService>(a).DisableAsync(a.AppId)).Succeeded,
        ["forwarding retry"] = async a => (await Svc<ForwardingService>(a).RetryAsync(a.AppId)).Succeeded,
        ["forwarding discard"] = async a => (await Svc<ForwardingService>(a).DiscardAsync(a.AppId)).Succeeded,
        ["forwarding replay"] = async a => (await Svc<ForwardingService>(a).ReplayAsync(a.AppId, DateTimeOffset.MinValue.AddYears(1), DateTimeOffset.MaxValue.AddYears(-1))).Succeeded,
    };

    public static TheoryData<string> Names => new(Operations.Keys);

    [Theory]
    [MemberData(nameof(Names))]
    public async Task AViewerIsRefusedAndNothingChanges(string operation)
    {
        var arranged = await ArrangeAsync(CoreHost.Viewer());
        var before = await SnapshotAsync();

        Assert.False(await Operations[operation](arranged));

        Assert.Equal(before, await SnapshotAsync());
    }

    [Theory]
    [MemberData(nameof(Names))]
    public async Task WithNobodySignedInEveryChangeIsRefused(string operation)
    {
        var arranged = await ArrangeAsync(Actor.Anonymous);
        var before = await SnapshotAsync();

        Assert.False(await Operations[operation](arranged));

        Assert.Equal(before, await SnapshotAsync());
    }

    [Fact]
    public async Task TheSameOperationsSucceedForAnAdmin()
    {
        var arranged = await ArrangeAsync(new Actor("boss", "boss@portal.test", IsAdmin: true));

        Assert.True(await Operations["apps create"](arranged));
        Assert.True(await Operations["keys reveal"](arranged));
        Assert.True(await Operations["mappings edit"](arranged));
        Assert.True(await Operations["users lock"](arranged));
        Assert.True(await Operations["forwarding retry"](arranged));
        Assert.True(await Operations["forwarding replay"](arranged));
        Assert.True(await Operations["forwarding off"](arranged));
        Assert.True(await Operations["custom field create"](arranged));
        Assert.True(await Operations["custom value set"](arranged));
        Assert.True(await Operations["custom values import"](arranged));
        Assert.True(await Operations["custom field delete"](arranged));
        Assert.True(await Operations["accounts erase"](arranged));
        Assert.True(await Operations["visitors erase"](arranged));
        Assert.True(await Operations["mappings delete field"](arranged));
    }

    private static T Svc<T>(Arranged arranged) where T : notnull => (T)arranged.As(typeof(T));

    private async Task<Arranged> ArrangeAsync(Actor caller)
    {
        var app = (await Get<ApplicationService>().CreateAsync("Shop")).Value!;
        var key = (await Get<ApiKeyService>().GenerateAsync(app.Id)).Value!;
        Assert.True((await Get<UserAdminService>().CreateAsync("someone@portal.test", PortalAppFactory.Password, PortalRoles.Admin)).Succeeded);
        Assert.True((await Get<UserAdminService>().CreateAsync("other@portal.test", PortalAppFactory.Password, PortalRoles.Admin)).Succeeded);
        var user = (await Get<UserAdminService>().ListAsync()).Single(u => u.Email == "someone@portal.test");
        var data = new Browse.BrowseData(Get<IDbContextFactory<PortalDbContext>>());
        await data.FieldAsync(app.Id, FieldKind.Visitor, GroupTypes.Segment, "plan");
        await data.VisitorAsync(app.Id, "u1", accounts: ["acme"]);
        await data.AccountAsync(app.Id, "acme", hasMetadata: true);
        Assert.True((await Get<Portal.Core.Metadata.Custom.CustomFieldService>().CreateAsync(app.Id, FieldKind.Visitor, "tier", FieldType.Text)).Succeeded);
        Assert.True((await Get<ForwardingService>().EnableAsync(app.Id, "US", pendoKey: ApiKeyFormat.Generate())).Succeeded);
        await using (var db = await Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            db.ForwardingOutbox.Add(new OutboxEntry { ApplicationId = app.Id, MessageIds = OutboxBody.Ids(["dead-1"]), Body = "[{}]"u8.ToArray(), State = OutboxState.Dead, LastStatus = 400 });
            await db.SaveChangesAsync();
        }
        var scope = Host.GetAs<IServiceProvider>(caller);
        return new Arranged(app.Id, key.KeyId, user.Id, type => scope.GetService(type)!);
    }

    /// <summary>Everything an operation could change, as text: apps, keys, users and roles, fields, and the audit log.</summary>
    private async Task<string> SnapshotAsync()
    {
        await using var db = await Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var apps = await db.Applications.AsNoTracking().OrderBy(a => a.Name)
            .Select(a => $"{a.Name}|{a.ArchivedAt}|{a.ProtectedSigningSecret != null}").ToListAsync();
        var keys = await db.ApiKeys.AsNoTracking().OrderBy(k => k.Hash).Select(k => $"{k.Hash}|{k.Label}|{k.RevokedAt}|{k.ExpiresAt}").ToListAsync();
        var users = await db.Users.AsNoTracking().OrderBy(u => u.Email).Select(u => $"{u.Email}|{u.LockoutEnd}|{u.PasswordHash}").ToListAsync();
        var roles = await db.UserRoles.AsNoTracking().OrderBy(r => r.UserId).Select(r => r.UserId + r.RoleId).ToListAsync();
        var fields = await db.MetadataFields.AsNoTracking().Select(f => $"{f.Name}|{f.DisplayName}|{f.TypeOverride}|{f.Hidden}").ToListAsync();
        var forwarding = await db.ForwardingSettings.AsNoTracking().OrderBy(f => f.ApplicationId)
            .Select(f => $"{f.ApplicationId}|{f.Enabled}|{f.Region}|{f.KeyHint}|{f.ChangedBy}").ToListAsync();
        var outbox = await db.ForwardingOutbox.AsNoTracking().OrderBy(m => m.Id).Select(m => $"{m.Id}|{m.MessageIds}|{m.State}|{m.DueAt}").ToListAsync();
        var visitors = await db.Visitors.AsNoTracking().OrderBy(v => v.VisitorId).Select(v => v.VisitorId).ToListAsync();
        var accounts = await db.Accounts.AsNoTracking().OrderBy(a => a.AccountId).Select(a => a.AccountId).ToListAsync();
        var links = await db.VisitorAccounts.CountAsync();
        var custom = await db.CustomFields.AsNoTracking().OrderBy(f => f.Name).Select(f => f.Name).ToListAsync();
        var customValues = await db.CustomValues.AsNoTracking().Select(v => v.EntityId + v.FieldName + v.ValueJson).ToListAsync();
        var audit = await db.AuditEntries.CountAsync();
        return string.Join("\n", apps.Concat(keys).Concat(users).Concat(roles).Concat(fields).Concat(forwarding).Concat(outbox).Concat(visitors)
            .Concat(accounts).Concat(custom).Concat(customValues).Append($"links {links}").Append($"audit {audit}"));
    }
}
